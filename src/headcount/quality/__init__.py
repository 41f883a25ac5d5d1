"""Quality: deduplication, 人户分离 pairs and the register checks of an extract (issue 12).

Domain code over the processing extract only (no web, no store): ``run`` (``quality.job``) links
and writes the findings; ``quality.score.score`` measures them against a synthetic extract's truth
tables.
"""

from __future__ import annotations

from headcount.quality.job import QualityResult, run

__all__ = ["QualityResult", "run"]
