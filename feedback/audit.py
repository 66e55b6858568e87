"""Append-only, hash-chained audit log of sensitive actions, keyed with an HMAC.

Each row stores a hash of its fields and the previous row's hash. Triggers refuse UPDATE and DELETE; if
someone bypasses them (drops the triggers with plain sqlite3), `verify()` names the edited or deleted row.

Keyed chain (chain 2): the hash is an HMAC-SHA256 whose key lives outside the database (the env var
DEFLECT_AUDIT_KEY, or a key file, by default `<data_dir>/audit.key`, created 0600 on first use). Whoever can
write the database but not read the key can no longer edit a row and re-hash every later one: without the
key, the later rows' hashes cannot be recomputed. Keep the key file off the data volume in production
(DEFLECT_AUDIT_KEY_FILE), or anyone who can read the database can read the key too.

Rows written before the key (chain 1, plain SHA-256) still verify: the upgrade (migration
m007_audit_keyed_chain) writes one keyed `audit_keyed` row stating how many unkeyed rows precede it. Its
HMAC covers the link to the last of them, so they cannot be rewritten either, and an unkeyed row is
accepted only among that many first rows: rewriting keyed rows as unkeyed ones is caught.

Neither a key nor a chain notices the last rows deleted with `sqlite_sequence` lowered to match: keep
anchors (`anchor()`, `deflect audit anchor`: the head hash and row number) somewhere else, and check
against one with `verify(anchor=...)`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import sqlite_utils

from deflectkit.core.db import Connections
from feedback.errors import FeedbackError
from feedback.models import AuditEntry, AuditProblem, AuditReport

log = logging.getLogger(__name__)

GENESIS = "0" * 64
PLAIN, KEYED = 1, 2  # chain versions: SHA-256 (before keying), HMAC-SHA256
# Actions the app writes today; other modules may add more (the column is free text).
ACTIONS = ("login", "login_failed", "login_lockout", "login_refused", "logout", "ingest", "index_activate",
           "index_rollback", "flag_set", "escalation", "escalation_claim", "escalation_resolve", "export", "retention",
           "user_add", "user_update", "user_delete", "audit_keyed")


def canonical_json(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _body(seq: int, at: str, actor: str, action: str, target: str, details: str, prev_hash: str) -> bytes:
    return canonical_json({"seq": seq, "at": at, "actor": actor, "action": action, "target": target,
                           "details": details, "prev_hash": prev_hash}).encode("utf-8")


def row_hash(seq: int, at: str, actor: str, action: str, target: str, details: str, prev_hash: str) -> str:
    """Chain 1: plain SHA-256 (rows written before the log was keyed)."""
    return hashlib.sha256(_body(seq, at, actor, action, target, details, prev_hash)).hexdigest()


def row_mac(key: bytes, seq: int, at: str, actor: str, action: str, target: str, details: str,
            prev_hash: str) -> str:
    """Chain 2: HMAC-SHA256 under the audit key."""
    return hmac.new(key, _body(seq, at, actor, action, target, details, prev_hash), hashlib.sha256).hexdigest()


class Anchor(NamedTuple):
    """The head of the log at one moment: its row number and hash, written `HASH:SEQ`."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.hash}:{self.seq}"

    @classmethod
    def parse(cls, text: str) -> Anchor:
        h, _, seq = text.strip().rpartition(":")
        if len(h) != 64 or not seq.isdigit() or any(c not in "0123456789abcdef" for c in h):
            raise FeedbackError(f"Bad audit anchor {text.strip()[:80]!r}: expected HASH:ROW as printed by "
                                "`deflect audit anchor` (64 hex digits, a colon, a row number).")
        return cls(int(seq), h)


def load_key(path: Path, create: bool) -> bytes:
    """The key in `path`; made (random, file mode 0600) when missing and `create` is True."""
    try:
        data = path.read_bytes().strip()
    except FileNotFoundError:
        if not create:
            raise FeedbackError(
                f"The audit key file {path} is missing, but the audit log was keyed with it: restore the file, or "
                "point DEFLECT_AUDIT_KEY_FILE (or DEFLECT_AUDIT_KEY) at the key it was written with.") from None
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return load_key(path, create=False)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
        log.info("created audit key file %s", path)
        return path.read_bytes().strip()
    if not data:
        raise FeedbackError(f"The audit key file {path} is empty: restore the key, or delete the file on a log "
                            "that was never keyed.")
    if path.stat().st_mode & 0o077:
        log.warning("audit key file %s is readable by other users; chmod 600 it", path)
    return data


class AuditLog:
    def __init__(self, conns: Connections, clock: Callable[[], datetime], key: bytes | None = None,
                 key_file: Path | None = None):
        """`key` (DEFLECT_AUDIT_KEY), else the one in `key_file`, read (or made) on first use."""
        if key is None and key_file is None:
            raise ValueError("AuditLog needs a key or a key_file.")
        self._conns = conns
        self._clock = clock
        self._key, self._key_file = key, key_file

    def key(self, db: sqlite_utils.Database | None = None) -> bytes:
        if self._key is None:
            keyed = (db or self._conns.db).execute("SELECT 1 FROM audit WHERE chain = ? LIMIT 1", [KEYED]).fetchone()
            self._key = load_key(self._key_file, create=keyed is None)
        return self._key

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
        h = row_mac(self.key(db), seq, at, actor, action, target, text, prev)
        db.execute("INSERT INTO audit (seq, at, actor, action, target, details, prev_hash, hash, chain) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [seq, at, actor, action, target, text, prev, h, KEYED])
        return AuditEntry(seq=seq, at=at, actor=actor, action=action, target=target, details=details or {},
                          prev_hash=prev, hash=h, chain=KEYED)

    def seal_legacy(self, db: sqlite_utils.Database, applied: list[str]) -> None:
        """Right after m007_audit_keyed_chain, in its transaction: bind the unkeyed rows with one keyed row."""
        if "m007_audit_keyed_chain" not in applied:
            return
        n = db.execute("SELECT COUNT(*) FROM audit WHERE chain = ?", [PLAIN]).fetchone()[0]
        if n:
            self.append_in(db, "audit_keyed", "system", details={"legacy_rows": n})

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

    def anchor(self) -> Anchor:
        """The current head, to keep somewhere the database's writers cannot reach."""
        last = self._conns.read("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        return Anchor(*last[0]) if last else Anchor(0, GENESIS)

    def verify(self, anchor: Anchor | None = None) -> AuditReport:
        rows = self._conns.read("SELECT seq, at, actor, action, target, details, prev_hash, hash, chain "
                                "FROM audit ORDER BY seq")
        key = self.key() if any(r[8] == KEYED for r in rows) else b""
        return verify_rows(rows, self._conns.read("SELECT seq FROM sqlite_sequence WHERE name = 'audit'"), key,
                           anchor)


def verify_rows(rows: list, sequence: list, key: bytes = b"", anchor: Anchor | None = None) -> AuditReport:
    """Check every hash and link; a gap in seq (or a seq below the remembered maximum) is a deleted row.

    Rows are (seq, at, actor, action, target, details, prev_hash, hash[, chain]); chain 2 rows need `key`."""
    problems: list[AuditProblem] = []
    prev_seq, prev_hash = 0, GENESIS
    plain = keyed_seen = 0
    sealed: int | None = None  # unkeyed rows the keyed audit_keyed row vouches for
    for seq, at, actor, action, target, details, stored_prev, stored_hash, *rest in rows:
        chain = rest[0] if rest else PLAIN
        if seq != prev_seq + 1:
            missing = f"{prev_seq + 1}" if seq == prev_seq + 2 else f"{prev_seq + 1}-{seq - 1}"
            problems.append(AuditProblem(seq=prev_seq + 1, kind="deleted", detail=f"row(s) {missing} missing"))
        fields = (seq, at, actor, action, target, details, stored_prev)
        expected = row_mac(key, *fields) if chain == KEYED else row_hash(*fields)
        if not hmac.compare_digest(expected, stored_hash):
            keyed = chain == KEYED
            problems.append(AuditProblem(seq=seq, kind="edited", detail=f"row {seq} ({action} by {actor}) does not "
                                         f"match its {'keyed ' if keyed else ''}hash: it was changed after it was "
                                         f"written{', or the audit key differs' if keyed else ''}"))
        elif stored_prev != prev_hash and seq == prev_seq + 1:
            problems.append(AuditProblem(seq=seq, kind="broken_link", detail=f"row {seq} does not chain to row "
                                         f"{prev_seq}: one of the two was rewritten and re-hashed"))
        if chain == KEYED:
            keyed_seen += 1
            if action == "audit_keyed" and sealed is None:
                sealed = json.loads(details).get("legacy_rows", 0)
        else:
            plain += 1
            if keyed_seen:
                problems.append(AuditProblem(seq=seq, kind="unkeyed", detail=f"row {seq} is not keyed but follows "
                                             "keyed rows: it was rewritten by someone without the audit key"))
        prev_seq, prev_hash = seq, stored_hash
    if plain and plain != (sealed or 0) and not any(p.kind == "unkeyed" for p in problems):
        problems.append(AuditProblem(seq=1, kind="unkeyed", detail=(
            f"{plain} row(s) are not keyed and no keyed audit_keyed row vouches for them" if sealed is None else
            f"{plain} row(s) are not keyed, but the keyed audit_keyed row vouches for {sealed}")
            + ": rows were rewritten by someone without the audit key"))
    top = sequence[0][0] if sequence else 0
    if top > prev_seq:
        missing = f"{top}" if top == prev_seq + 1 else f"{prev_seq + 1}-{top}"
        problems.append(AuditProblem(seq=prev_seq + 1, kind="deleted", detail=f"last row(s) {missing} missing"))
    if anchor is not None:
        problems += _against_anchor(rows, anchor)
    return AuditReport(ok=not problems, rows=len(rows), head_seq=prev_seq, head_hash=prev_hash, problems=problems)


def _against_anchor(rows: list, anchor: Anchor) -> list[AuditProblem]:
    """The row the anchor names must still be there with the anchor's hash."""
    if anchor.seq == 0:
        return []
    at = next((r for r in rows if r[0] == anchor.seq), None)
    if at is None:
        last = rows[-1][0] if rows else 0
        return [AuditProblem(seq=anchor.seq, kind="truncated", detail=(
            f"the anchor names row {anchor.seq}, but the log ends at row {last}: rows were deleted")
            if last < anchor.seq else f"row {anchor.seq}, which the anchor names, is missing")]
    if at[7] != anchor.hash:
        return [AuditProblem(seq=anchor.seq, kind="rechained", detail=(
            f"row {anchor.seq} no longer has the anchor's hash {anchor.hash[:16]}…: the log up to it was "
            "rewritten after the anchor was taken"))]
    return []
