from __future__ import annotations

import json

from typer.testing import CliRunner

from headcount.cli import app

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
