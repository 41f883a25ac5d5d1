"""Citizen ID numbers, names and ethnic groups of the synthetic persons.

IDs: the address code is the hukou county (for some people born before 1995 an abolished code of
the same prefecture that was still in use after their birth, as real numbers keep the code they were
issued under), the birth date agrees with D5, the sequence parity with D4, and the check character
is computed as headcount.identity.citizen_id.check_char does, vectorised. Names are a surname drawn
by its published frequency and one or two random given-name characters: synthetic by construction.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import polars as pl
from numpy.typing import NDArray

from headcount.identity import divisions
from headcount.identity.citizen_id import CHECK_CHARS, WEIGHTS
from headcount.synth import targets

_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)
_POW10 = 10 ** np.arange(16, -1, -1, dtype=np.int64)  # digit i of a 17-digit number


@cache
def surnames() -> tuple[pl.Series, NDArray[np.float64]]:
    rows = targets._rows("surnames.csv")
    p = np.array([float(r["share_pct"]) for r in rows])
    return pl.Series([r["surname"] for r in rows]), p / p.sum()


@cache
def given_chars() -> tuple[pl.Series, NDArray[np.int64], NDArray[np.int64]]:
    """All characters, and the indices usable for men and for women."""
    rows = targets._rows("given_chars.csv")
    chars = pl.Series([r["char"] for r in rows])
    lean = np.array([r["sex"] for r in rows])
    return chars, np.flatnonzero(lean != "f"), np.flatnonzero(lean != "m")


def check_chars(first17: NDArray[np.int64]) -> NDArray[np.int64]:
    """Index into CHECK_CHARS ("10X98765432") of the MOD 11-2 check character."""
    digits = (first17[:, None] // _POW10[None, :]) % 10
    return (digits @ _WEIGHTS) % 11


def first17(
    address: NDArray[np.int64],
    year: NDArray[np.integer],
    month: NDArray[np.integer],
    day: NDArray[np.integer],
    seq: NDArray[np.integer],
) -> NDArray[np.int64]:
    date = year.astype(np.int64) * 10_000 + month.astype(np.int64) * 100 + day.astype(np.int64)
    return address.astype(np.int64) * 10**11 + date * 1_000 + seq.astype(np.int64)


def sequence(
    rng: np.random.Generator, sex: NDArray[np.int8], slots: NDArray[np.int64] | None = None
) -> NDArray[np.int64]:
    """Three digits, odd for men and even for women (never 000); ``slots`` limits the first two
    digits' range (seq // 2) to a chunk's share of 1..499."""
    pool = _ALL_SLOTS if slots is None or slots.size == 0 else slots
    half = pool[rng.integers(0, pool.size, sex.size)]
    return np.asarray(half * 2 + (sex == 1), dtype=np.int64)


_ALL_SLOTS = np.arange(1, 500, dtype=np.int64)


def chunk_slots(chunk: int, chunks: int, part: int = 0, parts: int = 1) -> NDArray[np.int64]:
    """The sequence slots of one chunk (and one part of it: persons, deaths), disjoint between
    chunks while there are fewer than 500 shares, so IDs are unique across the whole census."""
    shares = min(chunks * parts, 499)
    mine = (chunk * parts + part) % shares
    return np.asarray(_ALL_SLOTS[_ALL_SLOTS % shares == mine], dtype=np.int64)


def unique_first17(
    rng: np.random.Generator,
    address: NDArray[np.int64],
    year: NDArray[np.integer],
    month: NDArray[np.integer],
    day: NDArray[np.integer],
    sex: NDArray[np.int8],
    slots: NDArray[np.int64] | None = None,
) -> NDArray[np.int64]:
    """17 digits per person, redrawing the sequence where two persons of the chunk collide; after
    a few tries a crowded cell may borrow a slot outside the chunk's share."""
    f17 = first17(address, year, month, day, sequence(rng, sex, slots))
    for attempt in range(24):
        _, first = np.unique(f17, return_index=True)
        dup = np.ones(f17.size, dtype=np.bool_)
        dup[first] = False
        if not dup.any():
            break
        idx = np.flatnonzero(dup)
        pool = slots if attempt < 8 else None
        f17[idx] = first17(
            address[idx], year[idx], month[idx], day[idx], sequence(rng, sex[idx], pool)
        )
    return f17


def id_strings(f17: NDArray[np.int64], check: NDArray[np.int64]) -> pl.Series:
    checks = pl.Series(list(CHECK_CHARS)).gather(pl.Series(check))
    body = pl.Series(f17).cast(pl.Utf8).str.zfill(17)
    return pl.DataFrame({"b": body, "c": checks}).select(pl.concat_str("b", "c")).to_series()


@cache
def _legacy_codes() -> dict[int, tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """Abolished county codes by prefecture (4 digits) with their last year of use."""
    table = divisions()
    out: dict[int, tuple[list[int], list[int]]] = {}
    for d in table._by_code.values():
        if d.level == "county" and d.last_year is not None and not d.code.endswith("00"):
            codes, last = out.setdefault(int(d.code[:4]), ([], []))
            codes.append(int(d.code))
            last.append(d.last_year)
    return {
        k: (np.array(c, dtype=np.int64), np.array(y, dtype=np.int64)) for k, (c, y) in out.items()
    }


def address_codes(
    rng: np.random.Generator, county: NDArray[np.int32], year: NDArray[np.int16], rate: float
) -> NDArray[np.int64]:
    """The hukou county, or for a share of people born before 1995 an abolished code of the same
    prefecture whose use lasted until at least their birth year (so the validator accepts it)."""
    address = county.astype(np.int64)
    legacy = np.flatnonzero((year < 1995) & (rng.random(county.size) < rate))
    table = _legacy_codes()
    prefecture = address[legacy] // 100
    for pref in np.unique(prefecture):
        found = table.get(int(pref))
        if found is None:
            continue
        codes, last = found
        who = legacy[prefecture == pref]
        pick = rng.integers(0, codes.size, who.size)
        ok = last[pick] + 1 >= year[who]
        address[who[ok]] = codes[pick[ok]]
    return address


def names(
    rng: np.random.Generator,
    sex: NDArray[np.int8],
    household: NDArray[np.int64],
    relationship: NDArray[np.int8],
    first: NDArray[np.int64],
) -> pl.Series:
    """Synthetic names; children, grandchildren and siblings share the household's surname."""
    sn, p = surnames()
    own = rng.choice(p.size, size=sex.size, p=p)
    head = first[household]
    # The family surname: the head's, or the husband's when the head is a woman.
    family = own[head].copy()
    spouse_male = (relationship == 1) & (sex == 1)
    family_of_hh = np.full(first.size, -1, dtype=np.int64)
    family_of_hh[household[spouse_male]] = own[spouse_male]
    fam = np.where(family_of_hh[household] >= 0, family_of_hh[household], family)
    inherit = np.isin(relationship, (2, 7, 8)) & (rng.random(sex.size) < 0.93)
    inherit |= (relationship == 3) & (sex == 1)
    surname = np.where(inherit, fam, own)
    chars, male_idx, female_idx = given_chars()
    pool = [male_idx, female_idx]
    c1 = np.empty(sex.size, dtype=np.int64)
    c2 = np.empty(sex.size, dtype=np.int64)
    for code, idx in ((1, pool[0]), (2, pool[1])):
        who = sex == code
        c1[who] = idx[rng.integers(0, idx.size, int(who.sum()))]
        c2[who] = idx[rng.integers(0, idx.size, int(who.sum()))]
    single = rng.random(sex.size) < 0.22
    frame = pl.DataFrame(
        {
            "s": sn.gather(pl.Series(surname)),
            "a": chars.gather(pl.Series(c1)),
            "b": chars.gather(pl.Series(c2)),
            "single": single,
        }
    )
    return frame.select(
        pl.when(pl.col("single"))
        .then(pl.concat_str("s", "a"))
        .otherwise(pl.concat_str("s", "a", "b"))
    ).to_series()


def ethnic_groups(
    rng: np.random.Generator,
    household: NDArray[np.int64],
    collective: NDArray[np.bool_],
    province: NDArray[np.int16],
) -> NDArray[np.int8]:
    """GB/T 3304 code per person (1 = 汉): households share one group; the number of minority
    persons per province is exact."""
    n = household.size
    out = np.ones(n, dtype=np.int8)
    prov_t = targets.provinces()
    # A unit is a family household or one collective resident.
    unit = np.where(collective, household.max(initial=0) + 1 + np.arange(n), household)
    for prov in np.unique(province):
        t = prov_t[f"{int(prov):02d}"]
        mine = np.flatnonzero(province == prov)
        units, inverse, size = np.unique(unit[mine], return_inverse=True, return_counts=True)
        order = rng.permutation(units.size)
        start = np.cumsum(size[order]) - size[order]
        want = mine.size * t.minority_pct / 100.0
        chosen_units = np.zeros(units.size, dtype=np.bool_)
        chosen_units[order[start + size[order] / 2 < want]] = True
        codes = np.array([int(c) for c, _ in t.minority_groups], dtype=np.int8)
        p = np.array([w for _, w in t.minority_groups])
        group = rng.choice(codes, size=units.size, p=p / p.sum())
        out[mine] = np.where(chosen_units[inverse], group[inverse], 1)
    return out
