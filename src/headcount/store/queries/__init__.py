"""All SQL of the store, one module per entity; services call these functions, never SQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
CHUNK = 900  # values per IN list: below SQLite's default bound-parameter limit


def chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``values`` without repeats, sorted, in lists of at most ``size`` (one IN list each)."""
    wanted = sorted(set(values))  # type: ignore[type-var]
    for start in range(0, len(wanted), size):
        yield wanted[start : start + size]
