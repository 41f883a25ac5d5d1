"""Domain packages import neither the web framework nor the database (DESIGN.md, layers)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "headcount"
DOMAIN = [
    "identity",
    "questionnaire",
    "privacy",
    "synth",
    "scan",
    "auth",
    "fieldwork/sampling.py",
    "audit/merkle.py",
    "processing",
    "tables",
    "publish",
    "quality",
    "pes",
    "disclosure",
    "retention/schedule.py",
    "retention/plan.py",
    "retention/certificate.py",
    "retention/extracts.py",
]
# The one module after collection that reads the store (DESIGN.md: "except the store-reading part
# of extract").
STORE_READERS = {"processing/extract_store.py", "processing/extract_store_pes.py"}
FORBIDDEN = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "uvicorn",
    "headcount.web",
    "headcount.store",
)


def _domain_files() -> list[Path]:
    files: list[Path] = []
    for name in DOMAIN:
        path = SRC / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(sorted(path.rglob("*.py")))
    return [f for f in files if str(f.relative_to(SRC)) not in STORE_READERS]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_domain_packages_exist() -> None:
    assert all((SRC / name).exists() for name in DOMAIN)
    assert all((SRC / name).is_file() for name in STORE_READERS)


@pytest.mark.parametrize("path", _domain_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_domain_module_imports_no_web_or_database(path: Path) -> None:
    bad = sorted(
        m for m in _imports(path) if m.split(".")[0] in FORBIDDEN or m.startswith(FORBIDDEN)
    )
    assert not bad, f"{path.relative_to(SRC)} imports {bad}"


ROUTES = SRC / "web" / "routes"


def _route_modules() -> list[Path]:
    """The modules of web/routes that declare routes (limits and paging are helpers)."""
    return sorted(p for p in ROUTES.glob("*.py") if "router = " in p.read_text("utf-8"))


def _imported_modules(path: Path) -> set[str]:
    """Modules ``path`` imports, ``from package import module`` resolved to the module."""
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", _route_modules(), ids=lambda p: p.name)
def test_a_route_module_imports_no_sibling_route_module(path: Path) -> None:
    """Shared page plumbing lives in web/ (pagekit, interview, household_session, results), so a
    route module never reaches into another one (issue 18)."""
    siblings = {f"headcount.web.routes.{p.stem}" for p in _route_modules() if p != path}
    assert not _imported_modules(path) & siblings, f"{path.name} imports a sibling route module"


def test_the_route_rule_sees_route_modules() -> None:
    names = {p.stem for p in _route_modules()}
    assert {"pages", "interview_pages", "staff_pages", "pes_pages"} <= names
    assert "limits" not in names and "paging" not in names
