"""Users, roles and authentication: local accounts (argon2) or a trusted SSO header from a reverse proxy.

Permission table (`can(user, action)`):

    action      agent  admin  evaluator
    ask           x      x       x       ask the assistant for a draft
    feedback      x      x       x       thumbs, reasons, edits, "Use draft"
    escalate      x      x       x
    ingest               x               ingest documents
    index                x               activate / roll back index versions
    flags                x               feature flags and kill switches
    users                x               create users, change roles
    retention            x               apply retention
    audit                x               view and verify the audit log
    dashboards           x       x       (admins read what evaluators read)
    replay               x       x
    export               x       x       export feedback as a labeled dataset
    eval                         x       run evaluations

Trusted SSO headers: feedback/sso.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from deflectkit.core.config.feedback import Role
from deflectkit.core.db import Connections
from feedback.audit import AuditLog
from feedback.errors import LoginThrottled, UserError
from feedback.models import User
from feedback.throttle import LoginThrottle, throttle_keys

ROLES: tuple[str, ...] = Role.__args__
_BASE = frozenset({"ask", "feedback", "escalate"})
PERMISSIONS: dict[str, frozenset[str]] = {
    "agent": _BASE,
    # Admins see what evaluators see (dashboards, replay, export) but do not run evaluations.
    "admin": _BASE | {"ingest", "index", "flags", "users", "retention", "audit", "dashboards", "replay", "export"},
    "evaluator": _BASE | {"dashboards", "replay", "export", "eval"},
}
ACTIONS: frozenset[str] = frozenset().union(*PERMISSIONS.values())
_NAME = re.compile(r"^[\w.@+-]{1,128}$")


def can(user: User | None, action: str) -> bool:
    """True if the user's role allows the action. Unknown actions raise, so a typo cannot open or close a page."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}; known: {', '.join(sorted(ACTIONS))}.")
    return user is not None and not user.disabled and action in PERMISSIONS[user.role]


def _row_to_user(row: dict) -> User:
    return User(name=row["name"], role=row["role"], source=row["source"], created_at=row["created_at"],
                disabled=bool(row["disabled"]), has_password=bool(row["password_hash"]))


class UserStore:
    def __init__(self, conns: Connections, audit: AuditLog, clock: Callable[[], datetime],
                 hasher: PasswordHasher | None = None, throttle: LoginThrottle | None = None):
        self._conns = conns
        self._audit = audit
        self._clock = clock
        self._hasher = hasher or PasswordHasher()
        self._throttle = throttle or LoginThrottle(clock)
        self._dummy_hash: str | None = None

    def get(self, name: str) -> User | None:
        rows = self._conns.query("SELECT * FROM users WHERE name = ?", [name])
        return _row_to_user(rows[0]) if rows else None

    def list(self) -> list[User]:
        return [_row_to_user(r) for r in self._conns.query("SELECT * FROM users ORDER BY name")]

    def add(self, name: str, role: str, password: str | None = None, actor: str = "system",
            source: str = "local") -> User:
        """Create a user. Without a password the account can only sign in through the trusted SSO header."""
        name = name.strip()
        if not _NAME.match(name):
            raise UserError(f"Bad user name {name!r}: use 1-128 letters, digits or . _ @ + -.")
        _check_role(role)
        if self.get(name) is not None:  # before the password rules: "exists" is the message that helps
            raise UserError(f"User {name!r} already exists: pick another name, or change that user instead.")
        if password is not None and len(password) < 8:
            raise UserError("Password too short: use at least 8 characters.")
        pw_hash = self._hasher.hash(password) if password is not None else None

        def write(db) -> None:
            if db.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
                raise UserError(f"User {name!r} already exists.")
            db["users"].insert({"name": name, "role": role, "password_hash": pw_hash, "source": source,
                                "created_at": self._clock().isoformat(), "disabled": 0})
            self._audit.append_in(db, "user_add", actor, target=name, details={"role": role, "source": source})

        self._conns.write(write)
        return self.get(name)

    def update(self, name: str, actor: str, *, role: str | None = None, password: str | None = None,
               disabled: bool | None = None) -> User:
        changes: dict[str, Any] = {}
        if role is not None:
            changes["role"] = _check_role(role)
        if password is not None:
            if len(password) < 8:
                raise UserError("Password too short: use at least 8 characters.")
            changes["password_hash"] = self._hasher.hash(password)
        if disabled is not None:
            changes["disabled"] = int(disabled)

        def write(db) -> None:
            if not db.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
                raise UserError(f"No user {name!r}; create it with `deflect users add`.")
            sets = ", ".join(f"{k} = ?" for k in changes)
            db.execute(f"UPDATE users SET {sets} WHERE name = ?", [*changes.values(), name])
            shown = {k: v for k, v in changes.items() if k != "password_hash"}
            self._audit.append_in(db, "user_update", actor, target=name,
                                  details={**shown, "password_changed": "password_hash" in changes})

        if changes:
            self._conns.write(write)
        return self.get(name)

    def delete(self, name: str, actor: str) -> None:
        """Remove a user (audited). Their recorded interactions and feedback stay, under their name."""

        def write(db) -> None:
            row = db.execute("SELECT role FROM users WHERE name = ?", [name]).fetchone()
            if row is None:
                raise UserError(f"No user {name!r}.")
            db.execute("DELETE FROM users WHERE name = ?", [name])
            self._audit.append_in(db, "user_delete", actor, target=name, details={"role": row[0]})

        self._conns.write(write)

    def authenticate(self, name: str, password: str, client: str | None = None) -> User | None:
        """The user if the password matches a local, enabled account; audited as login / login_failed.

        `client` identifies where the attempt comes from (an IP address), for per-client throttling.
        Raises LoginThrottled, without checking the password, while the account or client is backing
        off or locked out (feedback/throttle.py); the start of a lockout is audited as login_lockout."""
        keys = throttle_keys(name, client)

        def charge(db):
            verdict = self._throttle.charge(db, keys)
            if not verdict.allowed:
                self._audit.append_in(db, "login_failed", name, details={
                    "via": "password", "throttled": True, "retry_after_s": round(verdict.retry_after_s)})
            return verdict

        verdict = self._conns.write(charge)
        if not verdict.allowed:
            raise LoginThrottled(verdict.retry_after_s, verdict.key.split(":", 1)[0], verdict.locked)
        rows = self._conns.query("SELECT * FROM users WHERE name = ?", [name])
        row = rows[0] if rows else None
        stored = row["password_hash"] if row and row["password_hash"] and not row["disabled"] else None
        ok = False
        try:
            # Verify against a dummy hash for unknown users so timing does not reveal which names exist.
            ok = self._hasher.verify(stored or self._dummy(), password) and stored is not None
        except (VerificationError, InvalidHashError):
            ok = False

        def write(db) -> None:
            if ok and self._hasher.check_needs_rehash(stored):
                db.execute("UPDATE users SET password_hash = ? WHERE name = ?", [self._hasher.hash(password), name])
            if ok:
                self._throttle.refund(db, keys)
            self._audit.append_in(db, "login" if ok else "login_failed", name, details={"via": "password"})
            for key, failures in [] if ok else self._throttle.newly_locked(db, keys):
                self._audit.append_in(db, "login_lockout", name, target=key, details={
                    "failures": failures, "lockout_s": self._throttle.config.lockout_s})

        self._conns.write(write)
        return _row_to_user(row) if ok else None

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash("not-a-real-password")
        return self._dummy_hash


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"Unknown role {role!r}; use one of: {', '.join(ROLES)}.")
    return role
