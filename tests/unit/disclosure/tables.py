"""A hand-made township tables directory whose risky cells are worked out by hand.

``education_age_sex`` at township level (the same rows at county level, ``education_age_sex``
too, to show the full-cell rule's default level):

=========  =====  ==============  ====  ======  =====
area       age    education       male  female  total
=========  =====  ==============  ====  ======  =====
110101001  80-84  never_attended     0       4      4
110101001  80-84  primary            5       0      5
110101001  80-84  not_stated         0       0      0
110101001  85+    never_attended     3       0      3
110101001  85+    primary            0       0      0
110101001  85+    not_stated         0       6      6
110101002  80-84  (all three)        0       0      0
110101002  85+    never_attended     1       1      2
110101002  85+    primary            4       3      7
110101002  85+    not_stated         0       0      0
=========  =====  ==============  ====  ======  =====

Full cells (groups: area × age × measure): 110101001 80-84 male → primary; 80-84 female →
never_attended; 85+ male → never_attended. Not full: 85+ female (only not_stated), the totals
(two categories), 110101002 (empty at 80-84, two categories at 85+).
Minimum frequency: 110101002 85+ never_attended, male 1, female 1, total 2.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.publish.builders import TableData, write_tables

AREA = ("110101001", "110101002")
EDUCATION = ("never_attended", "primary", "not_stated")
ROWS: list[list[object]] = [
    ["110101001", "80-84", "never_attended", 0, 4, 4],
    ["110101001", "80-84", "primary", 5, 0, 5],
    ["110101001", "80-84", "not_stated", 0, 0, 0],
    ["110101001", "85+", "never_attended", 3, 0, 3],
    ["110101001", "85+", "primary", 0, 0, 0],
    ["110101001", "85+", "not_stated", 0, 6, 6],
    ["110101002", "80-84", "never_attended", 0, 0, 0],
    ["110101002", "80-84", "primary", 0, 0, 0],
    ["110101002", "80-84", "not_stated", 0, 0, 0],
    ["110101002", "85+", "never_attended", 1, 1, 2],
    ["110101002", "85+", "primary", 4, 3, 7],
    ["110101002", "85+", "not_stated", 0, 0, 0],
]
FULL = {
    ("110101001", "80-84", "primary", "male"),
    ("110101001", "80-84", "never_attended", "female"),
    ("110101001", "85+", "never_attended", "male"),
}
SMALL = {("110101002", "85+", "never_attended", m) for m in ("male", "female", "total")}
BY_SEX = [("male", "count"), ("female", "count"), ("total", "count")]


def education(level: str, rows: list[list[object]] | None = None) -> TableData:
    return TableData(
        "education_age_sex",
        level,
        ["area_code", "age_group", "education"],
        list(BY_SEX),
        [list(r) for r in (ROWS if rows is None else rows)],
    )


def households(level: str = "township") -> TableData:
    """No sensitive dimension, no count below 3: never a finding."""
    return TableData(
        "household_type",
        level,
        ["area_code", "household_type"],
        [("households", "count"), ("persons", "count")],
        [["110101001", "family", 9, 27], ["110101001", "collective", 0, 0]],
    )


def write(root: Path, tables: list[TableData] | None = None, **kwargs: object) -> Path:
    chosen = [education("township"), households()] if tables is None else tables
    return write_tables(root, chosen, **kwargs)  # type: ignore[arg-type]


def key(finding: dict[str, object]) -> tuple[str, str, str, str]:
    location = finding["location"]
    assert isinstance(location, dict)
    row = location["row"]
    return (row["area_code"], row["age_group"], row["education"], location["measure"])
