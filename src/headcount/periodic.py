"""A job run every few seconds in a daemon thread of the server (the audit sequencer, the
self-report close). A failing round (database down) is logged by exception type only — never a
message that could quote data — and the next tick tries again; ``stop`` runs one last round so a
clean shutdown leaves nothing behind."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("headcount.periodic")


class Periodic:
    def __init__(self, name: str, job: Callable[[], int], *, interval: float) -> None:
        self.name = name
        self._job = job
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.done = 0  # what the rounds reported doing, summed (entries moved, tasks made …)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.round()

    def round(self) -> int:
        try:
            count = self._job()
        except Exception as exc:  # the next tick retries; nothing is lost in between
            log.warning("%s round failed: %s", self.name, type(exc).__name__)
            return 0
        self.done += count
        return count

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.round()
