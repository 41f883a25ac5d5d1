"""Chinese surnames (《百家姓》 and common modern ones): one list for the scanner, the display masks
and the synthetic population, so that "the surname" means the same thing everywhere."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def surnames() -> tuple[frozenset[str], frozenset[str]]:
    """(single-character surnames, compound surnames)."""
    text = resources.files("headcount.identity").joinpath("data", "surnames.txt").read_text("utf-8")
    entries = [s for s in (line.strip() for line in text.splitlines()) if s and s[0] != "#"]
    return frozenset(e for e in entries if len(e) == 1), frozenset(e for e in entries if len(e) > 1)


def surname_of(name: str) -> str:
    """The surname of a (presumed) name: compound when the first two characters form one and
    something follows them."""
    _, compound = surnames()
    return name[:2] if name[:2] in compound and len(name) > 2 else name[:1]
