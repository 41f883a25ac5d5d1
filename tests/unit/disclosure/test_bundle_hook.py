"""The publication bundle's disclosure hook runs the new rules, records them, and refuses."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from headcount.disclosure import DominanceRule, PPercentRule, Sensitive
from headcount.errors import HeadcountError
from headcount.publish import DisclosureOptions, PublicationRefused, build_bundle, verify_bundle
from headcount.publish.disclosure import registered
from headcount.publish.verify import _options
from tests.unit.disclosure.tables import FULL, ROWS, education, households, key, write

# The hand-made rows without their small cells: only full cells remain at risk.
NO_SMALL_CELLS = [r for r in ROWS if r[0] != "110101002"]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    (tmp_path / "public").mkdir()
    return tmp_path / "public" / "bundle"


def _checks(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in manifest["gates"]["disclosure"]["checks"]}


def test_the_rules_are_registered_in_order() -> None:
    assert registered()[:4] == ("min_cell", "full_cell", "dominance", "p_percent")


def test_a_full_cell_at_township_refuses_the_bundle(tmp_path: Path, out: Path) -> None:
    root = write(tmp_path / "T", [education("township", NO_SMALL_CELLS), households()])
    with pytest.raises(PublicationRefused) as caught:
        build_bundle([root], out)
    assert caught.value.code == "E1871" and caught.value.details["check"] == "full_cell"
    blocking = caught.value.report["blocking"]
    assert {key(b) for b in blocking} == FULL
    assert {b["file"] for b in blocking} == {
        f"tables/township/education_age_sex.{fmt}" for fmt in ("csv", "xlsx", "parquet")
    }
    assert not out.exists() and os.listdir(out.parent) == []


def test_a_small_cell_is_still_refused_by_min_cell(tmp_path: Path, out: Path) -> None:
    root = write(tmp_path / "T", [education("county"), households("county")])
    with pytest.raises(PublicationRefused) as caught:
        build_bundle([root], out)
    assert {b["check"] for b in caught.value.report["blocking"]} == {"min_cell"}


def test_parameters_are_recorded_and_verify_reapplies_them(tmp_path: Path, out: Path) -> None:
    root = write(tmp_path / "T", [education("township", NO_SMALL_CELLS), households()])
    options = DisclosureOptions(
        dominance=DominanceRule(1, 75),
        p_percent=PPercentRule(15),
        sensitive=(Sensitive("ethnicity_sex", "ethnicity"),),  # education not sensitive here
    )
    published = build_bundle([root], out, options=options)
    checks = _checks(published.manifest)
    assert checks["full_cell"]["levels"] == ["township"]
    assert checks["full_cell"]["sensitive"] == ["ethnicity_sex=ethnicity"]
    assert (checks["dominance"]["n"], checks["dominance"]["k"]) == (1, 75)
    assert checks["p_percent"]["p"] == 15
    assert checks["min_cell"]["threshold"] == 3
    assert verify_bundle(out).ok
    recorded = _options(json.loads((out / "bundle.json").read_text("utf-8")))
    assert recorded.dominance == DominanceRule(1, 75) and recorded.p_percent == PPercentRule(15)
    assert recorded.sensitive == options.sensitive
    assert recorded.attribute_levels == frozenset({"township"})


def test_full_cell_levels_can_be_turned_off(tmp_path: Path, out: Path) -> None:
    root = write(tmp_path / "T", [education("township", NO_SMALL_CELLS)])
    published = build_bundle([root], out, options=DisclosureOptions(attribute_levels=frozenset()))
    assert _checks(published.manifest)["full_cell"]["levels"] == []
    assert verify_bundle(out).ok


def test_a_bundle_made_before_the_new_rules_is_verified_as_made() -> None:
    doc = {"gates": {"disclosure": {"checks": [{"name": "min_cell", "threshold": 5}]}}}
    options = _options(doc)
    assert options.min_cell == 5 and options.attribute_levels == frozenset()
    bad = {"gates": {"disclosure": {"checks": [{"name": "dominance", "n": "x", "k": 85}]}}}
    with pytest.raises(HeadcountError) as caught:
        _options(bad)
    assert caught.value.code == "E2155"


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"min_cell": 0}, "E2152"),
        ({"dominance": (3, 2)}, "E2153"),
        ({"p_percent": 0}, "E2154"),
    ],
)
def test_bad_parameters_fail_before_anything_is_read(options: dict[str, Any], code: str) -> None:
    with pytest.raises(HeadcountError) as caught:
        if "dominance" in options:
            DominanceRule(*options["dominance"])
        elif "p_percent" in options:
            PPercentRule(options["p_percent"])
        else:
            DisclosureOptions(**options)
    assert caught.value.code == code


def test_headcount_publish_takes_the_rules_options(tmp_path: Path, out: Path) -> None:
    from typer.testing import CliRunner

    from headcount.cli import app

    root = write(tmp_path / "T", [education("township", NO_SMALL_CELLS)], formats=("csv",))
    runner = CliRunner()

    def publish(*args: str) -> tuple[int, dict[str, Any]]:
        result = runner.invoke(app, ["publish", str(root), "--out", str(out), *args, "--json"])
        return result.exit_code, json.loads(result.stdout)

    code, body = publish()
    assert code == 1 and body["error"]["code"] == "E1871"
    assert {b["check"] for b in body["report"]["blocking"]} == {"full_cell"}
    code, body = publish("--dominance", "3,2")
    assert code == 2 and body["error"]["code"] == "E2153"
    code, body = publish("--attribute-levels", "nowhere")
    assert code == 2 and body["error"]["code"] == "E2155"
    code, body = publish("--sensitive", "ethnicity_sex=ethnicity", "--p-percent", "20")
    assert code == 0, body
    checks = {c["name"]: c for c in body["gates"]["disclosure"]["checks"]}
    assert checks["full_cell"]["sensitive"] == ["ethnicity_sex=ethnicity"]
    assert checks["p_percent"]["p"] == 20
