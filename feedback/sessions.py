"""Browser sessions that survive a page reload: a random token in a cookie, its sha256 here, with an expiry.

    token = store.sessions.issue("ana", hours=12)   # at sign-in; the cookie gets the token
    store.sessions.resume(token)                    # on reload: the user name, or None (unknown, expired, revoked)
    store.sessions.revoke(token)                    # sign-out
    store.sessions.revoke_user("ana")               # password reset, disable, delete

Only the hash is stored, so a copy of the database cannot sign anyone in. The caller re-reads the user
(role, disabled) on every request: a session names a user, it never carries a role.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from deflectkit.core.db import Connections


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionStore:
    def __init__(self, conns: Connections, clock: Callable[[], datetime]):
        self._conns = conns
        self._clock = clock

    def issue(self, user: str, hours: float) -> str:
        """A new token for `user`, valid for `hours` (fresh on every sign-in, so it cannot be fixed ahead)."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        row = {"token_hash": token_hash(token), "user": user, "created_at": now.isoformat(),
               "expires_at": (now + timedelta(hours=hours)).isoformat(), "revoked_at": None}

        def write(db) -> None:
            # Expired sessions are dropped as new ones come in, so the table stays small.
            db.execute("DELETE FROM ui_sessions WHERE expires_at < ?", [now.isoformat()])
            db["ui_sessions"].insert(row)

        self._conns.write(write)
        return token

    def resume(self, token: str | None) -> str | None:
        """The user name of a live session, or None."""
        if not isinstance(token, str) or not token:
            return None
        rows = self._conns.query("SELECT user, expires_at, revoked_at FROM ui_sessions WHERE token_hash = ?",
                                 [token_hash(token)])
        if not rows or rows[0]["revoked_at"] or rows[0]["expires_at"] <= self._clock().isoformat():
            return None
        return rows[0]["user"]

    def revoke(self, token: str | None) -> None:
        if token:
            self._revoke("token_hash = ?", token_hash(token))

    def revoke_user(self, user: str) -> int:
        """End every session of `user`; returns how many were live."""
        return self._revoke("user = ? COLLATE NOCASE", user)

    def _revoke(self, where: str, value: str) -> int:
        now = self._clock().isoformat()
        return self._conns.write(lambda db: db.execute(
            f"UPDATE ui_sessions SET revoked_at = ? WHERE {where} AND revoked_at IS NULL", [now, value]).rowcount)
