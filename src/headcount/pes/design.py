"""The post-enumeration survey's sample of small areas (事后质量抽查): stratified, PPS, seeded.

The frame is every small area with a measure of size (the persons expected there: the area's own
figure, else the sum the pre-registration (摸底) register expects, else its households). Strata
are province × urban/rural (the census area's 城乡分类代码: 1xx urban, 2xx rural, unknown apart).
``areas`` are allocated to the strata in proportion to their size (largest remainder), with two
per stratum at least — a stratum needs two primary units for its variance (the stratified
jackknife of the estimate) — or all of a stratum that has fewer. Within a stratum the draw is
systematic PPS over the areas in code order (an implicit geographic stratification): an area
whose size reaches the interval is taken with certainty (π = 1) and the interval recomputed;
the others are taken where the cumulative size crosses start + k × interval, with the start drawn
from (seed, stratum), so each has inclusion probability exactly n × size / total and the same seed
gives the same sample, stratum by stratum. Pure: no database, no clock.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from headcount import errors
from headcount.errors import HeadcountError

MIN_PER_STRATUM = 2


@dataclass(frozen=True, slots=True)
class FrameArea:
    small_area_code: str  # 15 digits
    size: int  # measure of size: expected persons (≥ 1)
    urban_rural_class: str | None = None

    @property
    def stratum(self) -> str:
        kind = {"1": "urban", "2": "rural"}.get((self.urban_rural_class or "")[:1], "unknown")
        return f"{self.small_area_code[:2]}-{kind}"


@dataclass(frozen=True, slots=True)
class SampledArea:
    small_area_code: str
    stratum: str
    size: int
    inclusion_probability: float
    certainty: bool

    @property
    def weight(self) -> float:
        return 1.0 / self.inclusion_probability


@dataclass(frozen=True, slots=True)
class StratumDraw:
    stratum: str
    frame_areas: int
    frame_size: int
    allocated: int


@dataclass(frozen=True, slots=True)
class PesSample:
    seed: int
    areas: tuple[SampledArea, ...]
    strata: tuple[StratumDraw, ...]

    @property
    def digest(self) -> str:
        """SHA-256 of the sample (codes and probabilities): names it in the audit trail."""
        rows = [
            [a.small_area_code, a.stratum, round(a.inclusion_probability, 12)] for a in self.areas
        ]
        return hashlib.sha256(json.dumps([self.seed, rows]).encode()).hexdigest()


def _allocate(sizes: dict[str, int], counts: dict[str, int], n: int) -> dict[str, int]:
    """Areas per stratum: the minimum each, the rest proportional to size (largest remainder)."""
    base = {s: min(MIN_PER_STRATUM, counts[s]) for s in sizes}
    needed = sum(base.values())
    if n < needed:
        raise HeadcountError(errors.PES_TOO_FEW_AREAS, asked=str(n), needed=str(needed))
    if n > sum(counts.values()):
        raise HeadcountError(
            errors.PES_TOO_MANY_AREAS, asked=str(n), available=str(sum(counts.values()))
        )
    alloc = dict(base)
    left = n - needed
    while left:
        open_strata = [s for s in sizes if alloc[s] < counts[s]]
        total = sum(sizes[s] for s in open_strata)
        shares = {s: Fraction(sizes[s] * left, total) for s in open_strata}
        given = 0
        for s in open_strata:
            extra = min(int(shares[s]), counts[s] - alloc[s])
            alloc[s] += extra
            given += extra
        if given == 0:  # every share below one: the largest remainders take one each
            ranked = sorted(open_strata, key=lambda s: (-(shares[s] % 1), s))
            for s in ranked[:left]:
                alloc[s] += 1
                given += 1
        left -= given
    return alloc


def _start(seed: int, stratum: str) -> Fraction:
    """A start in [0, 1) of the interval, from (seed, stratum) only."""
    digest = hashlib.sha256(f"headcount/pes/{seed}/{stratum}".encode()).digest()
    return Fraction(int.from_bytes(digest[:8], "big"), 2**64)


def _systematic_pps(areas: list[FrameArea], n: int, seed: int, stratum: str) -> list[SampledArea]:
    chosen: list[SampledArea] = []
    rest = sorted(areas, key=lambda a: a.small_area_code)
    while n and rest:  # certainty units first: a size at or above the interval
        total = sum(a.size for a in rest)
        sure = [a for a in rest if a.size * n >= total]
        if not sure:
            break
        for a in sure:
            chosen.append(SampledArea(a.small_area_code, stratum, a.size, 1.0, True))
        rest = [a for a in rest if a not in sure]
        n -= len(sure)
    if n and rest:
        total = sum(a.size for a in rest)
        interval = Fraction(total, n)
        point = _start(seed, stratum) * interval
        cumulative = 0
        for a in rest:
            low, cumulative = cumulative, cumulative + a.size
            if low <= point < cumulative:
                chosen.append(
                    SampledArea(
                        a.small_area_code, stratum, a.size, float(n * a.size / total), False
                    )
                )
                point += interval
    return chosen


def draw(frame: Iterable[FrameArea], *, areas: int, seed: int) -> PesSample:
    """The PES sample of ``areas`` small areas (E2160 too few for two per stratum, E2161 more
    than the frame holds, E2162 an empty frame)."""
    by_stratum: dict[str, list[FrameArea]] = defaultdict(list)
    for area in frame:
        if area.size < 1:
            raise HeadcountError(errors.PES_FRAME_INVALID, area=area.small_area_code)
        by_stratum[area.stratum].append(area)
    if not by_stratum:
        raise HeadcountError(errors.PES_FRAME_EMPTY)
    sizes = {s: sum(a.size for a in members) for s, members in by_stratum.items()}
    counts = {s: len(members) for s, members in by_stratum.items()}
    alloc = _allocate(sizes, counts, areas)
    sampled: list[SampledArea] = []
    for stratum in sorted(by_stratum):
        sampled.extend(_systematic_pps(by_stratum[stratum], alloc[stratum], seed, stratum))
    strata = tuple(StratumDraw(s, counts[s], sizes[s], alloc[s]) for s in sorted(by_stratum))
    return PesSample(seed, tuple(sorted(sampled, key=lambda a: a.small_area_code)), strata)


__all__ = ["MIN_PER_STRATUM", "FrameArea", "PesSample", "SampledArea", "StratumDraw", "draw"]
