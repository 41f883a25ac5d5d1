"""docs/privacy.md documents every problem of the privacy (E14xx) and audit-core (E15xx) blocks."""

from __future__ import annotations

from pathlib import Path

from headcount import errors

DOC = Path(__file__).resolve().parents[3] / "docs" / "privacy.md"
# E1501–E1509 belong to the pure audit core; later E15xx codes to the database audit log.
MINE = [c for c in errors.CATALOGUE if c.startswith("E14") or "E1501" <= c <= "E1509"]


def test_every_problem_is_documented() -> None:
    text = DOC.read_text("utf-8")
    missing = [code for code in MINE if f"| {code} |" not in text]
    assert MINE and not missing, missing


def test_documented_messages_are_current() -> None:
    text = DOC.read_text("utf-8")
    for code in MINE:
        problem = errors.CATALOGUE[code]
        assert f"| {code} | {problem.status} | {problem.en} |" in text, code
