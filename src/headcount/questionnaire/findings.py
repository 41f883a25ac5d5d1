"""Edit findings: what a check reports about one household, person or death form.

Findings are results, not exceptions. A hard finding blocks the household; a soft one blocks until
it is confirmed (``"confirmed": ["CODE@person_no", …]`` in the household JSON).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from headcount.questionnaire.schema import Label, Severity


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    item: str
    display_id: str
    person_no: int | None
    death_no: int | None
    message: Label
    confirmed: bool = False

    @property
    def target(self) -> str:
        """The confirmation string of this finding: ``CODE``, ``CODE@3`` or ``CODE@d1``."""
        if self.death_no is not None:
            return f"{self.rule}@d{self.death_no}"
        if self.person_no is not None:
            return f"{self.rule}@{self.person_no}"
        return self.rule

    @property
    def blocks(self) -> bool:
        return self.severity == "hard" or not self.confirmed

    def key(self) -> tuple[str, int, int, str]:
        """A sort and comparison key shared with the batch executor's rows."""
        return (self.rule, self.person_no or 0, self.death_no or 0, self.severity)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "item": self.item,
            "display_id": self.display_id,
            "person_no": self.person_no,
            "death_no": self.death_no,
            "confirmation": self.target,
            "confirmed": self.confirmed,
            "message": {"zh": self.message.zh, "en": self.message.en},
        }
