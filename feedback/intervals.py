"""Intervals for comparing two groups of tickets (canary vs live, one desk variant vs another).

Pure functions over counts and lists. Shares use Wilson score intervals and, for a difference of two
shares, Newcombe's hybrid score interval (method 10 of Newcombe 1998): both stay inside [0, 1] and
behave at 0% and 100%, where the textbook normal interval collapses. Means and percentiles use a
seeded percentile bootstrap, each group resampled on its own (the groups are independent tickets).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from statistics import NormalDist
from typing import NamedTuple

import numpy as np

LEVEL = 0.95


class Interval(NamedTuple):
    value: float | None
    low: float | None
    high: float | None


NONE = Interval(None, None, None)


def _z(level: float) -> float:
    return NormalDist().inv_cdf(1 - (1 - level) / 2)


def wilson(k: int, n: int, level: float = LEVEL) -> Interval:
    """k of n with its Wilson score interval; no data gives (None, None, None)."""
    if n <= 0:
        return NONE
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    z, p = _z(level), k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return Interval(p, max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half)))


def newcombe(k1: int, n1: int, k2: int, n2: int, level: float = LEVEL) -> Interval:
    """p2 - p1 (group 2 minus group 1) with Newcombe's hybrid score interval."""
    if n1 <= 0 or n2 <= 0:
        return NONE
    p1, l1, u1 = wilson(k1, n1, level)
    p2, l2, u2 = wilson(k2, n2, level)
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return Interval(d, low, high)


def bootstrap_diff(a: Sequence[float], b: Sequence[float], stat: Callable[[np.ndarray], np.ndarray] | None = None,
                   samples: int = 1000, seed: int = 13, level: float = LEVEL) -> Interval:
    """stat(b) - stat(a) with a seeded percentile bootstrap; `stat` reduces axis 1 (default: the mean).

    Resamples are drawn in blocks so a large group (live traffic at a 5% canary) stays within memory."""
    x, y = np.asarray(a, float), np.asarray(b, float)
    if x.size == 0 or y.size == 0:
        return NONE
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    stat = stat or _mean
    rng = np.random.default_rng(seed)
    block = max(1, 2_000_000 // max(x.size, y.size))
    diffs = []
    for start in range(0, samples, block):
        m = min(block, samples - start)
        diffs.append(stat(y[rng.integers(0, y.size, (m, y.size))]) - stat(x[rng.integers(0, x.size, (m, x.size))]))
    draws = np.concatenate(diffs)
    point = float(stat(y[None, :])[0] - stat(x[None, :])[0])
    low, high = np.quantile(draws, [(1 - level) / 2, 1 - (1 - level) / 2])
    return Interval(point, float(min(low, point)), float(max(high, point)))


def bootstrap(values: Sequence[float], stat: Callable[[np.ndarray], np.ndarray] | None = None,
              samples: int = 1000, seed: int = 13, level: float = LEVEL) -> Interval:
    """stat(values) (default the mean; paired differences: pass the differences) with a seeded percentile
    bootstrap interval."""
    v = np.asarray(values, float)
    if v.size == 0:
        return NONE
    stat = stat or _mean
    draws = stat(v[np.random.default_rng(seed).integers(0, v.size, (samples, v.size))])
    low, high = np.quantile(draws, [(1 - level) / 2, 1 - (1 - level) / 2])
    point = float(stat(v[None, :])[0])
    return Interval(point, float(min(low, point)), float(max(high, point)))


def _mean(m: np.ndarray) -> np.ndarray:
    return m.mean(axis=1)


def median(m: np.ndarray) -> np.ndarray:
    """The median along axis 1 (a `stat` for the bootstraps)."""
    return np.median(m, axis=1)


def p95(m: np.ndarray) -> np.ndarray:
    """The 95th percentile along axis 1 (a `stat` for the bootstraps)."""
    return np.percentile(m, 95, axis=1)


def sample_size(p1: float, p2: float, level: float = LEVEL, power: float = 0.8) -> int:
    """Tickets per group to tell p1 from p2 with a two-sided test at `level` and `power` (the standard
    two-proportion formula with the pooled variance under the null)."""
    if p1 == p2:
        raise ValueError("p1 and p2 must differ to size a test")
    z_a, z_b = _z(level), NormalDist().inv_cdf(power)
    pbar = (p1 + p2) / 2
    n = (z_a * math.sqrt(2 * pbar * (1 - pbar)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2
    return math.ceil(n / (p1 - p2) ** 2)
