"""The publish gate: fail closed, JSON and SARIF 2.1.0 verdicts without values in clear."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from headcount.errors import HeadcountError
from headcount.scan import gate
from tests.unit.scan.conftest import CLEAR_VALUES, ID


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    clean = tmp_path / "table.csv"
    clean.write_text("地区,人口（万人）\n北京市,2189.31\n天津市,1386.60\n", encoding="utf-8")
    leaky = tmp_path / "list.txt"
    leaky.write_text(f"公示名单\n户主：王秀英，身份证号{ID}\n", encoding="utf-8")
    masked = tmp_path / "masked.txt"
    masked.write_text(f"户主：王*，身份证号{ID[0]}{'*' * 16}{ID[-1]}\n", encoding="utf-8")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 truncated")
    return {"clean": clean, "leaky": leaky, "masked": masked, "broken": broken}


def test_clean_and_masked_files_pass(files: dict[str, Path]) -> None:
    verdict = gate.check([files["clean"], files["masked"]])
    assert verdict.passed
    data = verdict.to_json()
    assert data["verdict"] == "pass" and data["blocking_findings"] == 0
    notes = data["files"][1]["findings"]
    assert [(n["type"], n["masked"], n["blocking"]) for n in notes] == [("citizen_id", True, False)]


def test_findings_block(files: dict[str, Path]) -> None:
    verdict = gate.check([files["clean"], files["leaky"]])
    assert not verdict.passed
    data = verdict.to_json()
    assert data["by_type"] == {"citizen_id": 1, "name": 1}
    assert [f["status"] for f in data["files"]] == ["clean", "blocked"]
    assert not any(v in json.dumps(data, ensure_ascii=False) for v in CLEAR_VALUES)


def test_unreadable_files_fail_closed(files: dict[str, Path]) -> None:
    verdict = gate.check([files["clean"], files["broken"]])
    assert not verdict.passed
    assert verdict.to_json()["files"][1]["error"]["code"] == "E1703"
    assert not gate.check([]).passed  # nothing checked is not a pass


def test_require_clean(files: dict[str, Path]) -> None:
    assert gate.require_clean([files["clean"]]).passed
    with pytest.raises(HeadcountError) as caught:
        gate.require_clean([files["clean"], files["leaky"]])
    assert caught.value.code == "E1710"
    assert caught.value.details["count"] == 2


def test_sarif(files: dict[str, Path]) -> None:
    sarif = gate.check([files["leaky"], files["masked"], files["broken"]]).to_sarif()
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {"citizen_id", "name", "unscannable"}
    results = run["results"]
    by_rule = {(r["ruleId"], r["level"]) for r in results}
    assert by_rule == {
        ("name", "error"),
        ("citizen_id", "error"),
        ("citizen_id", "note"),
        ("unscannable", "error"),
    }
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert run["artifacts"][artifact["index"]]["location"]["uri"] == artifact["uri"]
    leaky = next(r for r in results if r["ruleId"] == "citizen_id" and r["level"] == "error")
    assert leaky["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 2,
        "startColumn": 12,
    }
    assert run["invocations"][0]["executionSuccessful"] is False
    assert run["invocations"][0]["toolExecutionNotifications"][0]["descriptor"]["id"] == "E1703"
    assert not any(v in json.dumps(sarif, ensure_ascii=False) for v in CLEAR_VALUES)


def test_publish_copies_only_clean_files(files: dict[str, Path], tmp_path: Path) -> None:
    public = tmp_path / "public"
    public.mkdir()
    assert gate.publish(files["clean"], public / "table.csv").passed
    assert (public / "table.csv").read_bytes() == files["clean"].read_bytes()
    with pytest.raises(HeadcountError) as caught:
        gate.publish(files["leaky"], public / "list.txt")
    assert caught.value.code == "E1710"
    assert sorted(p.name for p in public.iterdir()) == ["table.csv"]
