"""The discrete Gaussian mechanism of a release: integer noise of scale σ on integer counts.

Drawn by OpenDP (``make_gaussian`` over integers: the exact sampler of Canonne, Kamath and Steinke,
with the operating system's cryptographic randomness), never by a floating-point normal rounded
afterwards, whose gaps and patterns can leak the true count. Every call spends ρ = Δ² / (2σ²) of
the budget (``disclosure.budget``): callers draw each measurement once and keep it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def discrete_gaussian(counts: Sequence[int] | np.ndarray, sigma: float) -> np.ndarray:
    """``counts`` plus independent discrete Gaussian noise of scale ``sigma`` (int64)."""
    import opendp.prelude as dp

    if not sigma > 0:
        raise ValueError("sigma must be positive")
    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l2_distance(T=int)
    measure = dp.m.make_gaussian(*space, scale=float(sigma))
    values = [int(v) for v in np.asarray(counts, dtype=np.int64)]
    return np.asarray(measure(values), dtype=np.int64)


__all__ = ["discrete_gaussian"]
