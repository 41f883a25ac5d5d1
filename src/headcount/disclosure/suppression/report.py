"""The suppression report: information loss per table and level, and the attacker's bounds.

Information loss is counted two ways, per table and level and overall: cells hidden (primary,
secondary) out of all cells, and persons (or households) in them out of all — margins count as
cells too, since each is published. The bounds are what anyone can compute from the published
files (``attack``); they are listed for every hidden cell, never with its value. ``hi`` is null
where nothing bounds a cell from above.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from headcount.disclosure.suppression.long_form import PRIMARY, SECONDARY
from headcount.disclosure.suppression.protection import ProtectionRule
from headcount.disclosure.suppression.run import Suppressed

__all__ = ["FORMAT", "summary"]

FORMAT = "headcount-suppression-report"


def _loss(values: np.ndarray, status: np.ndarray) -> dict[str, Any]:
    primary, secondary = status == PRIMARY, status == SECONDARY
    total = float(values.sum())
    hidden = float(values[primary | secondary].sum())
    return {
        "cells": int(values.size),
        "primary": int(primary.sum()),
        "secondary": int(secondary.sum()),
        "suppressed_share": round(float((primary | secondary).mean()), 6) if values.size else 0.0,
        "persons": int(total),
        "persons_primary": int(values[primary].sum()),
        "persons_secondary": int(values[secondary].sum()),
        "persons_suppressed_share": round(hidden / total, 6) if total else 0.0,
    }


def summary(result: Suppressed, rule: ProtectionRule, *, bounds: bool = True) -> dict[str, Any]:
    """The whole report as one JSON-ready object."""
    model = result.model
    values = np.nan_to_num(model.values, nan=0.0)
    per_table = []
    for table, offset in zip(model.tables, model.offsets, strict=True):
        part = slice(offset, offset + table.frame.height)
        per_table.append(
            {"table": table.id, "level": table.level, **_loss(values[part], result.status[part])}
        )
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": 1,
        "method": result.method,
        "threshold": rule.threshold,
        "protection": {
            "primary": f"the attacker's interval contains 0 and {rule.threshold}",
            "secondary": "the attacker's interval holds more than one value",
        },
        "attribute_levels": sorted(rule.attribute_levels),
        "sensitive": [s.text() for s in rule.sensitive],
        "seconds": round(result.seconds, 3),
        "rounds": result.rounds,
        "linear_programs": result.bounds.programs,
        "notes": result.notes,
        "totals": _loss(values, result.status),
        "tables": per_table,
    }
    if bounds:
        listed = []
        for cell, lo, hi in zip(
            result.bounds.cells, result.bounds.lo, result.bounds.hi, strict=True
        ):
            table, _row = model.locate(int(cell))
            listed.append(
                {
                    "table": table.id,
                    "level": table.level,
                    "cell": model.key(int(cell)),
                    "status": str(result.status[cell]),
                    "lo": int(lo),
                    "hi": None if math.isinf(hi) else int(hi),
                }
            )
        doc["bounds"] = listed
    return doc
