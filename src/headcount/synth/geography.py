"""The geography plan: persons per province, small areas under real counties and townships, their
urban–rural class, census areas and the chunks they are generated in.

The plan is small (one row per small area, about 2,500 per million persons) and is computed once,
up front, from the seed alone; every chunk reads it, so chunks can be generated in any order.

Codes. A census area (普查区) is a committee under a real 2020 township, with the 12-digit
statistical code county (6) + township (3) + committee number (001–199 residents' committees for
urban areas, 200–399 village committees for rural ones). Its one to four small areas (普查小区) are
numbered 001… inside it, so a small area's 15-digit code starts with its census area's code — the
prefix path that area grants and scope checks rely on (auth/roles.py).
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import polars as pl
from numpy.typing import NDArray

from headcount import errors
from headcount.errors import HeadcountError
from headcount.identity import divisions
from headcount.synth import targets

URBAN_CLASSES = np.array([111, 112, 121, 122, 123], dtype=np.int16)
URBAN_CLASS_P = np.array([0.55, 0.10, 0.25, 0.08, 0.02])
RURAL_CLASSES = np.array([210, 220], dtype=np.int16)
RURAL_CLASS_P = np.array([0.15, 0.85])
MEAN_SMALL_AREA = 420  # persons; the cap is 2,000 (workflow-2020.md §A2)
MAX_PLANNED_SMALL_AREA = 1_600  # room for the last household and double-registration records


@cache
def township_table() -> pl.DataFrame:
    """The 2020 statistical townships (9 digits) with county, prefecture and province."""
    raw = resources.files("headcount.identity").joinpath("data", "streets.csv.gz").read_bytes()
    frame = pl.read_csv(
        io.BytesIO(gzip.decompress(raw)),
        schema_overrides={
            "code": pl.Utf8,
            "areaCode": pl.Utf8,
            "provinceCode": pl.Utf8,
            "cityCode": pl.Utf8,
        },
    )
    table = divisions()
    districts = {c: table.is_district(c) for c in frame["areaCode"].unique().to_list()}
    return (
        frame.select(
            pl.col("code").alias("township"),
            pl.col("areaCode").alias("county"),
            pl.col("cityCode").alias("prefecture"),
            pl.col("provinceCode").alias("province"),
        )
        .with_columns(
            pl.col("county").replace_strict(districts, return_dtype=pl.Boolean).alias("district"),
            (pl.col("township").str.slice(6, 3).cast(pl.Int32) < 100).alias("street"),
        )
        .sort("township")
    )


@dataclass(frozen=True, slots=True)
class Plan:
    """One row per small area, in geographic code order."""

    code: NDArray[np.int64]  # 15-digit small-area code: census area (12) + small-area number (3)
    census_area: NDArray[np.int64]  # 12-digit census-area code
    township: NDArray[np.int64]
    county: NDArray[np.int32]
    prefecture: NDArray[np.int32]
    province: NDArray[np.int16]
    district: NDArray[np.bool_]
    urban_class: NDArray[np.int16]
    persons: NDArray[np.int32]
    chunks: int

    @property
    def size(self) -> int:
        return int(self.code.size)

    @property
    def urban(self) -> NDArray[np.bool_]:
        return self.urban_class < 200

    def chunk_rows(self, chunk: int) -> NDArray[np.int64]:
        """Small areas of one chunk: every ``chunks``-th area, so each chunk spans the country and
        hukou places in other provinces can be found inside the chunk."""
        return np.arange(chunk, self.size, self.chunks, dtype=np.int64)


def parse_provinces(spec: str | None) -> list[str]:
    """'11,31' → ['11', '31']; None → all 31 provinces."""
    known = targets.provinces()
    if not spec:
        return sorted(known)
    codes = [c.strip() for c in spec.split(",") if c.strip()]
    for code in codes:
        if code not in known:
            raise HeadcountError(errors.SYNTH_PROVINCE_UNKNOWN, code=code[:8])
    return sorted(set(codes))


def allocate(total: int, weights: NDArray[np.float64]) -> NDArray[np.int64]:
    """Integer shares of ``total`` proportional to ``weights`` (largest remainder, exact sum)."""
    if total <= 0 or weights.size == 0:
        return np.zeros(weights.size, dtype=np.int64)
    quota = weights / weights.sum() * total
    base = np.floor(quota).astype(np.int64)
    short = total - int(base.sum())
    if short:
        order = np.argsort(-(quota - base), kind="stable")
        base[order[:short]] += 1
    return np.asarray(base, dtype=np.int64)


def build_plan(persons: int, provinces: list[str], seed: int, chunk_persons: int) -> Plan:
    rng = np.random.default_rng([seed, 0x9E0])
    prov = targets.provinces()
    townships = township_table()
    pops = np.array([prov[p].population for p in provinces], dtype=np.float64)
    per_province = allocate(persons, pops)
    urban_share = targets.national()["urban_pct"] / 100.0
    parts: list[dict[str, NDArray[np.generic]]] = []
    for prov_code, n_p in zip(provinces, per_province, strict=True):
        if n_p == 0:
            continue
        mine = townships.filter(pl.col("province") == prov_code)
        part = _province_areas(rng, mine, int(n_p))
        part["urban"] = _urban_flags(rng, part["persons"], part["district"], urban_share)
        part["township"] = _pick_townships(rng, part, mine)
        parts.append(part)
    # Provinces with a single area (tiny runs) cannot be split: choose their flags so the national
    # share stays as close as possible to the target.
    singles = sorted(
        (p for p in parts if p["persons"].size == 1), key=lambda p: -int(p["persons"][0])
    )
    total = sum(int(p["persons"].sum()) for p in parts)
    urban_now = sum(int(p["persons"][p["urban"]].sum()) for p in parts if p["persons"].size > 1)
    for part in singles:
        size = int(part["persons"][0])
        part["urban"][0] = urban_now + size / 2 < urban_share * total
        urban_now += size if part["urban"][0] else 0
        part["township"] = _pick_townships(
            rng, part, townships.filter(pl.col("county").cast(pl.Int32) == int(part["county"][0]))
        )
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((~cat["urban"], cat["township"]))
    cat = {k: v[order] for k, v in cat.items()}
    urban = cat["urban"]
    cls = np.where(
        urban,
        rng.choice(URBAN_CLASSES, size=urban.size, p=URBAN_CLASS_P),
        rng.choice(RURAL_CLASSES, size=urban.size, p=RURAL_CLASS_P),
    ).astype(np.int16)
    code, census_area = _number_areas(rng, cat["township"], urban)
    township = cat["township"].astype(np.int64)
    county = (township // 1000).astype(np.int32)
    total = int(cat["persons"].sum())
    return Plan(
        code=code,
        census_area=census_area,
        township=township,
        county=county,
        prefecture=(county // 100).astype(np.int32),
        province=(county // 10000).astype(np.int16),
        district=cat["district"].astype(np.bool_),
        urban_class=cls,
        persons=cat["persons"].astype(np.int32),
        chunks=max(1, -(-total // chunk_persons)),
    )


def _province_areas(
    rng: np.random.Generator, townships: pl.DataFrame, n_persons: int
) -> dict[str, NDArray[np.generic]]:
    """Small-area sizes of one province, each under a county drawn by a lognormal weight."""
    counties = townships.group_by("county", maintain_order=True).agg(pl.col("district").first())
    county_codes = counties["county"].cast(pl.Int32).to_numpy()
    district = counties["district"].to_numpy()
    weights = rng.lognormal(0.0, 0.7, county_codes.size) * np.where(district, 1.4, 1.0)
    # At least two areas where possible, one urban and one rural, so the urban share can be exact.
    n_areas = max(2 if n_persons >= 120 else 1, round(n_persons / MEAN_SMALL_AREA))
    sizes = np.clip(rng.gamma(4.0, MEAN_SMALL_AREA / 4.0, n_areas), 60, MAX_PLANNED_SMALL_AREA)
    persons = allocate(n_persons, sizes)
    while persons.max() > MAX_PLANNED_SMALL_AREA:  # very small runs: split rather than exceed
        sizes = np.append(sizes, MEAN_SMALL_AREA)
        persons = allocate(n_persons, sizes)
    persons = persons[persons > 0]
    pick = rng.choice(county_codes.size, size=persons.size, p=weights / weights.sum())
    return {"persons": persons, "county": county_codes[pick], "district": district[pick]}


def _urban_flags(
    rng: np.random.Generator,
    persons: NDArray[np.generic],
    district: NDArray[np.generic],
    share: float,
) -> NDArray[np.bool_]:
    """Mark areas urban, districts first (by a random score), until the person share is reached."""
    score = rng.random(persons.size) + np.where(district.astype(bool), 0.9, 0.0)
    order = np.argsort(-score, kind="stable")
    sizes = persons[order].astype(np.int64)
    cum = np.cumsum(sizes)
    target = share * float(cum[-1])
    # Include an area when its midpoint lies below the target.
    urban_sorted = (cum - sizes) < target - sizes / 2
    urban = np.zeros(persons.size, dtype=np.bool_)
    urban[order] = urban_sorted
    if persons.size >= 2:  # keep both kinds so the balance below can make the share exact
        urban[order[0]] = True
        urban[order[-1]] = False
    _balance(persons, urban, round(target))
    return urban


def _balance(persons: NDArray[np.generic], urban: NDArray[np.bool_], target: int) -> None:
    """Move persons between the largest rural and the largest urban area so the urban total is
    exact (in place); sizes stay within [60, MAX_PLANNED_SMALL_AREA]."""
    if urban.all() or not urban.any():
        return
    gap = target - int(persons[urban].sum())
    u = int(np.flatnonzero(urban)[np.argmax(persons[urban])])
    r = int(np.flatnonzero(~urban)[np.argmax(persons[~urban])])
    if gap > 0:
        move = min(gap, int(persons[r]) - 60, MAX_PLANNED_SMALL_AREA - int(persons[u]))
    else:
        move = -min(-gap, int(persons[u]) - 60, MAX_PLANNED_SMALL_AREA - int(persons[r]))
    persons[u] += move
    persons[r] -= move


def _pick_townships(
    rng: np.random.Generator, part: dict[str, NDArray[np.generic]], townships: pl.DataFrame
) -> NDArray[np.int64]:
    """A township of the area's county: streets (街道) for urban areas where the county has any."""
    tw = townships.with_columns(pl.col("township").cast(pl.Int64), pl.col("county").cast(pl.Int32))
    by_county: dict[int, tuple[NDArray[np.int64], NDArray[np.bool_]]] = {
        int(k[0]): (g["township"].to_numpy(), g["street"].to_numpy())
        for k, g in tw.group_by("county")
    }
    out = np.empty(part["county"].size, dtype=np.int64)
    u = rng.random(out.size)
    for i, (county, urban) in enumerate(zip(part["county"], part["urban"], strict=True)):
        codes, street = by_county[int(county)]
        pool = codes[street == urban] if (street == urban).any() else codes
        out[i] = pool[int(u[i] * pool.size)]
    return out


def _number_areas(
    rng: np.random.Generator, township: NDArray[np.generic], urban: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Census areas as committees per township (urban from 001, rural from 200), each holding one
    to four small areas numbered 001… inside it."""
    n = township.size
    code = np.empty(n, dtype=np.int64)
    census_area = np.empty(n, dtype=np.int64)
    group_left = 0
    counters: dict[tuple[int, bool], int] = {}
    current_area = 0
    small_no = 0
    group_sizes = rng.integers(1, 5, size=n)
    for i in range(n):
        key = (int(township[i]), bool(urban[i]))
        new_group = i == 0 or group_left == 0 or key != (int(township[i - 1]), bool(urban[i - 1]))
        if new_group:
            k = counters.get(key, 0)
            counters[key] = k + 1
            start = 1 if urban[i] else 200
            number = start + k if k < 199 else 400 + (k - 199) % 600  # overflow: 400–999, rare
            current_area = int(township[i]) * 1000 + number
            group_left = int(group_sizes[i])
            small_no = 0
        small_no += 1
        census_area[i] = current_area
        code[i] = current_area * 1000 + small_no
        group_left -= 1
    return code, census_area
