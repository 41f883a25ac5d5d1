"""The tables directory as publication reads it: ``tables.index`` with the bundle's own problems.

A directory without ``tables.json``, or with one that does not follow the contract, is E1872; a
table file that is missing, a link, or not the bytes the index gives is E1878, naming the file.
"""

from __future__ import annotations

from pathlib import Path

from headcount import errors
from headcount.tables.index import Problems, TablesIndex, read_index

PROBLEMS = Problems(invalid=errors.PUBLISH_NOT_TABLES, file=errors.PUBLISH_TABLE_FILE)


def load_index(root: Path, *, check_digests: bool = True) -> TablesIndex:
    """The parsed index of the tables directory ``root``, every file's digest checked."""
    return read_index(root, PROBLEMS, check_files=check_digests)
