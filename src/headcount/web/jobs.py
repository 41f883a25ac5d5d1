"""The server's background jobs, started and stopped with the application (lifespan)."""

from __future__ import annotations

from sqlalchemy import Engine

from headcount.audit.sequencer import Sequencer
from headcount.calendar import CensusCalendar, Clock
from headcount.fieldwork import confirmation
from headcount.periodic import Periodic
from headcount.store.protector import Protector
from headcount.store.session import transaction

CLOSE_CHECK_SECONDS = 30.0


def self_report_close(
    engine: Engine,
    protector: Protector,
    clock: Clock,
    calendar: CensusCalendar,
    *,
    interval: float = CLOSE_CHECK_SECONDS,
    batch: int = confirmation.HAND_OVER_BATCH,
) -> Periodic:
    """At the close of the self-report window, every household that did not submit becomes an
    enumerator's register task, whether or not an enumerator looks at their list that day.
    One successful round per server start suffices (no household can switch to self-report
    after the close); the hand-over is idempotent, so several servers may each run it."""
    finished = False

    def close() -> int:
        nonlocal finished
        if finished or clock.now() < calendar.self_report.closes:
            return 0
        total = 0
        while True:  # a short transaction per batch: a national close is millions of households
            with transaction(engine) as session:
                handed = confirmation.hand_over_all(
                    session, protector, clock=clock, calendar=calendar, limit=batch
                )
            total += handed
            if handed < batch:
                break
        finished = True
        return total

    return Periodic("self-report-close", close, interval=interval)


def background(
    engine: Engine, protector: Protector, clock: Clock, calendar: CensusCalendar
) -> list[Periodic]:
    return [Sequencer(engine), self_report_close(engine, protector, clock, calendar)]
