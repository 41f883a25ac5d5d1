"""Census areas (普查区), small areas (普查小区) and buildings: import from CSV, list in scope.

One CSV describes the units, one row per most specific unit, with a header line:

    census_area_code,census_area_name,small_area_no,small_area_name,expected_persons,
    building_no,building_address

``census_area_code`` has 12 digits whose first 9 are a township of the 2020 statistical divisions;
a row without ``small_area_no`` names a census area, one with it a small area (code = census area
code + the 3-digit number), one with ``building_no`` too a building of that small area. Every row
is checked and every bad row is reported with a coded zh/en problem; a file with any bad row writes
nothing. Re-importing the same file adds nothing (units already present are kept as they are).
Office exports from spreadsheet programs often come in GB18030, so that encoding is accepted too.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth.roles import Actor, Permission, Role
from headcount.errors import HeadcountError, Problem
from headcount.identity.divisions import divisions
from headcount.privacy.masking import mask
from headcount.store.protector import Protector, household_scope
from headcount.store.queries import access as access_queries
from headcount.store.queries import areas as area_queries

COLUMNS = (
    "census_area_code",
    "census_area_name",
    "small_area_no",
    "small_area_name",
    "expected_persons",
    "building_no",
    "building_address",
)
MAX_ROWS = 50_000
MAX_REPORTED = 200  # bad rows listed in one answer (the count covers all of them)
SMALL_AREA_CAP = 2000  # persons in one small area (workflow-2020 §A2)
MAX_PAGE = 200


class AreaImportResult(BaseModel):
    rows: int
    census_areas_created: int
    small_areas_created: int
    buildings_created: int


class SmallAreaPublic(BaseModel):
    code: str
    name: str
    expected_persons: int | None


class CensusAreaPublic(BaseModel):
    code: str
    name: str
    county_code: str
    region: str | None
    small_areas: int


class CensusAreaPage(BaseModel):
    items: list[CensusAreaPublic]
    total: int
    limit: int
    offset: int


@dataclass
class _Plan:
    census: dict[str, dict[str, Any]] = field(default_factory=dict)
    small: dict[str, dict[str, Any]] = field(default_factory=dict)
    buildings: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    seen: dict[tuple[str, str, str], int] = field(default_factory=dict)
    bad: list[HeadcountError] = field(default_factory=list)

    def problem(self, problem: Problem, **details: Any) -> None:
        self.bad.append(HeadcountError(problem, **details))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise HeadcountError(errors.AREA_FILE_INVALID, reason="not UTF-8 or GB18030 text")


def _rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    text = _decode(data)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if "census_area_code" not in header:
        raise HeadcountError(errors.AREA_FILE_INVALID, reason="no census_area_code column")
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise HeadcountError(
            errors.AREA_FILE_INVALID, reason=f"unknown column(s): {', '.join(unknown)[:200]}"
        )
    reader.fieldnames = header
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for row in reader:
            if None in row:
                raise HeadcountError(
                    errors.AREA_FILE_INVALID, reason=f"line {reader.line_num} has extra fields"
                )
            clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
            if any(clean.values()):
                rows.append((reader.line_num, clean))
            if len(rows) > MAX_ROWS:
                raise HeadcountError(errors.AREA_FILE_INVALID, reason=f"over {MAX_ROWS} rows")
    except csv.Error as exc:
        raise HeadcountError(errors.AREA_FILE_INVALID, reason=str(exc)[:200]) from None
    if not rows:
        raise HeadcountError(errors.AREA_FILE_INVALID, reason="no rows")
    return rows


def _check_row(plan: _Plan, actor: Actor, line: int, row: dict[str, str], now: datetime) -> None:
    code = row.get("census_area_code", "")
    number = row.get("small_area_no", "")
    building = row.get("building_no", "")
    if not (len(code) == 12 and code.isascii() and code.isdigit()) or (
        divisions().get(code[:9]) is None
    ):
        plan.problem(errors.AREA_CODE_INVALID, line=line, code=code[:16])
        return
    if not actor.covers(code):
        plan.problem(errors.AREA_OUTSIDE_SCOPE, line=line, code=code)
        return
    key = (code, number, building)
    if key in plan.seen:
        plan.problem(errors.AREA_ROW_DUPLICATE, line=line, first=plan.seen[key])
        return
    plan.seen[key] = line
    name = row.get("census_area_name", "")
    if len(name) > 200:
        plan.problem(errors.AREA_FIELD_INVALID, line=line, field="census_area_name", reason="long")
        return
    entry = plan.census.setdefault(
        code, {"code": code, "county_code": code[:6], "name": "", "created_at": now, "line": line}
    )
    if name and not entry["name"]:
        entry["name"] = name
    if not number:
        if building:
            plan.problem(
                errors.AREA_FIELD_INVALID, line=line, field="building_no", reason="no small_area_no"
            )
        return
    if not (len(number) == 3 and number.isascii() and number.isdigit() and number != "000"):
        plan.problem(errors.SMALL_AREA_NO_INVALID, line=line, value=number[:8])
        return
    small_code = code + number
    persons_text = row.get("expected_persons", "")
    persons: int | None = None
    if persons_text:
        if not (persons_text.isascii() and persons_text.isdigit()) or not (
            0 <= int(persons_text) <= SMALL_AREA_CAP
        ):
            plan.problem(
                errors.AREA_FIELD_INVALID,
                line=line,
                field="expected_persons",
                reason=f"a whole number from 0 to {SMALL_AREA_CAP}",
            )
            return
        persons = int(persons_text)
    small_name = row.get("small_area_name", "")[:201]
    if len(small_name) > 200:
        plan.problem(errors.AREA_FIELD_INVALID, line=line, field="small_area_name", reason="long")
        return
    small = plan.small.setdefault(
        small_code,
        {
            "code": small_code,
            "census_area_code": code,
            "name": small_name or f"普查小区 {number}",
            "expected_persons": persons,
            "created_at": now,
        },
    )
    if persons is not None and small["expected_persons"] is None:
        small["expected_persons"] = persons
    if not building:
        return
    if not (1 <= len(building) <= 4 and building.isascii() and building.isdigit()):
        plan.problem(errors.BUILDING_NO_INVALID, line=line, value=building[:8])
        return
    address = row.get("building_address", "")
    if len(address) > 200:
        plan.problem(errors.AREA_FIELD_INVALID, line=line, field="building_address", reason="long")
        return
    plan.buildings[(small_code, building.zfill(4))] = (line, address)


def import_csv(
    session: Session,
    actor: Actor,
    protector: Protector,
    who: AuditActor,
    now: datetime,
    wave: str,
    data: bytes,
) -> AreaImportResult:
    if not actor.has(Permission.area_manage):
        raise HeadcountError(errors.FORBIDDEN)
    rows = _rows(data)
    plan = _Plan()
    for line, row in rows:
        _check_row(plan, actor, line, row, now)
    known = area_queries.existing_census_areas(session, plan.census)
    for code, entry in plan.census.items():
        if code not in known and not entry["name"]:
            plan.problem(
                errors.AREA_FIELD_INVALID,
                line=entry["line"],
                field="census_area_name",
                reason="required for a new census area",
            )
    if plan.bad:
        raise HeadcountError(
            errors.AREA_ROWS_INVALID,
            count=len(plan.bad),
            rows=[problem.to_dict() for problem in plan.bad[:MAX_REPORTED]],
        )
    new_census = [
        {k: v for k, v in e.items() if k != "line"}
        for c, e in plan.census.items()
        if c not in known
    ]
    present_small = area_queries.existing_small_areas(session, plan.small)
    new_small = [s for c, s in plan.small.items() if c not in present_small]
    present_buildings = access_queries.existing_buildings(session, plan.buildings)
    new_buildings = []
    for (small_code, number), (_line, address) in plan.buildings.items():
        if (small_code, number) in present_buildings:
            continue
        building_id = uuid.uuid4()
        blob = (
            protector.encrypt(
                address,
                scope=household_scope(wave, small_code),
                table="buildings",
                column="address_enc",
                row_id=str(building_id),
            )
            if address
            else None
        )
        new_buildings.append(
            {
                "id": building_id,
                "small_area_code": small_code,
                "building_no": number,
                "key_id": protector.key_hex(blob) if blob else None,
                "address_enc": blob,
                "created_at": now,
            }
        )
    area_queries.add_census_areas(session, new_census)
    area_queries.add_small_areas(session, new_small)
    access_queries.add_buildings(session, new_buildings)
    result = AreaImportResult(
        rows=len(rows),
        census_areas_created=len(new_census),
        small_areas_created=len(new_small),
        buildings_created=len(new_buildings),
    )
    append(session, who, AuditEvent("area.import", "csv", detail=result.model_dump()))
    return result


def _prefixes(actor: Actor) -> list[str]:
    if actor.role == Role.national_office:
        return [""]
    return sorted({code[:12] for code in actor.areas})


def census_areas(session: Session, actor: Actor, *, limit: int, offset: int) -> CensusAreaPage:
    if not actor.has(Permission.progress_view):
        raise HeadcountError(errors.FORBIDDEN)
    if not 1 <= limit <= MAX_PAGE:
        raise HeadcountError(errors.PAGE_SIZE_INVALID, max=MAX_PAGE)
    offset = max(0, offset)
    rows, total = area_queries.census_areas_page(
        session, _prefixes(actor), limit=limit, offset=offset
    )
    table = divisions()
    items = [
        CensusAreaPublic(
            code=area.code,
            name=area.name,
            county_code=area.county_code,
            region=table.region_name(area.code[:9]),
            small_areas=count,
        )
        for area, count in rows
    ]
    return CensusAreaPage(items=items, total=total, limit=limit, offset=offset)


def small_areas(session: Session, actor: Actor, census_area_code: str) -> list[SmallAreaPublic]:
    """The small areas of one census area that the caller covers (404 outside the scope)."""
    if not actor.has(Permission.progress_view):
        raise HeadcountError(errors.FORBIDDEN)
    area = area_queries.census_area(session, census_area_code[:12])
    visible = area is not None and any(area.code.startswith(p) for p in _prefixes(actor))
    if area is None or not visible:
        raise HeadcountError(errors.AREA_NOT_FOUND, code=census_area_code[:16])
    return [
        SmallAreaPublic(code=s.code, name=s.name, expected_persons=s.expected_persons)
        for s in area_queries.small_areas_of(session, area.code)
        if actor.covers(s.code)
    ]


class BuildingPublic(BaseModel):
    building_no: str
    address: str  # masked to the county unless the caller holds pi.view_full


def buildings(
    session: Session,
    actor: Actor,
    protector: Protector,
    who: AuditActor,
    small_area_code: str,
) -> list[BuildingPublic]:
    """A small area's buildings for the people who work it; addresses are personal data."""
    if not actor.can(Permission.household_read, small_area_code) or (
        area_queries.small_area(session, small_area_code) is None
    ):
        raise HeadcountError(errors.AREA_NOT_FOUND, code=small_area_code[:16])
    permissions = [p.value for p in actor.permissions()]
    full = Permission.pi_view_full.value in permissions
    items = []
    for row in access_queries.buildings_of(session, small_area_code):
        address = (
            protector.decrypt(
                row.address_enc, table="buildings", column="address_enc", row_id=str(row.id)
            )
            if row.address_enc
            else ""
        )
        items.append(
            BuildingPublic(
                building_no=row.building_no,
                address=mask(address, "address", permissions=permissions),
            )
        )
    append(
        session,
        who,
        AuditEvent(
            "buildings.read",
            small_area_code,
            detail={"count": len(items), "unmasked": full},
        ),
    )
    return items
