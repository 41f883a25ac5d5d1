"""Progress per area at every level, with drill-down to the next level (JSON for dashboards).

Levels are the area code widths: nation (""), province 2, prefecture 4, county 6, township 9,
census area 12, small area 15. Counts come from GROUP BY over code prefixes of coded columns:
households expected (pre-registration) vs registered vs self-reported vs approved vs rejected.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel
from sqlalchemy.orm import Session

from headcount import errors
from headcount.auth.roles import SCOPE_WIDTH, Actor, Permission
from headcount.errors import HeadcountError
from headcount.fieldwork.scope import require, require_permission
from headcount.store.queries import fieldwork_progress as queries

WIDTHS = (0, 2, 4, 6, 9, 12, 15)
LEVELS = dict(
    zip(
        WIDTHS,
        ("nation", "province", "prefecture", "county", "township", "census_area", "small_area"),
        strict=True,
    )
)


class AreaProgress(BaseModel):
    area_code: str
    level: str
    expected_households: int
    expected_persons: int
    registered: int
    self_reported: int
    awaiting_review: int
    approved_first: int
    approved: int
    rejected: int


class ProgressOut(BaseModel):
    area: AreaProgress
    children: list[AreaProgress]


def _tally(session: Session, prefix: str, width: int) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for code, (households, persons) in queries.register_counts(session, prefix, width).items():
        table[code]["expected_households"] += households
        table[code]["expected_persons"] += persons
    for code, n in queries.household_counts(session, prefix, width).items():
        table[code]["registered"] += n
    for (code, status, channel), n in queries.review_counts(session, prefix, width).items():
        key = "awaiting_review" if status == "submitted" else status
        table[code][key] += n
        if channel == "self_report":
            table[code]["self_reported"] += n
    return table


def _area(code: str, width: int, counts: dict[str, int]) -> AreaProgress:
    return AreaProgress(
        area_code=code,
        level=LEVELS[width],
        expected_households=counts.get("expected_households", 0),
        expected_persons=counts.get("expected_persons", 0),
        registered=counts.get("registered", 0),
        self_reported=counts.get("self_reported", 0),
        awaiting_review=counts.get("awaiting_review", 0),
        approved_first=counts.get("approved_first", 0),
        approved=counts.get("approved", 0),
        rejected=counts.get("rejected", 0),
    )


def area_progress(session: Session, actor: Actor, area_code: str) -> ProgressOut:
    """One area and its children; an area outside the actor's scope is 404."""
    digits = area_code.isascii() and area_code.isdigit()
    if area_code and (len(area_code) not in WIDTHS or not digits):
        raise HeadcountError(errors.AREA_NOT_FOUND, code=area_code[:20])
    require(actor, Permission.progress_view, area_code, errors.AREA_NOT_FOUND, code=area_code)
    if area_code == "" and SCOPE_WIDTH[actor.role] != 0:
        raise HeadcountError(errors.AREA_NOT_FOUND, code="-")
    width = len(area_code)
    child_width = next((w for w in WIDTHS if w > width), width)
    children = _tally(session, area_code, child_width)
    total: dict[str, int] = defaultdict(int)
    for counts in children.values():
        for key, n in counts.items():
            total[key] += n
    return ProgressOut(
        area=_area(area_code, width, total),
        children=[]
        if child_width == width
        else [_area(code, child_width, children[code]) for code in sorted(children)],
    )


def my_progress(session: Session, actor: Actor) -> list[ProgressOut]:
    """The areas granted to the actor (the nation for the national office)."""
    require_permission(actor, Permission.progress_view)
    if SCOPE_WIDTH[actor.role] == 0:
        return [area_progress(session, actor, "")]
    return [area_progress(session, actor, code) for code in actor.areas]
