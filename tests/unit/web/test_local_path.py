"""``next=`` targets: only a path on this site is followed (no open redirect)."""

from __future__ import annotations

import pytest

from headcount.web.security import MAX_NEXT, local_path


@pytest.mark.parametrize(
    "value",
    [
        "/staff",
        "/staff/tasks",
        "/staff/progress?area=110101&lang=en",
        "/enumerator/households/110101001001001-001/form",
    ],
)
def test_a_local_path_is_kept(value: str) -> None:
    assert local_path(value) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "staff",
        "//evil.example",
        "//evil.example/staff",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "/\\evil.example",
        "\\\\evil.example",
        "/staff\\..\\..",
        "/ /evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/staff\x00",
        "/" + "a" * MAX_NEXT,
    ],
)
def test_anything_else_is_ignored(value: str | None) -> None:
    assert local_path(value) is None


def test_a_household_target_stays_below_its_pages() -> None:
    assert local_path("/self-report/persons/2", under="/self-report/") == "/self-report/persons/2"
    assert local_path("/staff", under="/self-report/") is None
    assert local_path("//self-report/", under="/self-report/") is None
