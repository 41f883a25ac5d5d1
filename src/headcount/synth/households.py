"""Coherent family households assembled from an age–sex pool, and collective households.

The pool already has the target age and sex marginals, so households are built by *placing* its
persons rather than by drawing new ones: choose exactly persons/2.62 heads, marry some of them to
a partner of similar age, then place children with a parent 16–50 years older, old people with a
child 16–48 years younger, and the rest as grandchildren, siblings or others. The mean family
household size is therefore exact, and the age marginals are untouched.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from headcount.synth.demography import choose

# Relationship codes (D2) and their roster order: head, spouse, children, ... others last.
HEAD, SPOUSE, CHILD, PARENT, PARENT_IN_LAW, GRANDPARENT = 0, 1, 2, 3, 4, 5
CHILD_IN_LAW, GRANDCHILD, SIBLING, OTHER = 6, 7, 8, 9
THREE_GENERATION_SHARE = 0.12
ROSTER_RANK = np.array([0, 1, 2, 5, 6, 7, 3, 4, 8, 9], dtype=np.int8)

_HEADSHIP_MALE = np.interp(
    np.arange(101), [16, 20, 25, 30, 40, 65, 80, 100], [0, 0.08, 0.4, 0.8, 0.9, 0.85, 0.7, 0.5]
)
_HEADSHIP_FEMALE = np.interp(
    np.arange(101), [16, 20, 25, 30, 40, 65, 80, 100], [0, 0.05, 0.12, 0.17, 0.2, 0.3, 0.4, 0.45]
)
_MARRIED = 0.85 * np.interp(
    np.arange(101),
    [18, 22, 26, 30, 35, 60, 70, 80, 90, 100],
    [0, 0.1, 0.5, 0.75, 0.88, 0.9, 0.8, 0.6, 0.35, 0.2],
)
_WITH_PARENTS = np.interp(np.arange(101), [18, 22, 26, 30, 35, 40], [0.9, 0.6, 0.45, 0.35, 0.25, 0])


def assemble_families(
    rng: np.random.Generator, age: NDArray[np.int16], sex: NDArray[np.int8], mean_size: float
) -> tuple[NDArray[np.int64], NDArray[np.int8], int]:
    """Household index (0..H-1) and relationship code per person; H = round(n / mean_size)."""
    n = age.size
    hh = np.full(n, -1, dtype=np.int64)
    rel = np.full(n, -1, dtype=np.int8)
    if n == 0:
        return hh, rel, 0
    target = max(1, round(n / mean_size))
    head_w = np.where(sex == 1, _HEADSHIP_MALE[age], _HEADSHIP_FEMALE[age])
    # Start with more households than the target; merging young families into their parents'
    # households (three generations) brings the count back to the target.
    heads = choose(rng, head_w, target + round(target * THREE_GENERATION_SHARE))
    if heads.size == 0:  # a pool of children only (tiny runs): the oldest leads
        heads = np.array([int(np.argmax(age))])
    h = heads.size
    heads = rng.permutation(heads)
    hh[heads], rel[heads] = np.arange(h), HEAD
    head_age = age[heads].astype(np.float64)
    head_sex = sex[heads]

    married = rng.random(h) < _MARRIED[age[heads]]
    parent_age = head_age.copy()  # the mother's age where there is one, else the head's
    for head_code, partner_code, min_age, offset in ((1, 2, 20, -2.0), (2, 1, 22, 2.0)):
        need = np.flatnonzero(married & (head_sex == head_code))
        free = np.flatnonzero((hh < 0) & (sex == partner_code) & (age >= min_age))
        picked = free[choose(rng, _MARRIED[age[free]], need.size)]
        need = rng.permutation(need)[: picked.size]
        a = need[np.argsort(head_age[need] + rng.normal(offset, 2.0, need.size), kind="stable")]
        b = picked[np.argsort(age[picked] + rng.normal(0.0, 2.0, picked.size), kind="stable")]
        hh[b], rel[b] = a, SPOUSE
        if partner_code == 2:
            parent_age[a] = age[b]

    unplaced = hh < 0
    young = unplaced & ((age < 18) | ((age < 40) & (rng.random(n) < _WITH_PARENTS[age])))
    # Children go to couples and lone mothers, not to single men, so one-person households remain.
    has_mother = np.zeros(h, dtype=np.bool_)
    has_mother[hh[rel == SPOUSE]] = True
    has_mother |= head_sex == 2
    mother_anchor = np.where(has_mother, parent_age, -1000.0)
    _place(
        rng, np.flatnonzero(young), age, mother_anchor, hh, rel, CHILD, (22, 34), (16, 50),
        caps=(1, 1, 2, 2, 3),
    )  # fmt: skip
    old = np.flatnonzero((hh < 0) & (age >= 50))
    parent_code = np.where(rng.random(old.size) < 0.75, PARENT, PARENT_IN_LAW).astype(np.int8)
    _place(rng, old, age, head_age, hh, rel, parent_code, (-34, -24), (-48, -16))
    kids = np.flatnonzero((hh < 0) & (age < 18))
    _place(rng, kids, age, head_age, hh, rel, GRANDCHILD, (48, 62), (36, 80))
    rest = np.flatnonzero(hh < 0)
    _place(rng, rest, age, head_age, hh, rel, SIBLING, (-6, 6), (-12, 12))
    rest = np.flatnonzero(hh < 0)
    if rest.size:  # whoever is left lives with an unrelated or distantly related household
        hh[rest] = rng.integers(0, h, rest.size)
        rel[rest] = np.where(age[rest] >= 18, OTHER, GRANDCHILD)
    return _merge_generations(rng, age, hh, rel, heads, target)


def _merge_generations(
    rng: np.random.Generator,
    age: NDArray[np.int16],
    hh: NDArray[np.int64],
    rel: NDArray[np.int8],
    heads: NDArray[np.int64],
    target: int,
) -> tuple[NDArray[np.int64], NDArray[np.int8], int]:
    """Move young couples (and their children) into an older household whose head is 20–38
    years older, until ``target`` households remain; then renumber households densely."""
    h = heads.size
    head_age = age[heads].astype(np.float64)
    simple = np.ones(h, dtype=np.bool_)  # only head, spouse and children
    simple[hh[(rel != HEAD) & (rel != SPOUSE) & (rel != CHILD)]] = False
    married = np.zeros(h, dtype=np.bool_)
    married[hh[rel == SPOUSE]] = True
    into = np.arange(h)
    for gap_lo, gap_hi in ((22, 34), (20, 38), (18, 42), (16, 50)):
        merged = np.count_nonzero(into != np.arange(h))
        need = h - merged - target
        if need <= 0:
            break
        young = np.flatnonzero(
            simple & married & (head_age >= 22) & (head_age <= 45) & (into == np.arange(h))
        )
        host_ok = (head_age >= 45) & (into == np.arange(h))
        host_ok[young] = False
        host_ok[into[into != np.arange(h)]] = False  # a host takes one young family
        young = rng.permutation(young)[:need]
        hosts = np.flatnonzero(host_ok)
        hosts = hosts[choose(rng, np.ones(hosts.size), young.size)]
        ys = young[np.argsort(head_age[young], kind="stable")]
        hs = hosts[np.argsort(head_age[hosts], kind="stable")]
        gap = head_age[hs] - head_age[ys]
        ok = (gap >= gap_lo) & (gap <= gap_hi)
        into[ys[ok]] = hs[ok]
        simple[hs[ok]] = False
    moved = into[hh] != hh
    rel[moved] = np.select(
        [rel[moved] == HEAD, rel[moved] == SPOUSE], [CHILD, CHILD_IN_LAW], GRANDCHILD
    ).astype(np.int8)
    hh = into[hh]
    kept, dense = np.unique(hh, return_inverse=True)
    return dense.astype(np.int64), rel, int(kept.size)


def _place(
    rng: np.random.Generator,
    who: NDArray[np.int64],
    age: NDArray[np.int16],
    anchor_age: NDArray[np.float64],
    hh: NDArray[np.int64],
    rel: NDArray[np.int8],
    code: int | NDArray[np.int8],
    gap_draw: tuple[float, float],
    gap_ok: tuple[float, float],
    caps: tuple[int, ...] = (1 << 30,) * 3,
) -> None:
    """Put each person in a household whose anchor is ``gap`` years older, gap ~ U(gap_draw);
    several tries with a wider spread, the rest stay unplaced for the next rule. ``caps`` limits,
    per try, how many of these persons a household may hold (spreading children over families)."""
    codes = np.broadcast_to(np.asarray(code, dtype=np.int8), who.shape).copy()
    order = np.argsort(anchor_age, kind="stable")
    sorted_age = anchor_age[order]
    h = order.size
    held = np.zeros(h, dtype=np.int64)
    spreads = (20, 80, 400, 400, 400)[: max(3, len(caps))]
    for spread, cap in zip(spreads, (*caps, *(caps[-1:] * 5))[: len(spreads)], strict=True):
        if who.size == 0:
            return
        target = age[who] + rng.uniform(*gap_draw, who.size)
        pos = np.searchsorted(sorted_age, target) + rng.integers(-spread, spread + 1, who.size)
        cand = order[np.clip(pos, 0, h - 1)]
        gap = anchor_age[cand] - age[who]
        ok = (gap >= gap_ok[0]) & (gap <= gap_ok[1]) & (held[cand] < cap)
        # Within one try a household takes at most one more person.
        first = np.zeros(who.size, dtype=np.bool_)
        first[np.unique(np.where(ok, cand, -1), return_index=True)[1]] = True
        ok &= first
        hh[who[ok]], rel[who[ok]] = cand[ok], codes[ok]
        held[cand[ok]] += 1
        who, codes = who[~ok], codes[~ok]


def collective_sizes(rng: np.random.Generator, persons: int) -> NDArray[np.int64]:
    """Sizes of collective households (dormitories, care homes, sites): many small, a few large;
    the published mean is 4.17 persons, capped here at 300 so a small area stays under 2,000."""
    if persons <= 0:
        return np.zeros(0, dtype=np.int64)
    # Draw more sizes than needed at once, keep those that fit, trim the last one.
    k = persons // 3 + 8
    base = rng.choice(
        [1, 2, 3, 5, 12, 40, 120], size=k, p=[0.40, 0.15, 0.12, 0.12, 0.12, 0.07, 0.02]
    )
    drawn = np.clip(np.round(base * rng.uniform(0.6, 1.5, k)), 1, 300).astype(np.int64)
    while drawn.sum() < persons:  # rare: top up with small households
        drawn = np.append(drawn, rng.integers(1, 4, persons))
    cum = np.cumsum(drawn)
    last = int(np.searchsorted(cum, persons))
    sizes = drawn[: last + 1].copy()
    sizes[-1] -= int(cum[last]) - persons
    return np.asarray(sizes, dtype=np.int64)
