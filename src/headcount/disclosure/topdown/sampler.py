"""An exact discrete Gaussian sampler, vectorised: the release's noise at a million draws a second.

OpenDP's sampler (``disclosure.noise``) is exact but draws about 60,000 values a second here, and a
national release draws millions. This module runs the same algorithm — Canonne, Kamath and Steinke
(2020), "The discrete Gaussian for differential privacy", Algorithms 1–3 — over numpy arrays:
every element is a sequence of exact Bernoulli trials with rational probabilities, decided by
comparing uniform integers from the operating system's CSPRNG (``os.urandom``), never by a
floating-point normal. Pending elements advance together, one trial per pass.

σ² is first rounded *up* to a rational N/D with D a power of two (σ grows by less than 10⁻⁶
relative for σ ≥ 0.2, 10⁻⁴ for σ ≥ 0.02: the release spends at most the ρ its budget states;
``exact_sigma`` says the value used). D is chosen so that every integer stays below 2⁶²; a trial
whose numbers would not (a discrete Laplace value dozens of σ out, probability below 10⁻¹⁵) is
decided by the same algorithm in Python integers, so the distribution is exact everywhere.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from fractions import Fraction

import numpy as np

RandomBytes = Callable[[int], bytes]
_SAFE = 1 << 31  # |Y|·D·t below this keeps (|Y|Dt − N)² below 2⁶²
_K_MAX = 64  # the K loop of Bernoulli(exp(−γ)) in int64: den·K must stay below 2⁶³


class Uniform:
    """Uniform integers below given bounds, by rejection on bits from ``random_bytes``.

    Bytes are read in blocks (one system call per megabyte, not per pass)."""

    _BLOCK = 1 << 20

    def __init__(self, random_bytes: RandomBytes = os.urandom) -> None:
        self._bytes = random_bytes
        self._pool = np.empty(0, dtype=np.uint8)
        self._at = 0

    def _take(self, nbytes: int) -> np.ndarray:
        if self._at + nbytes > self._pool.size:
            fresh = self._bytes(max(self._BLOCK, nbytes))
            self._pool = np.concatenate(
                [self._pool[self._at :], np.frombuffer(fresh, dtype=np.uint8)]
            )
            self._at = 0
        out = self._pool[self._at : self._at + nbytes]
        self._at += nbytes
        return out

    def words(self, n: int) -> np.ndarray:
        """n uniform 64-bit words."""
        return self._take(8 * n).view(np.uint64)

    def below(self, bound: np.ndarray) -> np.ndarray:
        """One uniform integer in [0, bound) per element (1 ≤ bound < 2⁶²), int64."""
        bound = bound.astype(np.uint64)
        if not bound.size:
            return np.zeros(0, dtype=np.int64)
        top = int(bound.max())
        if top == int(bound.min()):  # one bound (the common case): one mask
            mask = np.full(bound.size, (1 << top.bit_length()) - 1, dtype=np.uint64)
        else:  # the smallest 2^k − 1 ≥ each bound: smear the top bit down
            mask = bound.copy()
            for shift in (1, 2, 4, 8, 16, 32):
                mask |= mask >> np.uint64(shift)
        small = top < (1 << 32)  # then 32 random bits a try suffice
        out = np.empty(bound.size, dtype=np.uint64)
        todo = np.arange(bound.size)
        while todo.size:  # each try is accepted with probability > 1/2
            if small:
                draw = self._take(4 * todo.size).view(np.uint32).astype(np.uint64)
            else:
                draw = self.words(todo.size)
            draw &= mask[todo]
            ok = draw < bound[todo]
            out[todo[ok]] = draw[ok]
            todo = todo[~ok]
        return out.astype(np.int64)

    def bernoulli(self, num: np.ndarray, den: np.ndarray) -> np.ndarray:
        """Bernoulli(num/den) per element, exactly (0 ≤ num ≤ den)."""
        return self.below(den) < num


def bernoulli_exp(u: Uniform, num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Bernoulli(exp(−num/den)) per element, exactly (CKS Algorithm 1 and its γ > 1 extension).

    num, den int64 with den·64 < 2⁶³."""
    result = np.ones(num.size, dtype=bool)
    whole, rest = num // den, num % den
    # γ > 1: exp(−γ) = exp(−1)^⌊γ⌋ · exp(−(γ − ⌊γ⌋)); every factor must come up heads.
    todo = np.flatnonzero(whole > 0)
    left = whole[todo]
    while todo.size:
        one = np.ones(todo.size, dtype=np.int64)
        heads = _exp_below_one(u, one, one)
        result[todo[~heads]] = False
        left = left - 1
        keep = heads & (left > 0)
        todo, left = todo[keep], left[keep]
    alive = np.flatnonzero(result)
    result[alive] = _exp_below_one(u, rest[alive], den[alive])
    return result


def _exp_below_one(u: Uniform, num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Bernoulli(exp(−γ)) for γ = num/den in [0, 1]: count K while Bernoulli(γ/K) comes up."""
    k = np.ones(num.size, dtype=np.int64)
    todo = np.arange(num.size)
    while todo.size:
        heads = u.bernoulli(num[todo], den[todo] * k[todo])
        k[todo[heads]] += 1
        todo = todo[heads]
        if todo.size and k[todo].max() >= _K_MAX:  # probability < 1/63!: finish in Python ints
            for i in todo:
                k[i] = _k_scalar(u, Fraction(int(num[i]), int(den[i])), int(k[i]))
            break
    return np.asarray((k % 2) == 1)


def _k_scalar(u: Uniform, gamma: Fraction, k: int) -> int:
    while _bernoulli_scalar(u, gamma / k):
        k += 1
    return k


def _bernoulli_scalar(u: Uniform, p: Fraction) -> bool:
    bits = p.denominator.bit_length()
    while True:
        draw = int.from_bytes(u._take((bits + 7) // 8).tobytes(), "little") & ((1 << bits) - 1)
        if draw < p.denominator:
            return draw < p.numerator


def _bernoulli_exp_scalar(u: Uniform, gamma: Fraction) -> bool:
    for _ in range(math.floor(gamma)):
        if _k_scalar(u, Fraction(1), 1) % 2 == 0:
            return False
    return _k_scalar(u, gamma - math.floor(gamma), 1) % 2 == 1


def rational_variance(sigma: float) -> tuple[int, int]:
    """σ² rounded up to N/D, D a power of two small enough for int64 arithmetic."""
    if not (sigma > 0 and math.isfinite(sigma)):
        raise ValueError("sigma must be positive and finite")
    t = math.floor(sigma) + 1
    limit = min(_SAFE / (40 * t * t), 2**27 / (t * t))
    d = 1 << max(0, math.floor(math.log2(limit)))
    n = math.ceil(Fraction(sigma) ** 2 * d)
    return n, d


def exact_sigma(sigma: float) -> float:
    """The σ the sampler actually uses for a requested ``sigma`` (≥ it: ``rational_variance``)."""
    n, d = rational_variance(sigma)
    return math.sqrt(n / d)


def _discrete_laplace(u: Uniform, size: int, t: int) -> np.ndarray:
    """Discrete Laplace of scale t (integer), CKS Algorithm 2 with s = 1."""
    out = np.empty(size, dtype=np.int64)
    todo = np.arange(size)
    while todo.size:
        n = todo.size
        tt = np.full(n, t, dtype=np.int64)
        first = u.below(tt)
        accept = bernoulli_exp(u, first, tt)
        v = np.zeros(n, dtype=np.int64)
        more = np.flatnonzero(accept)
        while more.size:  # V ~ geometric: count heads of Bernoulli(exp(−1))
            one = np.ones(more.size, dtype=np.int64)
            heads = bernoulli_exp(u, one, one)
            v[more[heads]] += 1
            more = more[heads]
        x = first + t * v
        negative = (u.words(n) & np.uint64(1)).astype(bool)
        accept &= ~(negative & (x == 0))
        out[todo[accept]] = np.where(negative, -x, x)[accept]
        todo = todo[~accept]
    return out


def discrete_gaussian_noise(
    size: int, sigma: float, random_bytes: RandomBytes = os.urandom
) -> np.ndarray:
    """``size`` independent draws of the discrete Gaussian N_Z(0, σ²) (σ² by rational_variance)."""
    u = Uniform(random_bytes)
    n, d = rational_variance(sigma)
    t = math.isqrt(n // d) + 1
    out = np.empty(size, dtype=np.int64)
    todo = np.arange(size)
    while todo.size:  # CKS Algorithm 3: discrete Laplace proposals, accepted w.p. exp(−γ)
        y = _discrete_laplace(u, todo.size, t)
        a = np.abs(y)
        safe = a * d * t < _SAFE
        accept = np.zeros(todo.size, dtype=bool)
        num = (a[safe] * d * t - n) ** 2
        den = np.full(num.size, 2 * n * d * t * t, dtype=np.int64)
        accept[safe] = bernoulli_exp(u, num, den)
        for i in np.flatnonzero(~safe):  # far in the tail: the same trial in Python integers
            gamma = Fraction((int(a[i]) * d * t - n) ** 2, 2 * n * d * t * t)
            accept[i] = _bernoulli_exp_scalar(u, gamma)
        out[todo[accept]] = y[accept]
        todo = todo[~accept]
    return out


def add_noise(
    counts: np.ndarray, sigma: float, random_bytes: RandomBytes = os.urandom
) -> np.ndarray:
    """``counts`` (integers) plus discrete Gaussian noise of scale ``sigma``, int64."""
    counts = np.asarray(counts, dtype=np.int64)
    noise = discrete_gaussian_noise(counts.size, sigma, random_bytes)
    return np.asarray(counts + noise.reshape(counts.shape))


__all__ = [
    "RandomBytes",
    "Uniform",
    "add_noise",
    "bernoulli_exp",
    "discrete_gaussian_noise",
    "exact_sigma",
    "rational_variance",
]
