"""The offices' results pages and the public publication, on both databases.

A hand-made tables directory (tables.json and Parquet files, docs/processing.md "The tables
directory") with two provinces: Beijing (11) rows carry small numbers, Tianjin (12) rows carry
numbers from 70,000 up, so a Tianjin number in anything Beijing's office sees is a leak. A
hand-made bundle stands for what ``headcount publish`` writes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from headcount.audit.log import flush
from headcount.auth.roles import Role
from headcount.calendar import FixedClock
from headcount.config import Settings
from headcount.store.models import AuditEntry
from headcount.store.session import read_transaction
from headcount.web.app import create_app
from tests.integration.conftest import Census
from tests.integration.web.test_auth_support import (
    HOME_CA,
    HOME_SA,
    Seeded,
    add_areas,
    add_staff,
    client_for,
    error_code,
    new_clock,
    sign_in,
)

TIANJIN = 70_000  # every Tianjin (12) count is at least this; no Beijing number comes close
PAGE_LIMIT = 60_000
BUNDLE = "2020-test"


def _age_rows(area: str, base: int) -> list[dict[str, object]]:
    return [
        {"area_code": area, "age": a, "male": base + a, "female": base + a + 1, "total": 0}
        for a in range(101)
    ]


def _write_table(root: Path, level: str, table_id: str, frame: pl.DataFrame) -> dict[str, object]:
    (root / level).mkdir(parents=True, exist_ok=True)
    path = root / level / f"{table_id}.parquet"
    frame.write_parquet(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    measures = [c for c in frame.columns if c not in ("area_code", "age", "category")]
    return {
        "id": table_id,
        "level": level,
        "title_zh": f"测试表 {table_id}",
        "title_en": f"Test table {table_id}",
        "universe_zh": "常住人口",
        "universe_en": "usual residents",
        "dimensions": [c for c in frame.columns if c in ("area_code", "age", "category")],
        "measures": [
            {"name": m, "kind": "percent" if m.endswith("pct") else "count"} for m in measures
        ],
        "rows": frame.height,
        "files": {"parquet": f"{level}/{table_id}.parquet"},
        "sha256": {"parquet": digest},
    }


def make_tables(root: Path) -> Path:
    root.mkdir(parents=True)
    ages_cn = pl.DataFrame(_age_rows("CN", 200))
    ages_prov = pl.DataFrame(_age_rows("11", 100) + _age_rows("12", TIANJIN))
    mobility = pl.DataFrame(
        {
            "area_code": ["11", "11", "12", "12"],
            "category": ["floating", "within_city", "floating", "within_city"],
            "total": [529, 172, TIANJIN + 987, TIANJIN + 654],
            "pct_of_population": [34.06, 11.08, 71.5, 70.25],
        }
    )
    by_province = pl.DataFrame(
        {
            "area_code": ["CN", "CN"],
            "province_code": ["11", "12"],
            "population": [1553, TIANJIN + 1],
            "share_pct": [1.55, 98.45],
        }
    )
    tables = [
        _write_table(root, "national", "age_sex_single_year", ages_cn),
        _write_table(root, "province", "age_sex_single_year", ages_prov),
        _write_table(root, "province", "mobility", mobility),
        _write_table(root, "national", "population_by_province", by_province),
    ]
    index = {
        "format": "headcount-tables",
        "version": 1,
        "created_at": "2020-12-01T08:00:00Z",
        "engine": "duckdb",
        "source": {"path": "-", "kind": "synth", "digest": "0" * 64, "key_id": "k"},
        "counting_rule_version": "2020.1",
        "levels": ["national", "province"],
        "figures": {"population_total": 99980, "sex_ratio": 105.03, "urban_pct": 63.9},
        "figures_by_province": {
            "11": {"population": 1553, "sex_ratio": 104.61, "region": "east"},
            "12": {"population": TIANJIN + 1, "sex_ratio": 177.77, "region": "east"},
        },
        "tables": tables,
    }
    (root / "tables.json").write_text(json.dumps(index, ensure_ascii=False), "utf-8")
    return root


def make_bundle(
    publication: Path,
    name: str = BUNDLE,
    min_cell_levels: tuple[str, ...] = ("national", "province"),
) -> Path:
    """A bundle as ``headcount publish`` lays it out: files, bundle.json, SHA256SUMS."""
    root = publication / name
    files = {
        "communique/no1.zh.html": "<!DOCTYPE html><html lang='zh-CN'><head><style>p{color:#333}"
        "</style><title>公报</title></head><body><h1>第七次全国人口普查公报（第一号）</h1>"
        "<p>全国人口为10.00万人。</p><img src='charts/pyramid.svg' alt='人口金字塔'></body></html>",
        "communique/no1.en.html": "<!DOCTYPE html><html lang='en'><body><h1>Communiqué No. 1</h1>"
        "</body></html>",
        "communique/charts/pyramid.svg": "<svg xmlns='http://www.w3.org/2000/svg'></svg>",
        "communique/communique.json": json.dumps(
            {
                "format": "headcount-communique",
                "communiques": [
                    {"no": 1, "title_zh": "人口普查工作基本情况", "title_en": "The census"}
                ],
            },
            ensure_ascii=False,
        ),
        "tables/national/population.csv": "area_code,population\nCN,99980\n",
    }
    listed = []
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
        data = target.read_bytes()
        listed.append(
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        )
    (root / "communique" / "extra.html").write_text("<p>not listed</p>", "utf-8")
    (publication / "secret.txt").write_text("outside every bundle", "utf-8")
    manifest = {
        "format": "headcount-publication",
        "version": 1,
        "created_at": "2021-05-11T02:00:00Z",
        "source": {
            "tables": {"source": {"kind": "synth"}, "counting_rule_version": "2020.1"},
            "folders": ["tables", "communique"],
        },
        "files": listed,
        "gates": {
            "scan": {"verdict": "pass", "files_scanned": len(listed)},
            "disclosure": {
                "verdict": "pass",
                "checks": [{"name": "min_cell", "threshold": 3, "levels": list(min_cell_levels)}],
            },
        },
    }
    data = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode()
    (root / "bundle.json").write_bytes(data)
    sums = [("bundle.json", hashlib.sha256(data).hexdigest())]
    sums += [(str(f["path"]), str(f["sha256"])) for f in listed]
    (root / "SHA256SUMS").write_text("".join(f"{d}  {p}\n" for p, d in sums), "utf-8")
    return root


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    publication = tmp_path / "publication"
    publication.mkdir()
    make_bundle(publication)
    return make_tables(tmp_path / "tables"), publication


def _client(
    census: Census,
    tables: Path | None,
    publication: Path | None,
    clock: FixedClock | None = None,
) -> TestClient:
    values = census.settings.model_dump()
    settings = Settings(**{**values, "tables_dir": tables, "publication_dir": publication})
    app = create_app(
        settings, clock=clock or new_clock(), engine=census.engine, protector=census.protector
    )
    return client_for(app)


@pytest.fixture
def staff(census: Census) -> dict[str, Seeded]:
    add_areas(census)
    return {
        "national": add_staff(census, "res.national", Role.national_office),
        "province": add_staff(census, "res.beijing", Role.provincial_office, ("11",)),
        "county": add_staff(census, "res.county", Role.county_office, ("110101",)),
        "enumerator": add_staff(census, "res.enum", Role.enumerator, (HOME_SA,), totp=False),
        "supervisor": add_staff(census, "res.super", Role.supervisor, (HOME_CA,)),
        "auditor": add_staff(census, "res.audit", Role.auditor),
        "admin": add_staff(census, "res.admin", Role.system_admin),
    }


def _small(response: object) -> None:
    size = len(response.content)  # type: ignore[attr-defined]
    assert size < PAGE_LIMIT, f"{size} bytes"


def _tianjin_numbers(text: str) -> list[str]:
    """Numbers of the Tianjin rows (70,000 and up) that appear in ``text`` (a page's <main>
    only: its CSRF token and request id are random hex, digits and all)."""
    if "<main" in text:
        text = text[text.index("<main") : text.index("</main>")]
    return sorted(
        {str(n) for n in range(TIANJIN, TIANJIN + 1_000) if str(n) in text}
        | {f"{n:,}" for n in range(TIANJIN, TIANJIN + 1_000) if f"{n:,}" in text}
        | ({"177.77"} if "177.77" in text else set())
    )


def test_the_national_office_sees_every_level_and_every_row(
    census: Census, staff: dict[str, Seeded], dirs: tuple[Path, Path]
) -> None:
    clock = new_clock()
    with _client(census, *dirs) as client:
        sign_in(client, staff["national"], clock)
        index = client.get("/office/results")
        assert index.status_code == 200 and "105.03" in index.text  # the national figures
        assert "/office/results/population_by_province" in index.text
        assert 'src="/office/results/pyramid.svg?area=CN"' in index.text
        _small(index)
        overview = client.get("/api/results").json()
        assert [a["area_code"] for a in overview["areas"]] == ["CN"]
        levels = {t["id"]: t["levels"] for t in overview["tables"]}
        assert levels["age_sex_single_year"] == ["national", "province"]
        both = client.get("/api/results/age_sex_single_year?level=province&limit=1000").json()
        assert both["total"] == 202 and {r[0] for r in both["rows"]} == {"11", "12"}
        page = client.get("/office/results/mobility?level=province")
        assert str(TIANJIN + 987) in page.text and "<caption" in page.text
        assert '<th scope="col"' in page.text and '<th scope="row"' in page.text
        national = client.get("/office/results/age_sex_single_year")  # own level by default
        assert "全国" in national.text or "CN" in national.text
        _small(national)
        svg = client.get("/office/results/pyramid.svg")
        assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
        assert b"<svg" in svg.content[:2000] and "script-src" not in svg.headers.get(
            "content-security-policy", "script-src"
        )


def test_a_provincial_office_sees_only_its_own_province(
    census: Census, staff: dict[str, Seeded], dirs: tuple[Path, Path]
) -> None:
    clock = new_clock()
    with _client(census, *dirs) as client:
        sign_in(client, staff["province"], clock)
        index = client.get("/office/results")
        assert index.status_code == 200
        assert "1553" in index.text and "104.61" in index.text  # figures_by_province["11"]
        assert "105.03" not in index.text  # not the national figures
        assert "population_by_province" not in index.text  # no national-level table
        assert not _tianjin_numbers(index.text)
        first = client.get("/office/results/age_sex_single_year")  # province level, page 1
        second = client.get("/office/results/age_sex_single_year?level=province&offset=100")
        for page in (first, second):
            assert page.status_code == 200
            assert not _tianjin_numbers(page.text)
            _small(page)
        assert 'rel="next"' in first.text and 'rel="prev"' in second.text
        table = client.get("/office/results/mobility")
        assert "529" in table.text and not _tianjin_numbers(table.text)
        csv = client.get("/office/results/mobility.csv?level=province")
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert csv.content.startswith(b"\xef\xbb\xbfarea_code,category,total,pct_of_population")
        assert "attachment" in csv.headers["content-disposition"]
        body = csv.content.decode("utf-8-sig")
        assert body.splitlines()[1:] == ["11,floating,529,34.06", "11,within_city,172,11.08"]
        api = client.get("/api/results/age_sex_single_year?limit=1000").json()
        assert api["level"] == "province" and api["total"] == 101
        assert all(row[0] == "11" for row in api["rows"])
        assert not _tianjin_numbers(json.dumps(api))
        assert not _tianjin_numbers(json.dumps(client.get("/api/results").json()))
        # National tables and other provinces do not exist for this office.
        hidden = client.get("/api/results/population_by_province")
        assert hidden.status_code == 404 and error_code(hidden) == "E2141"
        national = client.get("/api/results/age_sex_single_year?level=national")
        assert national.status_code == 404 and error_code(national) == "E2142"
        assert client.get("/office/results/population_by_province.csv").status_code == 404
        assert client.get("/office/results/pyramid.svg?area=12").status_code == 404
        assert client.get("/office/results/pyramid.svg?area=CN").status_code == 404
        own = client.get("/office/results/pyramid.svg")
        assert own.status_code == 200 and own.content.lstrip().startswith((b"<?xml", b"<svg"))


def test_a_county_office_sees_no_province_tables(
    census: Census, staff: dict[str, Seeded], dirs: tuple[Path, Path]
) -> None:
    with _client(census, *dirs) as client:
        sign_in(client, staff["county"], new_clock())
        overview = client.get("/api/results").json()
        assert overview["tables"] == [] and overview["areas"][0]["figures"] == {}
        assert client.get("/office/results").status_code == 200
        assert client.get("/api/results/mobility").status_code == 404


@pytest.mark.parametrize("who", ["enumerator", "supervisor", "auditor", "admin"])
def test_roles_without_tables_view_are_refused(
    census: Census, staff: dict[str, Seeded], dirs: tuple[Path, Path], who: str
) -> None:
    with _client(census, *dirs) as client:
        sign_in(client, staff[who], new_clock())
        for path in (
            "/office/results",
            "/office/results/mobility",
            "/office/results/mobility.csv",
            "/office/results/pyramid.svg",
            "/api/results",
            "/api/results/mobility",
        ):
            assert client.get(path).status_code == 403, path
        assert "/office/results" not in client.get("/staff").text


def test_a_csv_download_is_audited(
    census: Census, staff: dict[str, Seeded], dirs: tuple[Path, Path]
) -> None:
    with _client(census, *dirs) as client:
        sign_in(client, staff["province"], new_clock())
        assert client.get("/office/results/mobility.csv").status_code == 200
        assert client.get("/office/results/mobility").status_code == 200  # views: not audited
    flush(census.engine)
    with read_transaction(census.engine) as session:
        found = [
            e
            for e in session.execute(select(AuditEntry)).scalars()
            if e.action.startswith("results.")
        ]
    assert [(e.action, e.object, e.actor) for e in found] == [
        ("results.download", "table:mobility/province", staff["province"].staff_id)
    ]
    assert json.loads(found[0].detail) == {"format": "csv", "rows": 2}


def test_results_not_configured_or_damaged_are_plain_problems(
    census: Census, staff: dict[str, Seeded], dirs: tuple[Path, Path]
) -> None:
    tables, _publication = dirs
    with _client(census, None, None) as client:
        sign_in(client, staff["national"], new_clock())
        page = client.get("/office/results")
        assert page.status_code == 503 and "E2140" in page.text
        assert "HEADCOUNT_TABLES_DIR" in page.text and "Traceback" not in page.text
        api = client.get("/api/results")
        assert api.status_code == 503 and error_code(api) == "E2140"
        client.cookies.clear()
        assert 'href="/published"' not in client.get("/").text
        assert client.get("/published").status_code == 200
    (tables / "province" / "mobility.parquet").write_bytes(b"changed after tabulation")
    later = new_clock()
    later.advance(timedelta(minutes=1))  # a one-time code is accepted once
    with _client(census, tables, None, later) as client:
        sign_in(client, staff["national"], later)
        damaged = client.get("/api/results/mobility?level=province")
        assert damaged.status_code == 503 and error_code(damaged) == "E2143"
        assert "SHA-256" in damaged.json()["error"]["message"]["en"]
        unknown = client.get("/api/results/mobility?level=galaxy")
        assert unknown.status_code == 404 and error_code(unknown) == "E2142"


def test_the_published_bundle_is_listed_and_served_read_only(
    census: Census, dirs: tuple[Path, Path]
) -> None:
    _tables, publication = dirs
    with _client(census, None, publication) as client:
        start = client.get("/")
        assert 'href="/published"' in start.text
        listing = client.get("/published")
        assert listing.status_code == 200 and "人口普查工作基本情况" in listing.text
        assert f"/published/{BUNDLE}/communique/no1.zh.html" in listing.text
        assert "headcount publish --verify" in listing.text
        _small(listing)
        detail = client.get(f"/published/{BUNDLE}")
        manifest = json.loads((publication / BUNDLE / "bundle.json").read_text("utf-8"))
        for entry in manifest["files"]:
            assert entry["path"] in detail.text and entry["sha256"] in detail.text
        assert "SHA256SUMS" in detail.text
        assert "最小单元格 3" in detail.text and "national, province" in detail.text
        _small(detail)
        html = client.get(f"/published/{BUNDLE}/communique/no1.zh.html")
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
        csp = html.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script" not in csp.replace("default-src", "")
        assert html.headers["x-content-type-options"] == "nosniff"
        assert "第七次全国人口普查公报" in html.text
        svg = client.get(f"/published/{BUNDLE}/communique/charts/pyramid.svg")
        assert svg.headers["content-type"] == "image/svg+xml"
        table = client.get(f"/published/{BUNDLE}/tables/national/population.csv")
        assert table.headers["content-type"].startswith("text/csv")
        assert "attachment" in table.headers["content-disposition"]
        sums = client.get(f"/published/{BUNDLE}/SHA256SUMS")
        assert sums.status_code == 200 and "bundle.json" in sums.text
        assert client.get(f"/published/{BUNDLE}/bundle.json").json()["files"]
        for refused in (
            f"/published/{BUNDLE}/communique/extra.html",  # on disk, not in bundle.json
            f"/published/{BUNDLE}/../secret.txt",
            f"/published/{BUNDLE}/%2e%2e/secret.txt",
            f"/published/{BUNDLE}/communique/..%2f..%2fsecret.txt",
            f"/published/{BUNDLE}/%2Fetc%2Fpasswd",
            "/published/..%2fsecret.txt",
            "/published/no-such-bundle",
            "/published/no-such-bundle/SHA256SUMS",
        ):
            answer = client.get(refused)
            assert answer.status_code == 404, refused
            assert "outside every bundle" not in answer.text
    # A file changed after publication is withheld rather than served under the wrong digest.
    changed = publication / BUNDLE / "tables" / "national" / "population.csv"
    changed.write_text("area_code,population\nCN,1\n", "utf-8")
    with _client(census, None, publication) as client:
        altered = client.get(f"/published/{BUNDLE}/tables/national/population.csv")
        assert altered.status_code == 500 and "E2145" in altered.text


def test_no_bundle_yet_says_so(census: Census, tmp_path: Path) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    (empty / ".2020.staging.tmp").mkdir()  # publish's staging directories are not bundles
    with _client(census, None, empty) as client:
        assert 'href="/published"' not in client.get("/").text
        page = client.get("/published?lang=en")
        assert page.status_code == 200 and "Nothing has been published yet" in page.text


def test_a_bundle_published_without_the_minimum_cell_check_says_so(
    census: Census, tmp_path: Path
) -> None:
    publication = tmp_path / "publication"
    publication.mkdir()
    make_bundle(publication, "demo-bundle", min_cell_levels=())
    with _client(census, None, publication) as client:
        detail = client.get("/published/demo-bundle")
    assert detail.status_code == 200
    assert "未执行最小单元格检查" in detail.text and "最小单元格 3" not in detail.text
