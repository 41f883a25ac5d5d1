"""The zero/full-cell rule for attribute disclosure: a group whose members all share one value.

Take a count table with a sensitive dimension (``sensitive``) and a count measure. A *group* is
one value of every other dimension (area code included), and the measure itself (``male`` counts
only men): for example the men aged 85+ of township 110101001. The group is at risk when all of
its members fall in one category of the sensitive dimension — that cell is *full* (it holds the
group's total) and every other category is zero — because anyone who knows a person is in the
group then knows his value. A full cell of a non-disclosing value (``not_stated``) and an empty
group are not findings; a group of one or two members is a finding here as well as a
minimum-frequency finding (each rule says what it sees).

``full_cells`` takes (group, category, count) triples in any order and yields the full cells; it
needs every category of a group (tables are full grids, zeros included).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from decimal import Decimal
from typing import TypeVar

from headcount.disclosure.sensitive import NOT_DISCLOSING

__all__ = ["full_cells", "rule_text"]

Group = TypeVar("Group", bound=Hashable)


def rule_text(dimension: str) -> str:
    return f"full cell: the only non-zero {dimension} of its group"


def full_cells(
    cells: Iterable[tuple[Group, str, Decimal | int | None]],
    *,
    not_disclosing: frozenset[str] = NOT_DISCLOSING,
) -> Iterator[tuple[Group, str]]:
    """(group, category) of every full cell, groups in order of first appearance.

    An empty count (None: not available) leaves the group unknown, so it is never full.
    """
    seen: dict[Group, dict[str, Decimal | int]] = {}
    unknown: set[Group] = set()
    for group, category, count in cells:
        by_category = seen.setdefault(group, {})
        if count is None:
            unknown.add(group)
        else:
            by_category[category] = by_category.get(category, 0) + count
    for group, by_category in seen.items():
        nonzero = [c for c, v in by_category.items() if v]
        if group not in unknown and len(nonzero) == 1 and nonzero[0] not in not_disclosing:
            yield group, nonzero[0]
