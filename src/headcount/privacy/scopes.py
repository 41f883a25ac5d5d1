"""Key scopes: one data key family per census wave × area, written ``wave:area`` (2020:110101).

The area is usually a county code, so that destroying the originals of one county (crypto-shredding)
leaves every other county readable.
"""

from __future__ import annotations

import re

from headcount import errors
from headcount.errors import HeadcountError

_PART = r"[0-9A-Za-z][0-9A-Za-z_.-]{0,39}"
_SCOPE = re.compile(rf"{_PART}:{_PART}")


def check_scope(scope: str) -> str:
    """Return the scope unchanged, or raise E1414 when it is not ``wave:area``."""
    if not isinstance(scope, str) or not _SCOPE.fullmatch(scope):
        raise HeadcountError(errors.SCOPE_INVALID, scope=str(scope)[:40])
    return scope


def scope_of(wave: str, area: str) -> str:
    """The scope of a census wave and an area code, e.g. scope_of("2020", "110101")."""
    return check_scope(f"{wave}:{area}")
