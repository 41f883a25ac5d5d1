"""The 2020 results the generator is calibrated to, read from package data.

Provincial values are used where the communiqué copies have them; an empty cell is *unknown*: it
falls back to the value the provinces without one must have together to reproduce the national
share, never to zero.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray

MAX_AGE = 100  # the last single-year age class holds 100 and over
EDUCATION_LEVELS = ("university", "senior_secondary", "junior_secondary", "primary")
AGE_GROUPS = ("0_14", "15_59", "60_plus", "65_plus")


def _text(name: str) -> str:
    return resources.files("headcount.synth").joinpath("data", name).read_text("utf-8")


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_text(name))))


def _num(cell: str) -> float | None:
    return float(cell) if cell.strip() else None


@dataclass(frozen=True, slots=True)
class ProvinceTargets:
    code: str
    name_zh: str
    name_en: str
    population: int
    male_pct: float
    age_pct: dict[str, float]  # 0_14, 15_59, 60_plus, 65_plus
    education_per_100k: dict[str, float]
    minority_pct: float
    minority_groups: tuple[tuple[str, float], ...]
    uses_national: tuple[str, ...]  # targets that fell back to the national value


@dataclass(frozen=True, slots=True)
class NationalTargets:
    values: dict[str, float]
    labels: dict[str, str]

    def __getitem__(self, key: str) -> float:
        return self.values[key]


@cache
def national() -> NationalTargets:
    rows = _rows("results-2020-national.csv")
    return NationalTargets(
        values={r["indicator"]: float(r["value"]) for r in rows},
        labels={r["indicator"]: r["label_zh"] for r in rows},
    )


@cache
def provinces() -> dict[str, ProvinceTargets]:
    nat = national()
    minorities = {r["province_code"]: r for r in _rows("minorities.csv")}
    raw_minority = {c: float(r["minority_pct"]) for c, r in minorities.items()}
    rows = _rows("results-2020-provinces.csv")
    pops = {r["province_code"]: int(r["population"]) for r in rows}
    residual = _residuals(rows, nat)
    rest_share = _age_rest_shares(rows, nat, residual["age_0_14_pct"])
    scale = _minority_odds_scale(raw_minority, pops, nat["ethnic_minorities_pct"])
    out: dict[str, ProvinceTargets] = {}
    for r in rows:
        code = r["province_code"]
        fallback: list[str] = []
        male = _num(r["male_pct"])
        if male is None:
            male = residual["male_pct"]
            fallback.append("male_pct")
        ages = {k: _num(r[f"age_{k}_pct"]) for k in AGE_GROUPS}
        age_pct: dict[str, float]
        if None not in ages.values():
            age_pct = {k: float(v) for k, v in ages.items() if v is not None}
        else:
            fallback.append("age" if ages["0_14"] is None else "age_15_plus")
            a0 = ages["0_14"] if ages["0_14"] is not None else residual["age_0_14_pct"]
            age_pct = {"0_14": a0}
            for k in AGE_GROUPS[1:]:
                age_pct[k] = rest_share[k] * (100.0 - a0)
        edu: dict[str, float] = {}
        for level in EDUCATION_LEVELS:
            value = _num(r[f"edu_{level}_per_100k"])
            if value is None:
                fallback.append(f"edu_{level}")
                value = residual[f"edu_{level}_per_100k"]
            edu[level] = value
        groups = tuple(
            (g.split(":")[0], float(g.split(":")[1])) for g in minorities[code]["groups"].split("|")
        )
        out[code] = ProvinceTargets(
            code=code,
            name_zh=r["province_zh"],
            name_en=r["province_en"],
            population=pops[code],
            male_pct=male,
            age_pct=age_pct,
            education_per_100k=edu,
            minority_pct=_scaled_pct(raw_minority[code], scale),
            minority_groups=groups,
            uses_national=tuple(fallback),
        )
    return out


def _residuals(rows: list[dict[str, str]], nat: NationalTargets) -> dict[str, float]:
    """For each provincial column, the value the provinces *without* a published cell must have
    together so that the 31 provinces reproduce the national share (servicemen aside)."""
    total = sum(int(r["population"]) for r in rows)
    columns = ["male_pct", *(f"age_{k}_pct" for k in AGE_GROUPS)]
    columns += [f"edu_{level}_per_100k" for level in EDUCATION_LEVELS]
    national_of = {c: nat["sex_male_pct" if c == "male_pct" else c] for c in columns}
    out: dict[str, float] = {}
    for column in columns:
        known = [(float(r[column]), int(r["population"])) for r in rows if r[column].strip()]
        known_pop = sum(p for _, p in known)
        if known_pop >= total:
            out[column] = national_of[column]
            continue
        rest = national_of[column] * total - sum(v * p for v, p in known)
        out[column] = rest / (total - known_pop)
    return out


def _age_rest_shares(
    rows: list[dict[str, str]], nat: NationalTargets, residual_0_14: float
) -> dict[str, float]:
    """For provinces without the 15+ age cells: each group's share of their population aged 15+,
    chosen so the 31 provinces reproduce the national groups and each province sums to 100."""
    total = sum(int(r["population"]) for r in rows)
    known = [r for r in rows if r["age_15_59_pct"].strip()]
    unknown = [r for r in rows if not r["age_15_59_pct"].strip()]
    rest = sum(
        (100.0 - (_num(r["age_0_14_pct"]) or residual_0_14)) * int(r["population"]) for r in unknown
    )
    out: dict[str, float] = {}
    for k in AGE_GROUPS[1:]:
        need = nat[f"age_{k}_pct"] * total - sum(
            float(r[f"age_{k}_pct"]) * int(r["population"]) for r in known
        )
        out[k] = need / rest if rest else nat[f"age_{k}_pct"] / (100.0 - nat["age_0_14_pct"])
    return out


def _scaled_pct(pct: float, odds_scale: float) -> float:
    odds = pct / (100.0 - pct) * odds_scale
    return 100.0 * odds / (1.0 + odds)


def _minority_odds_scale(pct: dict[str, float], pops: dict[str, int], target: float) -> float:
    """The odds multiplier that makes the population-weighted share equal the national target."""
    total = sum(pops.values())
    lo, hi = 0.2, 5.0
    for _ in range(60):
        mid = (lo + hi) / 2
        share = sum(_scaled_pct(pct[c], mid) * pops[c] for c in pops) / total
        lo, hi = (mid, hi) if share < target else (lo, mid)
    return (lo + hi) / 2


@cache
def _age_shape() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Single-year persons (shape only) and sex ratio for ages 0..MAX_AGE."""
    persons = np.zeros(MAX_AGE + 1)
    ratio = np.zeros(MAX_AGE + 1)
    for r in _rows("age_shape.csv"):
        lo, hi = int(r["age_from"]), int(r["age_to"])
        persons[lo : hi + 1] = float(r["persons_millions"]) / (hi - lo + 1)
        ratio[lo : hi + 1] = float(r["sex_ratio"])
    # The oldest ages thin out quickly; keep the group total but tilt it towards 95.
    tail = np.arange(95, MAX_AGE + 1)
    weights = 0.55 ** (tail - 95)
    persons[95:] = persons[95:].sum() * weights / weights.sum()
    return persons, ratio


def age_distribution(t: ProvinceTargets) -> NDArray[np.float64]:
    """P(age) for ages 0..MAX_AGE: the national shape rescaled to the province's broad groups."""
    shape, _ = _age_shape()
    dist = shape.copy()
    groups = (
        (0, 15, t.age_pct["0_14"]),
        (15, 60, t.age_pct["15_59"]),
        (60, 65, t.age_pct["60_plus"] - t.age_pct["65_plus"]),
        (65, MAX_AGE + 1, t.age_pct["65_plus"]),
    )
    for lo, hi, pct in groups:
        dist[lo:hi] *= pct / dist[lo:hi].sum()
    return np.asarray(dist / dist.sum(), dtype=np.float64)


def male_probability(t: ProvinceTargets, ages: NDArray[np.float64]) -> NDArray[np.float64]:
    """P(male | age), the national age pattern shifted so the province's male share comes out."""
    _, ratio = _age_shape()
    base = ratio / 100.0  # odds male:female
    lo, hi = 0.5, 2.0
    target = t.male_pct / 100.0
    for _ in range(60):
        mid = (lo + hi) / 2
        odds = base * mid
        share = float((ages * odds / (1 + odds)).sum())
        lo, hi = (mid, hi) if share < target else (lo, mid)
    odds = base * (lo + hi) / 2
    # Births of the reference year keep the published sex ratio at birth.
    odds[0] = national()["sex_ratio_at_birth"] / 100.0
    return np.asarray(odds / (1 + odds), dtype=np.float64)
