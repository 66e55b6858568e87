"""Append-only, hash-chained audit log of sensitive actions.

Each row stores sha256(canonical JSON of its fields + the previous row's hash). Triggers refuse UPDATE and
DELETE; if someone bypasses them (drops the triggers with plain sqlite3), `verify()` names the edited or
deleted row. A chain cannot stop whoever holds the file from rewriting the whole tail consistently: keep the
`head_hash` from `verify()` somewhere else (a ticket, a log shipper) if that matters.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime

import sqlite_utils

from deflectkit.core.db import Connections
from feedback.models import AuditEntry, AuditProblem, AuditReport

GENESIS = "0" * 64
# Actions the app writes today; other modules may add more (the column is free text).
ACTIONS = ("login", "login_failed", "login_lockout", "ingest", "index_activate", "index_rollback", "flag_set", "escalation",
           "export", "retention", "user_add", "user_update")


def canonical_json(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def row_hash(seq: int, at: str, actor: str, action: str, target: str, details: str, prev_hash: str) -> str:
    body = canonical_json({"seq": seq, "at": at, "actor": actor, "action": action, "target": target,
                           "details": details, "prev_hash": prev_hash})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class AuditLog:
    def __init__(self, conns: Connections, clock: Callable[[], datetime]):
        self._conns = conns
        self._clock = clock

    def append(self, action: str, actor: str, target: str = "", details: dict | None = None) -> AuditEntry:
        """Append one row in its own transaction."""
        return self._conns.write(lambda db: self.append_in(db, action, actor, target, details))

    def append_in(self, db: sqlite_utils.Database, action: str, actor: str, target: str = "",
                  details: dict | None = None) -> AuditEntry:
        """Append inside the caller's write transaction, so the action and its audit row commit together."""
        if not db.conn.in_transaction:
            raise RuntimeError("append_in needs an open write transaction; use append() instead.")
        last = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        top = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
        seq = max(top[0] if top else 0, last[0] if last else 0) + 1
        prev = last[1] if last else GENESIS
        at = self._clock().isoformat()
        text = canonical_json(details or {})
        h = row_hash(seq, at, actor, action, target, text, prev)
        db.execute("INSERT INTO audit (seq, at, actor, action, target, details, prev_hash, hash) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [seq, at, actor, action, target, text, prev, h])
        return AuditEntry(seq=seq, at=at, actor=actor, action=action, target=target, details=details or {},
                          prev_hash=prev, hash=h)

    def entries(self, action: str | None = None, actor: str | None = None, limit: int = 100,
                offset: int = 0) -> list[AuditEntry]:
        """Newest first."""
        where, params = [], []
        if action:
            where.append("action = ?")
            params.append(action)
        if actor:
            where.append("actor = ?")
            params.append(actor)
        sql = "SELECT * FROM audit" + (f" WHERE {' AND '.join(where)}" if where else "")
        rows = self._conns.query(sql + " ORDER BY seq DESC LIMIT ? OFFSET ?", [*params, limit, offset])
        return [AuditEntry(**{**r, "details": json.loads(r["details"])}) for r in rows]

    def verify(self) -> AuditReport:
        return verify_rows(self._conns.read("SELECT seq, at, actor, action, target, details, prev_hash, hash "
                                            "FROM audit ORDER BY seq"),
                           self._conns.read("SELECT seq FROM sqlite_sequence WHERE name = 'audit'"))


def verify_rows(rows: list, sequence: list) -> AuditReport:
    """Check every hash and link; a gap in seq (or a seq below the remembered maximum) is a deleted row."""
    problems: list[AuditProblem] = []
    prev_seq, prev_hash = 0, GENESIS
    for seq, at, actor, action, target, details, stored_prev, stored_hash in rows:
        if seq != prev_seq + 1:
            missing = f"{prev_seq + 1}" if seq == prev_seq + 2 else f"{prev_seq + 1}-{seq - 1}"
            problems.append(AuditProblem(seq=prev_seq + 1, kind="deleted", detail=f"row(s) {missing} missing"))
        if row_hash(seq, at, actor, action, target, details, stored_prev) != stored_hash:
            problems.append(AuditProblem(seq=seq, kind="edited", detail=f"row {seq} ({action} by {actor}) does not "
                                         "match its hash: it was changed after it was written"))
        elif stored_prev != prev_hash and seq == prev_seq + 1:
            problems.append(AuditProblem(seq=seq, kind="broken_link", detail=f"row {seq} does not chain to row "
                                         f"{prev_seq}: one of the two was rewritten and re-hashed"))
        prev_seq, prev_hash = seq, stored_hash
    top = sequence[0][0] if sequence else 0
    if top > prev_seq:
        missing = f"{top}" if top == prev_seq + 1 else f"{prev_seq + 1}-{top}"
        problems.append(AuditProblem(seq=prev_seq + 1, kind="deleted", detail=f"last row(s) {missing} missing"))
    return AuditReport(ok=not problems, rows=len(rows), head_hash=prev_hash, problems=problems)
