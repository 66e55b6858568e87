"""Brute-force protection for password sign-in: per-account and per-client back-off, then a lockout.

Every attempt is charged before the password is checked (in one write transaction), so parallel
guesses cannot all slip past the check before the first failure is counted; a successful sign-in
takes its charge back. An account with k recorded failures must wait `backoff_s * 2**(k-2)` seconds
(at most a minute) after the last one (a first typo costs nothing); at its limit it is locked for `lockout_s`. A client address
gets no back-off, only a higher limit and the same lockout: behind a reverse proxy many people share
one address, and one person's typo must not slow everyone down. Failures older than `lockout_s`
are forgotten. Refused attempts are not charged, so a lockout ends on time however often someone
knocks.

State lives in the feedback database (table `login_throttle`), so every process that signs people in
with a password (the UI, and any API route that does) counts against the same limits. Unknown account
names are throttled like known ones, so the throttle says nothing about which names exist.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

import sqlite_utils

BACKOFF_MAX_S = 60.0


class ThrottleConfig(NamedTuple):
    max_failures: int = 5  # per account
    client_max_failures: int = 20  # per client address (a shared office address tries many accounts)
    lockout_s: float = 900.0
    backoff_s: float = 1.0

    @classmethod
    def from_settings(cls, settings: Any) -> ThrottleConfig:
        return cls(settings.login_max_failures, settings.login_client_max_failures, settings.login_lockout_s,
                   settings.login_backoff_s)


class Verdict(NamedTuple):
    """Whether an attempt may go ahead; when not, which key refused it and for how long."""

    allowed: bool
    retry_after_s: float = 0.0
    key: str = ""
    locked: bool = False  # the key is at its failure limit (not just backing off)


def throttle_keys(name: str, client: str | None) -> list[str]:
    """The keys one sign-in attempt counts against (names are case-insensitive, like the users table)."""
    keys = [f"account:{name.strip().casefold()}"]
    return keys + [f"client:{client}"] if client else keys


def wait_s(failures: int, last_at: float, now: float, limit: int, backoff_s: float,
           lockout_s: float) -> tuple[float, bool]:
    """(seconds until a key with `failures` recorded failures, the last at `last_at`, may try again; locked)."""
    if failures <= 0 or now - last_at >= lockout_s:
        return 0.0, False
    if failures >= limit:
        return last_at + lockout_s - now, True
    if failures == 1:
        return 0.0, False
    delay = min(backoff_s * 2 ** (failures - 2), BACKOFF_MAX_S)
    return max(0.0, last_at + delay - now), False


class LoginThrottle:
    def __init__(self, clock: Callable[[], datetime], config: ThrottleConfig | None = None):
        config = config or ThrottleConfig()
        if config.max_failures < 1 or config.client_max_failures < 1:
            raise ValueError(f"login failure limits must be at least 1, got {config.max_failures} and "
                             f"{config.client_max_failures}")
        self._clock, self.config = clock, config

    def limit(self, key: str) -> int:
        return self.config.client_max_failures if key.startswith("client:") else self.config.max_failures

    def _wait(self, key: str, failures: int, last_at: float, now: float) -> tuple[float, bool]:
        backoff = 0.0 if key.startswith("client:") else self.config.backoff_s
        return wait_s(failures, last_at, now, self.limit(key), backoff, self.config.lockout_s)

    def charge(self, db: sqlite_utils.Database, keys: list[str]) -> Verdict:
        """Inside the caller's write transaction: refuse the attempt, or count it as a failure up front."""
        now = self._clock().timestamp()
        db.execute("DELETE FROM login_throttle WHERE last_at < ?", [now - self.config.lockout_s])
        rows = {k: (f, t) for k, f, t in db.execute(
            f"SELECT key, failures, last_at FROM login_throttle WHERE key IN ({', '.join('?' * len(keys))})", keys)}
        waits = [(*self._wait(k, *rows.get(k, (0, now)), now), k) for k in keys]
        wait, locked, key = max(waits)
        if wait > 0:
            return Verdict(False, wait, key, locked)
        for k in keys:
            db.execute("INSERT INTO login_throttle (key, failures, last_at) VALUES (?, 1, ?) ON CONFLICT(key) "
                       "DO UPDATE SET failures = failures + 1, last_at = excluded.last_at", [k, now])
        return Verdict(True)

    def refund(self, db: sqlite_utils.Database, keys: list[str]) -> None:
        """The attempt succeeded: the account starts afresh; the client only gets this attempt back."""
        for k in keys:
            if k.startswith("account:"):
                db.execute("DELETE FROM login_throttle WHERE key = ?", [k])
            else:
                db.execute("UPDATE login_throttle SET failures = max(0, failures - 1) WHERE key = ?", [k])

    def newly_locked(self, db: sqlite_utils.Database, keys: list[str]) -> list[tuple[str, int]]:
        """Keys whose failure this attempt was reached their limit just now: (key, failures), to audit once."""
        marks = ", ".join("?" * len(keys))
        rows = db.execute(f"SELECT key, failures FROM login_throttle WHERE key IN ({marks})", keys).fetchall()
        return [(k, f) for k, f in rows if f == self.limit(k)]
