"""API keys: created once, shown once, stored as a SHA-256 hash, scoped, revocable, every use audited.

A key is `dk_<key id>_<secret>`: the id finds the row without scanning, the 256-bit secret makes guessing
pointless, so a fast hash is enough (argon2 is for human passwords). Rate limits are counted in the same
SQLite file, per key and minute, so they hold across API worker processes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from deflectkit.core.db import Connections
from feedback.audit import AuditLog
from feedback.errors import FeedbackError
from feedback.throttle import LoginThrottle

Scope = Literal["draft", "feedback", "admin", "selfservice"]
SCOPES: tuple[str, ...] = Scope.__args__
_NAME = re.compile(r"^[\w.@+-]{1,64}$")
_KEY = re.compile(r"^dk_([0-9a-f]{12})_([\w-]{20,})$")


class ApiKeyError(FeedbackError):
    """A key could not be created or changed (bad name or scope, exists, unknown)."""


class ApiKey(BaseModel):
    name: str
    scopes: list[str]
    created_at: str
    created_by: str = ""
    revoked_at: str | None = None
    last_used_at: str | None = None

    def allows(self, scope: str) -> bool:
        # An admin key may do everything a narrower key may.
        return scope in self.scopes or "admin" in self.scopes


class NewKey(BaseModel):
    """What `keys add` prints once: the only time the secret exists outside the caller's hands."""

    name: str
    key: str
    scopes: list[str]


class KeyCheck(BaseModel):
    """The outcome of presenting a key on one request."""

    status: Literal["ok", "unknown", "revoked", "rate_limited", "throttled"]
    key: ApiKey | None = None
    retry_after_s: int = Field(0, description="Seconds until the next window (rate limited) or the end of the "
                               "client's lockout (throttled).")


def parse_scopes(text: str | list[str]) -> list[str]:
    items = text if isinstance(text, list) else [s for s in text.replace(" ", ",").split(",")]
    scopes = sorted({s.strip().lower() for s in items if s.strip()})
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise ApiKeyError(f"Unknown or missing scopes {bad or '(none)'}: use a comma list of {', '.join(SCOPES)}.")
    return scopes


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiKeyStore:
    def __init__(self, conns: Connections, audit: AuditLog, clock: Callable[[], datetime],
                 throttle: LoginThrottle | None = None):
        self._conns = conns
        self._audit = audit
        self._clock = clock
        self._throttle = throttle or LoginThrottle(clock)

    def add(self, name: str, scopes: str | list[str], actor: str = "cli") -> NewKey:
        if not _NAME.match(name or ""):
            raise ApiKeyError(f"Bad key name {name!r}: use 1-64 letters, digits or . _ @ + -.")
        scopes = parse_scopes(scopes)
        key_id = secrets.token_hex(6)
        key = f"dk_{key_id}_{secrets.token_urlsafe(32)}"

        def write(db) -> None:
            if db.execute("SELECT 1 FROM api_keys WHERE name = ?", [name]).fetchone():
                raise ApiKeyError(f"An API key named {name!r} exists already: pick another name, or revoke it first "
                                f"(deflect keys revoke {name}).")
            db["api_keys"].insert({"name": name, "key_id": key_id, "key_hash": _digest(key),
                                   "scopes": json.dumps(scopes), "created_at": self._clock().isoformat(),
                                   "created_by": actor, "revoked_at": None, "last_used_at": None})
            self._audit.append_in(db, "api_key_add", actor, target=name, details={"scopes": scopes})

        self._conns.write(write)
        return NewKey(name=name, key=key, scopes=scopes)

    def revoke(self, name: str, actor: str = "cli") -> ApiKey:
        def write(db) -> None:
            row = db.execute("SELECT revoked_at FROM api_keys WHERE name = ?", [name]).fetchone()
            if row is None:
                raise ApiKeyError(f"No API key named {name!r}. `deflect keys list` shows the names.")
            if row[0] is None:
                db.execute("UPDATE api_keys SET revoked_at = ? WHERE name = ?", [self._clock().isoformat(), name])
                self._audit.append_in(db, "api_key_revoke", actor, target=name)

        self._conns.write(write)
        return self.get(name)

    def get(self, name: str) -> ApiKey | None:
        rows = self._conns.query("SELECT * FROM api_keys WHERE name = ?", [name])
        return _key(rows[0]) if rows else None

    def list(self) -> list[ApiKey]:
        return [_key(r) for r in self._conns.query("SELECT * FROM api_keys ORDER BY name")]

    def check(self, presented: str, route: str, limit_per_minute: int, client: str | None = None) -> KeyCheck:
        """Look the key up, count it against its per-minute limit and audit the use, in one transaction.

        With `client` (the caller's address), wrong keys count against that address with the sign-in limits
        (feedback/throttle.py): past them a wrong key from it is 'throttled' until the lockout ends, so
        guessing learns nothing; a valid key still works (many callers may share one proxy address)."""
        m = _KEY.match((presented or "").strip())
        now = self._clock()
        window = int(now.timestamp() // 60)
        clients = [f"client:{client}"] if client else []

        def write(db) -> KeyCheck:
            verdict = self._throttle.charge(db, clients) if clients else None
            refused = verdict is not None and not verdict.allowed
            cur = db.execute("SELECT * FROM api_keys WHERE key_id = ?", [m.group(1) if m else ""])
            row = cur.fetchone()
            rec = dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None
            key = _key(rec) if rec and hmac.compare_digest(rec["key_hash"], _digest(presented.strip())) else None
            if key is None or key.revoked_at:
                if refused:
                    return KeyCheck(status="throttled", retry_after_s=max(1, round(verdict.retry_after_s)))
                return KeyCheck(status="revoked", key=key) if key else KeyCheck(status="unknown")
            if verdict is not None and verdict.allowed:
                self._throttle.refund(db, clients)  # a valid key takes its charge back
            db.execute("INSERT INTO api_rate (name, window, count) VALUES (?, ?, 1) "
                       "ON CONFLICT(name, window) DO UPDATE SET count = count + 1", [key.name, window])
            count = db.execute("SELECT count FROM api_rate WHERE name = ? AND window = ?", [key.name, window]).fetchone()[0]
            db.execute("DELETE FROM api_rate WHERE window < ?", [window - 1])
            if count > limit_per_minute:
                return KeyCheck(status="rate_limited", key=key, retry_after_s=max(1, 60 - int(now.timestamp() % 60)))
            db.execute("UPDATE api_keys SET last_used_at = ? WHERE name = ?", [now.isoformat(), key.name])
            self._audit.append_in(db, "api_key_use", key.name, target=route)
            return KeyCheck(status="ok", key=key)

        return self._conns.write(write)


def _key(row: dict) -> ApiKey:
    return ApiKey(name=row["name"], scopes=json.loads(row["scopes"]), created_at=row["created_at"],
                  created_by=row.get("created_by") or "", revoked_at=row.get("revoked_at"),
                  last_used_at=row.get("last_used_at"))
