"""Response cache: whole answers keyed by normalised ticket + index version + provider + prompt version.

PII: the key is a hash of the ticket text the caller passes, and that text must already be redacted
(the assistant passes Answer.ticket, the redacted ticket). Raw customer text never reaches this module,
so neither the key nor the stored value can carry it.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from assistant.providers.store import open_db


def m001_create_responses(db: sqlite_utils.Database) -> None:
    db["responses"].create(
        {"key": str, "value": str, "created_at": float, "provider": str, "index_version": int, "prompt_version": str},
        pk="key",
    )
    db["responses"].create_index(["created_at"])


MIGRATIONS = [m001_create_responses]


def normalise_ticket(text: str) -> str:
    """Same key for the same question typed differently: Unicode NFKC, case folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def cache_key(ticket: str, index_version: int | None, provider: str, prompt_version: str, scope: str = "") -> str:
    """`scope` names what else shaped the prompt (e.g. the chunk ids of its sources, which filters change)."""
    body = {"t": normalise_ticket(ticket), "i": index_version, "p": provider, "v": prompt_version}
    if scope:  # absent rather than empty, so keys made before scope existed stay valid
        body["s"] = scope
    payload = json.dumps(body, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ResponseCache:
    """get/put JSON-able dicts. `bypass=True` on get forces a miss (the fresh answer is then put as usual)."""

    def __init__(
        self,
        path: Path | str | None,
        ttl_s: float = 86400.0,
        enabled: bool = True,
        clock: Callable[[], float] = time.time,
    ):
        if ttl_s <= 0:
            raise ValueError(f"ttl_s must be greater than 0, got {ttl_s}. Set DEFLECT_RESPONSE_CACHE_TTL_S.")
        self.ttl_s = ttl_s
        self.enabled = enabled
        self._clock = clock
        self._path = path
        self._db: sqlite_utils.Database | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> ResponseCache:
        return cls(settings.cache_db_path, settings.response_cache_ttl_s, settings.response_cache_enabled)

    @property
    def db(self) -> sqlite_utils.Database:
        if self._db is None:  # opened on first use, so building a cache touches no disk
            self._db = open_db(self._path, MIGRATIONS)
        return self._db

    def get(
        self, ticket: str, index_version: int | None, provider: str, prompt_version: str, bypass: bool = False,
        scope: str = "",
    ) -> dict[str, Any] | None:
        if not self.enabled or bypass:
            return None
        key = cache_key(ticket, index_version, provider, prompt_version, scope)
        with self._lock:
            row = self.db.execute("SELECT value, created_at FROM responses WHERE key = ?", [key]).fetchone()
            if row is None:
                return None
            if self._clock() - row[1] > self.ttl_s:
                with self.db.conn:
                    self.db.execute("DELETE FROM responses WHERE key = ?", [key])
                return None
        return json.loads(row[0])

    def put(
        self, ticket: str, index_version: int | None, provider: str, prompt_version: str, value: dict[str, Any],
        scope: str = "",
    ) -> None:
        if not self.enabled:
            return
        key = cache_key(ticket, index_version, provider, prompt_version, scope)
        row = {
            "key": key, "value": json.dumps(value, ensure_ascii=False), "created_at": self._clock(),
            "provider": provider, "index_version": index_version, "prompt_version": prompt_version,
        }
        with self._lock, self.db.conn:
            self.db["responses"].upsert(row, pk="key")

    def purge_expired(self) -> int:
        """Delete expired entries; returns how many went."""
        with self._lock, self.db.conn:
            cur = self.db.execute("DELETE FROM responses WHERE created_at < ?", [self._clock() - self.ttl_s])
            return cur.rowcount

    def count_expired(self) -> int:
        with self._lock:
            return self.db.execute("SELECT count(*) FROM responses WHERE created_at < ?",
                                   [self._clock() - self.ttl_s]).fetchone()[0]

    def clear(self) -> None:
        with self._lock, self.db.conn:
            self.db.execute("DELETE FROM responses")
