"""The audit core (merkle, heads, verify_core) stays pure: no database, no web framework."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

AUDIT = Path(__file__).resolve().parents[3] / "src" / "headcount" / "audit"
FORBIDDEN = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "uvicorn",
    "headcount.web",
    "headcount.store",
    "headcount.audit.log",
    "headcount.audit.verify",
)


@pytest.mark.parametrize("name", ["merkle.py", "heads.py", "verify_core.py", "__init__.py"])
def test_audit_core_imports_nothing_impure(name: str) -> None:
    tree = ast.parse((AUDIT / name).read_text("utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    bad = sorted(
        m
        for m in imported
        if m == "headcount.audit.verify"
        or (m.startswith(FORBIDDEN) and m != "headcount.audit.verify_core")
    )
    assert not bad, f"{name} imports {bad}"
