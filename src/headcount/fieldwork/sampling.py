"""The long-form sample (长表抽样): a central, seeded, systematic draw per census area.

2020 rules (workflow-2020.md §A5): 10 % of households, drawn after short-form registration,
one list per 普查区, random start with a fixed interval (随机等距), no substitution, and a
frame that excludes households of only HK/Macau/Taiwan residents or foreigners, 全户寄挂户口
households, households whose members have all been away six months or more, 全户死亡
households (户编号 999), households that moved away and empty units.

Each census area gets its own random start derived from (seed, area code), so redrawing is exact
and one area's list does not depend on any other's. With rate p/q and start r ∈ [0, q), household i
of the sorted frame is taken when ⌊((i+1)p + r)/q⌋ > ⌊(ip + r)/q⌋: every eligible household has
inclusion probability exactly p/q over the q possible starts. Pure: no database, no clock.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

Exclusion = Literal[
    "hmtf_only", "all_nominal_hukou", "all_away_6_months", "all_died", "moved_away", "empty_unit"
]
NOMINAL_HUKOU_REASON = 4  # D10 code 4 寄挂户口
AWAY_SIX_MONTHS = 3  # D9 codes 3..9 are half a year or more


@dataclass(frozen=True, slots=True)
class FrameHousehold:
    household_id: str
    census_area_code: str  # 12 digits
    small_area_code: str  # 15 digits
    household_no: str
    exclusion: Exclusion | None = None


@dataclass(frozen=True, slots=True)
class AreaSample:
    census_area_code: str
    eligible: int
    start: int
    selected: tuple[str, ...]  # household ids in frame order

    @property
    def weight(self) -> float:
        """Design weight: eligible households represented by each sampled one (≈ 1/rate)."""
        return self.eligible / len(self.selected) if self.selected else 0.0


@dataclass(frozen=True, slots=True)
class Sample:
    seed: int
    rate: Fraction
    areas: tuple[AreaSample, ...]
    excluded: Mapping[str, int] = field(default_factory=dict)

    @property
    def selected(self) -> int:
        return sum(len(a.selected) for a in self.areas)

    @property
    def eligible(self) -> int:
        return sum(a.eligible for a in self.areas)

    def digest(self) -> str:
        """SHA-256 over the canonical list: stored and audited, so any later change shows."""
        canonical = {
            "seed": self.seed,
            "rate": str(self.rate),
            "areas": [
                [a.census_area_code, a.eligible, a.start, list(a.selected)] for a in self.areas
            ],
        }
        blob = json.dumps(canonical, separators=(",", ":"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()


def exclusion_of(
    household: Mapping[str, Any], *, moved_away: bool = False, empty_unit: bool = False
) -> Exclusion | None:
    """Why a registered household (household JSON of the data contract) is outside the frame."""
    if empty_unit:
        return "empty_unit"
    if moved_away:
        return "moved_away"
    if household.get("household_no") == "999":
        return "all_died"
    if household.get("form") == "hmtf":
        return "hmtf_only"
    persons = list(household.get("persons") or [])
    if not persons:
        return "empty_unit"
    if all(p.get("reason_away") == NOMINAL_HUKOU_REASON for p in persons):
        return "all_nominal_hukou"
    if all(
        p.get("residence_at_reference") not in (None, 1)
        and (p.get("time_away_from_hukou") or 0) >= AWAY_SIX_MONTHS
        for p in persons
    ):
        return "all_away_6_months"
    return None


def random_start(seed: int, census_area_code: str, q: int) -> int:
    digest = hashlib.sha256(f"headcount-long-form|{seed}|{census_area_code}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % q


def draw(frame: Iterable[FrameHousehold], *, seed: int, rate: Fraction = Fraction(1, 10)) -> Sample:
    if not 0 < rate <= 1:
        raise ValueError("rate must be in (0, 1]")
    by_area: dict[str, list[FrameHousehold]] = {}
    excluded: Counter[str] = Counter()
    for household in frame:
        if household.exclusion is not None:
            excluded[household.exclusion] += 1
            continue
        by_area.setdefault(household.census_area_code, []).append(household)
    p, q = rate.numerator, rate.denominator
    areas: list[AreaSample] = []
    for code in sorted(by_area):
        ordered = sorted(by_area[code], key=lambda h: (h.small_area_code, h.household_no))
        start = random_start(seed, code, q)
        chosen = tuple(
            h.household_id
            for i, h in enumerate(ordered)
            if ((i + 1) * p + start) // q > (i * p + start) // q
        )
        areas.append(AreaSample(code, len(ordered), start, chosen))
    return Sample(seed, rate, tuple(areas), dict(sorted(excluded.items())))
