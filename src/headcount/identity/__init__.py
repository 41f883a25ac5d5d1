"""Citizen identity numbers (GB 11643-1999) and administrative division codes (GB/T 2260, NBS)."""

from headcount.identity.citizen_id import (
    IdCheck,
    check,
    check_char,
    mask,
    normalize,
    upgrade_legacy,
)
from headcount.identity.divisions import Division, DivisionTable, divisions

__all__ = [
    "Division",
    "DivisionTable",
    "IdCheck",
    "check",
    "check_char",
    "divisions",
    "mask",
    "normalize",
    "upgrade_legacy",
]
