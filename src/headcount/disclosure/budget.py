"""The privacy-loss budget of a differentially private release, and its certificate.

A budget (YAML or JSON, versioned: ``data/budget-2020.yaml`` is the default) gives the total ρ of
zero-concentrated DP, the δ at which ε is stated, the share of ρ for each geolevel (nation →
small area) and the share of each level's ρ for each query (person histograms). Every query of
every level gets ρ_q = ρ × level share × query share; its counts get discrete Gaussian noise of
scale σ_q = Δ / √(2 ρ_q), with Δ = 1: a person added or removed changes one cell of a histogram by
one (add/remove neighbours). zCDP composes by adding ρ, so the release spends exactly ρ.

The certificate lists, per level and query, ρ_q, σ_q and ε at δ, and ε at δ for the whole
release. ε comes from OpenDP's tight conversion of a zCDP measurement (``make_zCDP_to_approxDP``):
for ρ ≈ 2.556 at δ = 10⁻¹⁰ it gives ε ≈ 17.14, as the US 2020 certificate prints (the textbook
bound ρ + 2√(ρ ln 1/δ) gives 17.90).

A budget is checked whole before any noise can be drawn: ρ positive and finite (E2170), δ in
(0, 1) (E2171), a geolevel or query not known (E2172), shares negative or not summing to one
(E2173), a file that cannot be read (E2174).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from headcount import errors
from headcount.errors import HeadcountError

GEOLEVELS = ("national", "province", "prefecture", "county", "township", "small_area")
# The histograms a release measures (cells: their dimensions' codes).
QUERIES = {
    "total": "total population",
    "sex_age": "persons by sex × single year of age",
    "household_type_size": "households by household type × size (usual residents counted)",
    "urban_rural": "persons by urban/rural",
}
SENSITIVITY = 1.0  # L2 sensitivity of a person histogram under add/remove-one neighbours
# A person added to (removed from) a household moves that household from one size cell to the
# next: two cells change by one, so the household histogram's L2 sensitivity is √2.
SENSITIVITIES = {
    "total": SENSITIVITY,
    "sex_age": SENSITIVITY,
    "household_type_size": math.sqrt(2),
    "urban_rural": SENSITIVITY,
}
_TOLERANCE = 1e-6  # shares are written with six decimals


@dataclass(frozen=True, slots=True)
class QueryBudget:
    level: str
    query: str
    rho: float
    sigma: float
    epsilon: float  # at the budget's δ


@dataclass(frozen=True, slots=True)
class Budget:
    version: str
    rho: float
    delta: float
    geolevels: dict[str, float]
    queries: dict[str, float]
    digest: str  # SHA-256 of the file as read
    # Levels whose total population is published exact (not protected by noise), and so every
    # level above them; the US 2020 release kept its state totals so.
    invariants: tuple[str, ...] = ()

    def allocation(self) -> list[QueryBudget]:
        out: list[QueryBudget] = []
        for level, level_share in self.geolevels.items():
            for query, query_share in self.queries.items():
                rho = self.rho * level_share * query_share
                if rho <= 0:
                    continue  # a zero share: the query is not measured at that level
                sigma = SENSITIVITIES[query] / math.sqrt(2 * rho)
                out.append(QueryBudget(level, query, rho, sigma, epsilon(rho, self.delta)))
        return out

    def certificate(self) -> dict[str, Any]:
        rows = self.allocation()
        return {
            "budget_version": self.version,
            "budget_digest": self.digest,
            "rho": self.rho,
            "delta": self.delta,
            "epsilon": epsilon(self.rho, self.delta),
            "neighbours": "add/remove one person; L2 sensitivity 1 per person histogram, "
            "√2 for the household histogram",
            "invariants": {
                "total": list(self.invariants),
                "note": "published exact, not protected by noise",
            },
            "queries": [
                {
                    "level": r.level,
                    "query": r.query,
                    "rho": r.rho,
                    "sigma": r.sigma,
                    "epsilon": r.epsilon,
                }
                for r in rows
            ],
        }


def epsilon(rho: float, delta: float) -> float:
    """ε at δ of a ρ-zCDP release (OpenDP's tight conversion)."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    sigma = SENSITIVITY / math.sqrt(2 * rho)
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l2_distance(T=int)
    measured = dp.c.make_zCDP_to_approxDP(dp.m.make_gaussian(*space, scale=sigma))
    return float(measured.map(1).epsilon(delta))  # type: ignore[no-untyped-call]


def _shares(raw: object, known: tuple[str, ...] | dict[str, str], what: str) -> dict[str, float]:
    if not isinstance(raw, dict) or not raw:
        raise HeadcountError(errors.DP_BUDGET_UNKNOWN, what=what, name="(none)")
    shares: dict[str, float] = {}
    for name, value in raw.items():
        if str(name) not in known:
            raise HeadcountError(errors.DP_BUDGET_UNKNOWN, what=what, name=str(name)[:40])
        try:
            share = float(value)
        except (TypeError, ValueError):
            share = math.nan
        if not math.isfinite(share) or share < 0:
            raise HeadcountError(errors.DP_BUDGET_SHARES, what=what, total=f"{name}={value}")
        shares[str(name)] = share
    total = sum(shares.values())
    if abs(total - 1.0) > _TOLERANCE:
        raise HeadcountError(errors.DP_BUDGET_SHARES, what=what, total=f"{total:.6f}")
    return shares


def parse(data: bytes, *, name: str = "budget") -> Budget:
    """A budget from YAML or JSON bytes, checked whole."""
    try:
        raw = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise HeadcountError(
            errors.DP_BUDGET_UNREADABLE, path=name, reason=type(exc).__name__
        ) from exc
    if not isinstance(raw, dict):
        raise HeadcountError(errors.DP_BUDGET_UNREADABLE, path=name, reason="not a mapping")
    try:
        rho = float(raw.get("rho"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        rho = math.nan
    if not math.isfinite(rho) or rho <= 0:
        raise HeadcountError(errors.DP_BUDGET_RHO, value=str(raw.get("rho"))[:40])
    try:
        delta = float(raw.get("delta", 1e-10))
    except (TypeError, ValueError):
        delta = math.nan
    if not 0 < delta < 1:
        raise HeadcountError(errors.DP_BUDGET_DELTA, value=str(raw.get("delta"))[:40])
    invariants = raw.get("invariants", [])
    if not isinstance(invariants, list):
        raise HeadcountError(errors.DP_BUDGET_UNKNOWN, what="invariant", name=str(invariants)[:40])
    for level in invariants:
        if str(level) not in GEOLEVELS:
            raise HeadcountError(errors.DP_BUDGET_UNKNOWN, what="geolevel", name=str(level)[:40])
    return Budget(
        invariants=tuple(str(level) for level in invariants),
        version=str(raw.get("version", "")),
        rho=rho,
        delta=delta,
        geolevels=_shares(raw.get("geolevels"), GEOLEVELS, "geolevel"),
        queries=_shares(raw.get("queries"), QUERIES, "query"),
        digest=hashlib.sha256(data).hexdigest(),
    )


def load(path: Path | None = None) -> Budget:
    """The budget at ``path``, or the default one shipped with Headcount."""
    if path is None:
        data = (
            resources.files("headcount.disclosure").joinpath("data/budget-2020.yaml").read_bytes()
        )
        return parse(data, name="budget-2020.yaml")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise HeadcountError(
            errors.DP_BUDGET_UNREADABLE, path=str(path), reason=type(exc).__name__
        ) from exc
    return parse(data, name=str(path))


def certificate_json(budget: Budget) -> str:
    return json.dumps(budget.certificate(), ensure_ascii=False, indent=1)


__all__ = [
    "GEOLEVELS",
    "QUERIES",
    "SENSITIVITIES",
    "SENSITIVITY",
    "Budget",
    "QueryBudget",
    "certificate_json",
    "epsilon",
    "load",
    "parse",
]
