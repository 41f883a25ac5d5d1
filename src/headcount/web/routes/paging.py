"""The declared bounds of the paging parameters that are numbers: a value outside them is 422
(E1006) before any query runs, never an integer the database cannot hold (`?offset=1e20` once
reached SQLite as an overflow and answered 500)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

MAX_OFFSET = 10_000_000  # beyond the longest list of a census (7 million enumerators in 2020)
MAX_POSITION = 2**31 - 1  # a cursor over an INTEGER column
MAX_SEQUENCE = 2**63 - 1  # a cursor over a BIGINT column (the audit sequence)

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
PositionCursor = Annotated[int, Query(ge=0, le=MAX_POSITION)]
SequenceCursor = Annotated[int, Query(ge=0, le=MAX_SEQUENCE)]
