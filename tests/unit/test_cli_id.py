from __future__ import annotations

import json

from typer.testing import CliRunner

from headcount.cli import app
from headcount.identity.citizen_id import check_char

runner = CliRunner()


def test_id_check_json_one_object_per_input_in_order() -> None:
    inputs = ["360426199101010071", "12345", "230307196304054513", "11010519491231002x"]
    result = runner.invoke(app, ["id", "check", *inputs, "--json"])
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["valid"] for r in rows] == [True, False, False, True]
    assert [r["code"] for r in rows] == [None, "E1102", "E1104", None]
    for row in rows:
        assert set(row) >= {
            "input",
            "valid",
            "code",
            "message",
            "normalized",
            "sex",
            "birth_date",
            "region",
        }
    assert rows[0]["sex"] == "male" and rows[0]["birth_date"] == "1991-01-01"
    assert "360426199101010071" not in result.stdout  # masked even here


def test_id_check_all_valid_exits_zero() -> None:
    result = runner.invoke(app, ["id", "check", "360426199101010071"])
    assert result.exit_code == 0


def _synthetic(first17: str) -> str:
    return first17 + check_char(first17)


def test_id_check_refuses_impossible_provinces_and_flags_unknown_counties() -> None:
    impossible = [_synthetic("00000019800101001"), _synthetic("99010119900307123")]
    unknown_county = _synthetic("11999919800101001")  # Beijing exists, 119999 does not
    result = runner.invoke(app, ["id", "check", *impossible, unknown_county, "--json"])
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["valid"], r["code"]) for r in rows] == [
        (False, "E1113"),
        (False, "E1113"),
        (True, "E1107"),
    ]
    assert rows[2]["flags"] == ["E1107"]
    assert all(number not in result.stdout for number in [*impossible, unknown_county])
    alone = runner.invoke(app, ["id", "check", unknown_county])
    assert alone.exit_code == 0  # a soft flag never fails the check


def test_id_check_legacy_keeps_historical_codes_and_refuses_impossible_provinces() -> None:
    # 110103 崇文区 (abolished 2010) and 510221 长寿县 (Sichuan, moved to Chongqing in 1997).
    ok = runner.invoke(app, ["id", "check", "110103650101001", "510221600101002", "--legacy"])
    assert ok.exit_code == 0
    bad = runner.invoke(app, ["id", "check", "990101800101001", "--legacy", "--json"])
    assert bad.exit_code == 1
    assert json.loads(bad.stdout)["code"] == "E1113"
