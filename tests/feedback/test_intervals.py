"""Intervals against published and hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from feedback.intervals import bootstrap, bootstrap_diff, median, newcombe, p95, sample_size, wilson

pytestmark = pytest.mark.unit


def test_wilson_and_newcombe_match_newcombe_1998():
    # Newcombe (1998), Statistics in Medicine 17: 81/263 -> 0.2553-0.3662 (method 3);
    # 56/70 vs 48/80 -> difference 0.2000, 0.0524-0.3339 (method 10).
    p, low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    d, low, high = newcombe(48, 80, 56, 70)
    assert (round(d, 4), round(low, 4), round(high, 4)) == (0.2, 0.0524, 0.3339)
    assert wilson(0, 10).low == 0.0 and wilson(10, 10).high == 1.0
    assert wilson(0, 0) == (None, None, None) and newcombe(1, 2, 0, 0) == (None, None, None)
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson(3, 2)


def test_sample_size_is_the_two_proportion_formula():
    # (1.95996 * sqrt(2 * .525 * .475) + 0.84162 * sqrt(.25 + .2475))^2 / .05^2 = 1564.5 -> 1565
    assert sample_size(0.5, 0.55) == 1565
    assert sample_size(0.1, 0.2) == 199
    with pytest.raises(ValueError, match="must differ"):
        sample_size(0.3, 0.3)


def test_bootstraps_are_seeded_and_hold_their_estimate():
    a, b = np.arange(100.0), np.arange(100.0) + 5
    assert bootstrap_diff(a, b, seed=1) == bootstrap_diff(a, b, seed=1)
    d = bootstrap_diff(a, b)
    assert d.value == 5.0 and d.low < 5.0 < d.high
    q = bootstrap_diff(a, b, p95)
    assert q.value == pytest.approx(5.0) and q.low <= q.value <= q.high
    m = bootstrap([1.0, 2.0, 3.0, 10.0], median)
    assert m.value == 2.5 and m.low <= 2.5 <= m.high
    # a big group is resampled in blocks and gives the same kind of answer
    big = bootstrap_diff(np.zeros(50_000), np.ones(10), samples=300)
    assert big == (1.0, 1.0, 1.0)
    assert bootstrap([]) == (None, None, None) and bootstrap_diff([], [1.0]) == (None, None, None)
