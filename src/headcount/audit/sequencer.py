"""The server's audit sequencer: a thread that numbers staged audit entries into the log.

Requests stage their entries in their own transactions (audit/log.py ``append``); this thread
moves committed ones into ``audit_log`` every ``interval`` seconds in short transactions, so an
entry is in the Merkle tree within about that long. Several server processes may each run one:
they take turns under the audit lock. Readers of the log (the auditor's pages, verification,
signed heads) sequence first, so they never miss an entry that committed before they started.
Nothing staged is lost when a round fails: entries stay in ``audit_pending`` until moved.
"""

from __future__ import annotations

from sqlalchemy import Engine

from headcount.audit.log import flush
from headcount.periodic import Periodic


class Sequencer(Periodic):
    def __init__(self, engine: Engine, *, interval: float = 0.2) -> None:
        super().__init__("audit-sequencer", lambda: flush(engine), interval=interval)

    @property
    def moved(self) -> int:
        return self.done
