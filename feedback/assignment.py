"""Deterministic assignment by a stable hash: the same key gets the same arm in every process and run.

sha256, never Python's hash(): that one is salted per process (PYTHONHASHSEED), so two API workers would
send one ticket to two releases. The salt (a canary's release, an experiment's name) makes each rollout
draw its own sample; a key's point stays put while a canary's percent grows, so a ticket in the 5%
stays in the 25%.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def stable_point(salt: str, key: str) -> float:
    """A point in [0, 100) for (salt, key), uniform over keys."""
    digest = hashlib.sha256(f"{salt}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100


def in_percent(salt: str, key: str, percent: float) -> bool:
    """True for about `percent`% of keys, the same ones every time; a key in at p is in at every q > p."""
    return stable_point(salt, key) < percent


def pick(salt: str, key: str, arms: Sequence[str]) -> str:
    """One of `arms`, evenly and stably by (salt, key)."""
    if not arms:
        raise ValueError("pick needs at least one arm")
    return arms[min(int(stable_point(salt, key) / 100 * len(arms)), len(arms) - 1)]
