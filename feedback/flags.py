"""Feature flags and kill switches, read by the assistant on every request.

`get_all()` is one primary-key-table scan of a few rows on the calling thread's open connection (no
transaction, no lock): cheap enough per request, and a change is seen by the very next request in every
process. `set()` validates the value and writes an audit row in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from deflectkit.core.config.providers import ProviderName
from deflectkit.core.db import Connections
from feedback.audit import AuditLog
from feedback.errors import FlagError


class Flags(BaseModel):
    generation_enabled: bool = Field(True, description="Kill switch: False = never call the LLM; escalate instead.")
    provider: ProviderName | None = Field(None, description="Override the configured LLM provider; None = use settings.")
    disabled_sources: list[str] = Field(default_factory=list,
                                        description="Doc ids or path prefixes the assistant must not cite.")


FLAG_NAMES: tuple[str, ...] = tuple(Flags.model_fields)


@cache
def _defaults() -> dict[str, Any]:
    return Flags().model_dump()


class FlagStore:
    def __init__(self, conns: Connections, audit: AuditLog, clock: Callable[[], datetime]):
        self._conns = conns
        self._audit = audit
        self._clock = clock

    def get_all(self) -> dict[str, Any]:
        """Every flag, stored values over defaults, as a plain dict."""
        values = {k: list(v) if isinstance(v, list) else v for k, v in _defaults().items()}
        for key, value in self._conns.db.conn.execute("SELECT key, value FROM flags").fetchall():
            if key in values:  # a flag dropped from Flags may linger in the table; ignore it
                values[key] = json.loads(value)
        return values

    def get(self) -> Flags:
        return Flags.model_validate(self.get_all())

    def set(self, key: str, value: Any, actor: str) -> dict[str, Any]:
        """Set one flag (validated against `Flags`), audited as flag_set. Returns all flags after the change."""
        if key not in FLAG_NAMES:
            raise FlagError(f"Unknown flag {key!r}. Known flags: {', '.join(FLAG_NAMES)}.")
        try:
            checked = Flags.model_validate({key: value}).model_dump()[key]
        except ValidationError as e:
            raise FlagError(f"Bad value for flag {key!r}: {e.errors()[0]['msg']} (got {value!r}).") from e

        def write(db) -> None:
            row = db.execute("SELECT value FROM flags WHERE key = ?", [key]).fetchone()
            old = json.loads(row[0]) if row else _defaults()[key]
            db["flags"].upsert({"key": key, "value": json.dumps(checked), "updated_at": self._clock().isoformat(),
                                "updated_by": actor}, pk="key")
            self._audit.append_in(db, "flag_set", actor, target=key, details={"old": old, "new": checked})

        self._conns.write(write)
        return self.get_all()
