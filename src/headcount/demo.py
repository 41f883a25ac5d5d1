"""``headcount demo``: a small synthetic census on SQLite, built through the real services.

The builder makes a fresh folder with a demo-mode key file and database, generates a few hundred
synthetic persons with ``headcount.synth``, lays them out in three small areas of one census area,
writes the household-head register (some households set to self-report), registers part of the
rest through the registration service, has the supervisor approve some and reject one, and
creates one account per role with a known demo password. It returns everything it made, so the
CLI can print it and the tests can sign in with every printed login. Everything is synthetic.
"""

from __future__ import annotations

import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from headcount.auth.passwords import hash_password
from headcount.auth.roles import Actor, Permission, Role
from headcount.calendar import CST, CensusCalendar, Clock, FixedClock
from headcount.config import Settings
from headcount.fieldwork import pre_registration, registration, review
from headcount.fieldwork import staff as staff_service
from headcount.fieldwork.scope import audit_actor
from headcount.identity import divisions
from headcount.questionnaire.engine import validate_household
from headcount.store import bootstrap, loader
from headcount.store.models_access import PledgeAcceptance
from headcount.store.protector import Protector
from headcount.store.queries import access as access_queries
from headcount.store.queries import areas as area_queries
from headcount.store.queries import staff as staff_queries
from headcount.store.session import make_engine, transaction
from headcount.synth import generate

if TYPE_CHECKING:
    from fastapi import FastAPI

    from headcount.processing.pseudonyms import ProcessingKeys

# The demo's "now" starts here (registration under way, self-report window open) and runs on.
DEMO_START = datetime(2020, 11, 3, 9, 0, tzinfo=CST)
CANVASS_DAY = datetime(2020, 10, 20, 10, 0, tzinfo=CST)
SMALL_AREAS = 3
# Known demo passwords: the demo is for looking around on one's own machine, never for data.
# Synthetic staff names (the badge check shows them masked: surname and *).
DISPLAY_NAMES = {
    "enumerator": "林晓燕",
    "supervisor": "赵建国",
    "county": "周文华",
    "prefecture": "孙立平",
    "province": "吴海燕",
    "national": "郑国强",
    "processing": "何志明",
    "auditor": "冯秀英",
}
ROLE_LOGINS: tuple[tuple[Role, str], ...] = (
    (Role.enumerator, "enumerator"),
    (Role.supervisor, "supervisor"),
    (Role.county_office, "county"),
    (Role.prefecture_office, "prefecture"),
    (Role.provincial_office, "province"),
    (Role.national_office, "national"),
    (Role.national_office, "processing"),  # the processing centre: holds processing.extract
    (Role.auditor, "auditor"),
    (Role.system_admin, "admin"),
)
_FIELD_ROLES = frozenset({Role.supervisor, Role.enumerator})
# The synthetic national publication (``build(results=True)``): folders inside the demo folder.
RESULTS_PERSONS = 100_000
RESULTS_SYNTH = "national-synth"
RESULTS_EXTRACT = "extract"
RESULTS_TABLES = "tables"
RESULTS_COMMUNIQUE = "communique"
RESULTS_PUBLICATION = "publication"
RESULTS_QUALITY = "quality"  # the quality job over the same extract (with its registers)
PUBLICATION_NAME = "2020-national-synthetic"


def demo_password(username: str) -> str:
    return f"demo-{username}-2020"


def ready_to_sign_in(
    session: Session, settings: Settings, staff_id: uuid.UUID, username: str, now: datetime
) -> str:
    """A demo account's known password set and its pledge signed (demo mode only); the
    password."""
    row = staff_queries.by_id(session, staff_id)
    assert row is not None
    password = demo_password(username)
    row.password_hash = hash_password(password)
    row.must_change_password = False
    row.password_changed_at = now
    access_queries.add_pledge(
        session,
        PledgeAcceptance(
            id=uuid.uuid4(),
            staff_id=staff_id,
            version=settings.pledge_version,
            accepted_at=now,
            ip="127.0.0.1",
        ),
    )
    return password


class ShiftedClock:
    """Census time for the demo: ``start`` at the moment the server started, then running on."""

    def __init__(self, start: datetime) -> None:
        self._offset = start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


@dataclass(frozen=True, slots=True)
class StaffLogin:
    role: Role
    username: str
    password: str
    areas: tuple[str, ...]
    badge_no: str | None


@dataclass(frozen=True, slots=True)
class HouseholdLogin:
    household_id: str
    account: str
    password: str
    path: str  # the self-report login with the account filled in


@dataclass
class Demo:
    """What the builder made: settings to serve it, and every URL and login it can print."""

    directory: Path
    settings: Settings
    census_area_code: str
    small_area_codes: list[str]
    staff: list[StaffLogin] = field(default_factory=list)
    households: list[HouseholdLogin] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)  # at the second level: in an extract
    # 比对复查 (``demo_checks``, with ``results``): verification tasks opened, per finding.
    verification_tasks: dict[str, int] = field(default_factory=dict)

    def login(self, role: Role) -> StaffLogin:
        return next(s for s in self.staff if s.role == role)

    def urls(self, base_url: str) -> dict[str, str]:
        base = base_url.rstrip("/")
        return {
            "start": f"{base}/",
            "staff_sign_in": f"{base}/sign-in",
            "self_report": f"{base}/self-report/login",
            "badge_check": f"{base}/badge",
            "privacy": f"{base}/privacy",
            "api_schema": f"{base}/openapi.json",
        }


def demo_settings(directory: Path, database_url: str | None = None) -> Settings:
    """Demo mode; SQLite in the folder unless a database URL is given (the tests use PostgreSQL
    too). The results pages and /published read the folder's national publication once it has
    one (``build(results=True)``)."""
    tables = directory / RESULTS_TABLES
    publication = directory / RESULTS_PUBLICATION
    quality = directory / RESULTS_QUALITY
    return Settings(
        mode="demo",
        database_url=database_url or f"sqlite:///{directory / 'headcount.db'}",
        key_file=directory / "headcount.key",
        audit_signing_key_file=directory / "audit-signing.key",
        audit_head_file=directory / "audit-heads.jsonl",
        demo_second_factor_optional=True,
        allow_provisional_forms=True,  # a demo shows the hmtf form, marked provisional
        tables_dir=tables if (tables / "tables.json").is_file() else None,
        quality_dir=quality if (quality / "quality.json").is_file() else None,
        publication_dir=publication if publication.is_dir() else None,
    )


def _fresh(directory: Path) -> None:
    """The demo folder is recreated each run; refuse to wipe a folder that is not a demo's."""
    if directory.exists():
        marker = directory / ".headcount-demo"
        if any(directory.iterdir()) and not marker.exists():
            from headcount import errors
            from headcount.errors import HeadcountError

            raise HeadcountError(errors.DEMO_DIRECTORY_FOREIGN, path=str(directory))
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    (directory / ".headcount-demo").write_text("made by headcount demo; recreated each run\n")


def _layout(synth_dir: Path) -> tuple[str, list[dict[str, Any]]]:
    """Synthetic households (with their persons) spread over the demo's small areas."""
    households = loader.scan(synth_dir, "households")
    persons = loader.scan(synth_dir, "persons")
    assert households is not None and persons is not None
    frame = households.filter(pl.col("form") == "short").collect()
    people = persons.collect()
    census_area = str(frame["small_area_code"][0])[:12]
    out: list[dict[str, Any]] = []
    for row in frame.sort("household_id").to_dicts():
        members = people.filter(pl.col("household_id") == row["household_id"]).sort("person_no")
        meta = {"household_id", "household_no", "small_area_code", "dwelling_unit_id", "form"}
        items = loader.unflatten({k: v for k, v in row.items() if k not in meta})
        drop = {"household_id", "person_no", "household_no"}
        record = {
            "form": "short",
            "items": items,
            "persons": [
                loader.unflatten({k: v for k, v in p.items() if k not in drop})
                for p in members.to_dicts()
            ],
        }
        out.append(record)
    return census_area, out


def _add_areas(engine: Engine, census_area: str, urban_rural_class: str | None) -> list[str]:
    table = divisions()
    township = table.get(census_area[:9])
    place = township.name if township is not None else census_area[:9]
    now = datetime.now(UTC)
    codes = [f"{census_area}{n:03d}" for n in range(1, SMALL_AREAS + 1)]
    with transaction(engine) as session:
        area_queries.add_census_areas(
            session,
            [
                {
                    "code": census_area,
                    "county_code": census_area[:6],
                    "name": f"{place}第{int(census_area[9:]):d}普查区",
                    "urban_rural_class": urban_rural_class,
                    "created_at": now,
                }
            ],
        )
        area_queries.add_small_areas(
            session,
            [
                {
                    "code": code,
                    "census_area_code": census_area,
                    "name": f"第{int(code[12:]):d}普查小区",
                    "expected_persons": None,
                    "created_at": now,
                }
                for code in codes
            ],
        )
    return codes


def _add_staff(
    engine: Engine, protector: Protector, settings: Settings, census_area: str, small: list[str]
) -> list[StaffLogin]:
    areas = {
        Role.enumerator: [small[0], small[1]],
        Role.supervisor: [census_area],
        Role.county_office: [census_area[:6]],
        Role.prefecture_office: [census_area[:4]],
        Role.provincial_office: [census_area[:2]],
    }
    now = datetime.now(UTC)
    logins: list[StaffLogin] = []
    with transaction(engine) as session, protector.bound(session):
        admin = staff_queries.by_username(session, bootstrap.ADMIN_USERNAME)
        assert admin is not None
        admin_actor = Actor(str(admin.id), Role.system_admin, (), frozenset(), True)
        county_actor = admin_actor
        # The administrator creates the offices; the county office its supervisors and
        # enumerators, as in the field (an administrator cannot create field staff).
        order = sorted(ROLE_LOGINS, key=lambda login: login[0] in _FIELD_ROLES)
        for role, username in order:
            if role is Role.system_admin:
                staff_id, badge = admin.id, None
            else:
                maker = county_actor if role in _FIELD_ROLES else admin_actor
                made = staff_service.create(
                    session,
                    maker,
                    protector,
                    audit_actor(maker),
                    now,
                    settings.census_wave,
                    staff_service.StaffCreate(
                        username=username,
                        role=role,
                        areas=areas.get(role, []),
                        display_name=DISPLAY_NAMES[username],
                    ),
                )
                staff_id, badge = uuid.UUID(made.staff_id), made.badge_no
                if role is Role.county_office:
                    county_actor = Actor(made.staff_id, role, tuple(made.areas), frozenset(), True)
            password = ready_to_sign_in(session, settings, staff_id, username, now)
            logins.append(StaffLogin(role, username, password, tuple(areas.get(role, [])), badge))
        _grant_processing(session, logins)
    printed = [role for role, _ in ROLE_LOGINS]
    return sorted(logins, key=lambda login: printed.index(login.role))


def _grant_processing(session: Session, logins: list[StaffLogin]) -> None:
    """The national office grants the processing centre's account the extract permission."""
    national = staff_queries.by_username(session, "national")
    centre = staff_queries.by_username(session, "processing")
    assert national is not None and centre is not None
    grantor = Actor(str(national.id), Role.national_office, (), frozenset(), True)
    staff_service.set_extra_permissions(
        session,
        grantor,
        audit_actor(grantor),
        datetime.now(UTC),
        str(centre.id),
        [Permission.processing_extract],
    )


def _head_name(record: dict[str, Any]) -> str:
    persons = record["persons"]
    head = next((p for p in persons if str(p.get("relationship")) in ("0", "00")), persons[0])
    return str(head.get("name") or "户主")


def _fieldwork(
    engine: Engine,
    protector: Protector,
    demo: Demo,
    records: list[dict[str, Any]],
    calendar: CensusCalendar,
) -> None:
    """Register book, self-report choices, registrations and the supervisor's first decisions."""
    enumerator = demo.login(Role.enumerator)
    supervisor = demo.login(Role.supervisor)
    with transaction(engine) as session:
        enum_id = staff_queries.by_username(session, enumerator.username)
        sup_id = staff_queries.by_username(session, supervisor.username)
        assert enum_id is not None and sup_id is not None
    areas = demo.small_area_codes
    per_area = [records[i :: len(areas)] for i in range(len(areas))]
    canvass = FixedClock(CANVASS_DAY)
    registering = FixedClock(DEMO_START - timedelta(days=2))
    reviewing = FixedClock(DEMO_START - timedelta(days=1))
    submitted: list[tuple[str, int]] = []
    for code, batch in zip(areas, per_area, strict=True):
        # Every small area's register is written by an enumerator of that area.
        writer = Actor(str(enum_id.id), Role.enumerator, (code,), frozenset(), True)
        entries = [
            pre_registration.EntryIn(
                head_name=_head_name(r),
                mode="self_report" if i % 5 == 4 else "enumerator",
                expected_persons=len(r["persons"]),
            )
            for i, r in enumerate(batch)
        ]
        with transaction(engine) as session:
            made = pre_registration.add_entries(
                session, protector, writer, code, entries, clock=canvass, calendar=calendar
            )
        for i, (entry, record) in enumerate(zip(made, batch, strict=True)):
            # Half of the interview households are already registered; the rest wait.
            if entry.mode != "enumerator" or i % 2 == 1:
                continue
            candidate = dict(record, household_no=entry.household_no)
            result = validate_household(candidate)
            if not result.accepted and result.hard:
                continue
            candidate["confirmed"] = [f.target for f in result.unconfirmed]
            with transaction(engine) as session:
                out = registration.submit(
                    session,
                    protector,
                    writer,
                    entry.household_id,
                    registration.SubmissionIn(submission_uuid=uuid.uuid4(), record=candidate),
                    clock=registering,
                    calendar=calendar,
                )
            submitted.append((out.household_id, out.version))
            demo.registered.append(out.household_id)
    holder = Actor(str(enum_id.id), Role.enumerator, enumerator.areas, frozenset(), True)
    _issue_cards(engine, protector, demo, holder, calendar)
    checker = Actor(str(sup_id.id), Role.supervisor, (demo.census_area_code,), frozenset(), True)
    first_approved: list[tuple[str, int]] = []
    for n, (household_id, version) in enumerate(submitted[: max(2, len(submitted) // 3)]):
        reject = n == 0
        decision = review.DecisionIn(
            action="reject" if reject else "approve",
            version=version,
            reason_code="missing_person" if reject else None,
            comment="请核实是否漏登新生儿" if reject else None,
        )
        with transaction(engine) as session:
            review.decide(
                session,
                protector,
                checker,
                household_id,
                decision,
                clock=reviewing,
                calendar=calendar,
                level="first",
            )
        if reject:
            demo.rejected.append(household_id)
        else:
            first_approved.append((household_id, version))
    # The county office approves all but the last at the second level: those are the households
    # a processing extract takes (one stays waiting, so the county's review page has work).
    county = demo.login(Role.county_office)
    with transaction(engine) as session:
        county_row = staff_queries.by_username(session, county.username)
        assert county_row is not None
    office = Actor(str(county_row.id), Role.county_office, county.areas, frozenset(), True)
    for household_id, version in first_approved[:-1]:
        with transaction(engine) as session:
            review.decide(
                session,
                protector,
                office,
                household_id,
                review.DecisionIn(action="approve", version=version),
                clock=reviewing,
                calendar=calendar,
                level="second",
            )
        demo.approved.append(household_id)


def _issue_cards(
    engine: Engine,
    protector: Protector,
    demo: Demo,
    enumerator: Actor,
    calendar: CensusCalendar,
    per_area: int = 2,
) -> None:
    """Self-report cards for a few self-report households of the enumerator's small areas."""
    from headcount.auth.credentials import login_url
    from headcount.fieldwork import self_report

    issuing = FixedClock(DEMO_START - timedelta(days=2))
    for code in enumerator.areas:
        with transaction(engine) as session:
            page = pre_registration.list_entries(session, protector, enumerator, code, limit=200)
        chosen = [e.household_id for e in page.items if e.mode == "self_report"][:per_area]
        for household_id in chosen:
            with transaction(engine) as session:
                card = self_report.issue(
                    session,
                    enumerator,
                    household_id,
                    base_url="",
                    clock=issuing,
                    calendar=calendar,
                )
            account = card.account.replace("-", "")
            demo.households.append(
                HouseholdLogin(household_id, card.account, card.password, login_url("", account))
            )


def build(
    directory: Path,
    *,
    persons: int = 300,
    seed: int = 2020,
    province: str = "11",
    calendar: CensusCalendar | None = None,
    database_url: str | None = None,
    results: bool = False,
) -> Demo:
    """Make the demo census in ``directory`` (recreated); nothing is served here.

    With ``results`` (``headcount demo`` asks for it), a synthetic national census of
    ``RESULTS_PERSONS`` also goes through the processing chain into a published bundle, which
    the offices' results pages and the public /published page then show.
    """
    from headcount.calendar import CENSUS_2020

    cal = calendar or CENSUS_2020
    directory = directory.resolve()
    _fresh(directory)
    settings = demo_settings(directory, database_url)
    synth_dir = directory / "synth"
    generate(persons=persons, seed=seed, out=synth_dir, fmt="parquet", provinces=province)
    census_area, records = _layout(synth_dir)
    bootstrap.initialise(settings)
    # The national publication is made beside the fieldwork, in a thread of its own (mostly
    # Polars and DuckDB, which leave the interpreter to the fieldwork while they work).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-results") as background:
        made = None
        if results:
            from headcount.privacy.vault import MasterKey
            from headcount.processing.pseudonyms import ProcessingKeys

            keys = ProcessingKeys.of_wave(
                MasterKey.load(settings.key_file, mode="demo"), settings.census_wave
            )
            made = background.submit(
                national_results, directory, keys, wave=settings.census_wave, seed=seed
            )
        engine = make_engine(settings)
        try:
            protector = Protector.open(settings, engine)
            classes = loader.scan(synth_dir, "census_areas")
            assert classes is not None
            urban_rural = classes.filter(pl.col("census_area_code") == census_area).collect()
            urban_class = urban_rural["urban_rural_class"][0] if urban_rural.height else None
            small = _add_areas(engine, census_area, urban_class)
            demo = Demo(directory, settings, census_area, small)
            demo.staff = _add_staff(engine, protector, settings, census_area, small)
            _fieldwork(engine, protector, demo, records, cal)
            if results:
                from headcount.demo_checks import run_checks

                demo.verification_tasks = run_checks(demo, engine, protector)
        finally:
            engine.dispose()
        if made is not None:
            made.result()  # its failure is the build's
            demo.settings = demo_settings(directory, database_url)
    return demo


def national_results(
    directory: Path,
    keys: ProcessingKeys,
    *,
    wave: str,
    seed: int,
    persons: int = RESULTS_PERSONS,
) -> Path:
    """A synthetic national census through the whole processing chain, as docs/processing.md
    runs it: synth → de-identified extract (with the synthetic registers) → tables (national,
    province) → communiqués → publication bundle ``directory/publication/PUBLICATION_NAME``;
    returns the bundle. The quality job runs over the same extract into ``directory/quality``
    (about 3 s), so the offices' quality pages have a report to show.

    The disclosure gate's minimum-cell check is switched off for this bundle, and bundle.json
    says so (its levels are empty): a census of 100,000 synthetic persons has cells of one or two
    at every level (the oldest single years of age, deaths, foreigners), and it describes nobody.
    A real publication keeps the check (``headcount publish`` applies it at every level).
    """
    from headcount import tables
    from headcount.processing import extract
    from headcount.publish import DisclosureOptions, build_bundle
    from headcount.quality import run as quality_run
    from headcount.tables import communique

    synth_dir, extract_dir = directory / RESULTS_SYNTH, directory / RESULTS_EXTRACT
    tables_dir, communique_dir = directory / RESULTS_TABLES, directory / RESULTS_COMMUNIQUE
    generate(persons=persons, seed=seed, out=synth_dir, fmt="parquet")
    # One process: at this size, spawning workers costs more than it saves.
    extract.from_synth(synth_dir, extract_dir, keys, wave=wave, workers=1, registers=synth_dir)
    levels, formats = ["national", "province"], ["csv", "xlsx", "parquet"]
    tables.build(extract_dir, tables_dir, levels=levels, formats=formats)
    communique.build(tables_dir, communique_dir)
    publication = directory / RESULTS_PUBLICATION
    publication.mkdir()
    published = build_bundle(
        [tables_dir, communique_dir],
        publication / PUBLICATION_NAME,
        options=DisclosureOptions(levels=frozenset()),
    )
    quality_run(extract_dir, directory / RESULTS_QUALITY, memory_limit="1GB")
    return published.path


def app_for(demo: Demo, clock: Clock | None = None, *, public_url: str | None = None) -> FastAPI:
    """The real application over the demo's database (opened at start-up, as ``serve`` does);
    with ``public_url``, card links point there and only its host (and loopback) is served."""
    from headcount.web.app import create_app

    settings = demo.settings
    if public_url is not None:
        settings = Settings(**{**settings.model_dump(), "public_url": public_url})
    return create_app(settings, clock=clock or ShiftedClock(DEMO_START))
