"""The feedback store's numbered schema migrations, applied by deflectkit.core.migrations (each runs once,
recorded in _migrations). Never edit a migration that has shipped; add the next number instead.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from deflectkit.core.db import Connections
from deflectkit.core.migrations import run_migrations

TEXT_COLUMNS = {"redacted_at": str}


def m001_create_tables(db: sqlite_utils.Database) -> None:
    db["interactions"].create(
        {"request_id": str, "user": str, "created_at": str, "decision": str, "confidence": float,
         "confidence_label": str, "index_version": int, "provider": str, "model": str, "prompt_version": str,
         "calibration_version": str, "latency_s": float, "cost": float, "tokens_in": int, "tokens_out": int,
         "ticket": str, "draft": str, "cited_doc_ids": str, "answer_json": str, **TEXT_COLUMNS},
        pk="request_id", not_null={"user", "created_at", "decision", "provider", "prompt_version"},
    )
    db["feedback"].create(
        {"id": int, "request_id": str, "user": str, "created_at": str, "thumbs": str, "reason": str,
         "comment": str, "out_of_scope": int, **TEXT_COLUMNS},
        pk="id", not_null={"request_id", "user", "created_at", "thumbs"},
    )
    db["edits"].create(
        {"id": int, "request_id": str, "user": str, "created_at": str, "final_text": str, "diff": str,
         **TEXT_COLUMNS}, pk="id", not_null={"request_id", "user", "created_at"},
    )
    db["sent"].create(
        {"id": int, "request_id": str, "user": str, "created_at": str, "text": str, "edited": int, **TEXT_COLUMNS},
        pk="id", not_null={"request_id", "user", "created_at"},
    )
    db["escalations"].create(
        {"id": int, "request_id": str, "user": str, "created_at": str, "reason": str, "note": str, "ticket": str,
         "draft": str, "webhook_status": str, "webhook_error": str, "webhook_attempts": int, **TEXT_COLUMNS},
        pk="id", not_null={"request_id", "user", "created_at", "reason", "webhook_status"},
    )
    db["outbox"].create(
        {"id": int, "escalation_id": int, "url": str, "payload": str, "status": str, "attempts": int,
         "last_error": str, "created_at": str, "delivered_at": str, **TEXT_COLUMNS},
        pk="id", not_null={"escalation_id", "payload", "status", "created_at"},
    )
    db["flags"].create({"key": str, "value": str, "updated_at": str, "updated_by": str}, pk="key")
    db.execute("""CREATE TABLE users (
        name TEXT PRIMARY KEY COLLATE NOCASE, role TEXT NOT NULL CHECK (role IN ('agent', 'admin', 'evaluator')),
        password_hash TEXT, source TEXT NOT NULL DEFAULT 'local', created_at TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0)""")
    # AUTOINCREMENT: sqlite_sequence remembers the highest seq, so a deleted tail row is still noticed.
    db.execute("""CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '', details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)""")
    for table in ("feedback", "edits", "sent", "escalations"):
        db[table].create_index(["request_id"])
    db["interactions"].create_index(["created_at"])
    db["interactions"].create_index(["index_version"])
    db["outbox"].create_index(["status"])


def m002_audit_append_only(db: sqlite_utils.Database) -> None:
    for op in ("UPDATE", "DELETE"):
        db.execute(f"""CREATE TRIGGER audit_no_{op.lower()} BEFORE {op} ON audit
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only: {op} refused'); END""")


def m003_interaction_outcomes(db: sqlite_utils.Database) -> None:
    # One row per interaction with what happened next; the latest feedback row wins.
    db.execute("""CREATE VIEW interaction_outcomes AS
        SELECT i.*, substr(i.created_at, 1, 10) AS day,
          (SELECT f.thumbs FROM feedback f WHERE f.request_id = i.request_id ORDER BY f.id DESC LIMIT 1) AS thumbs,
          (SELECT f.reason FROM feedback f WHERE f.request_id = i.request_id ORDER BY f.id DESC LIMIT 1) AS reason,
          EXISTS (SELECT 1 FROM edits e WHERE e.request_id = i.request_id) AS edited,
          EXISTS (SELECT 1 FROM escalations x WHERE x.request_id = i.request_id) AS escalated,
          (EXISTS (SELECT 1 FROM feedback f WHERE f.request_id = i.request_id AND f.out_of_scope)
           OR EXISTS (SELECT 1 FROM escalations x WHERE x.request_id = i.request_id AND x.reason = 'out_of_scope'))
            AS out_of_scope,
          EXISTS (SELECT 1 FROM sent s WHERE s.request_id = i.request_id) AS sent,
          (SELECT s.text FROM sent s WHERE s.request_id = i.request_id ORDER BY s.id DESC LIMIT 1) AS final_text
        FROM interactions i""")


def m004_api_keys(db: sqlite_utils.Database) -> None:
    # API keys (hashed) and per-key rate windows, beside the audit log that records each key's use;
    # self-service asks (the customer's 'did this help?' is interactions.customer_resolved, m005).
    db["api_keys"].create({"name": str, "key_id": str, "key_hash": str, "scopes": str, "created_at": str,
                           "created_by": str, "revoked_at": str, "last_used_at": str}, pk="name")
    db["api_keys"].create_index(["key_id"], unique=True)
    db["api_rate"].create({"name": str, "window": int, "count": int}, pk=("name", "window"))
    db["selfservice"].create({"request_id": str, "asked_at": str, "channel": str, "answered": int,
                              "index_version": int}, pk="request_id")
    db["selfservice"].create_index(["asked_at"])


def m005_ticket_opened_and_customer_resolved(db: sqlite_utils.Database) -> None:
    # opened_at: when the ticket was opened (help desk or desk), so handle time = open -> reply sent.
    # customer_resolved: the customer's "did this answer your question?" on a self-service answer
    # (1 yes, 0 no, NULL not asked). interaction_outcomes selects i.*, so it shows both columns as is.
    db.execute("ALTER TABLE interactions ADD COLUMN opened_at TEXT")
    db.execute("ALTER TABLE interactions ADD COLUMN customer_resolved INTEGER")


def m006_login_throttle(db: sqlite_utils.Database) -> None:
    # Failed sign-ins per account and per client (feedback/throttle.py); rows expire after the lockout.
    db.execute("""CREATE TABLE login_throttle (
        key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_at REAL NOT NULL)""")


def m007_audit_keyed_chain(db: sqlite_utils.Database) -> None:
    # Rows so far are chain 1 (plain SHA-256); new ones are HMAC-keyed (feedback/audit.py). The store seals
    # the chain-1 rows with one keyed row in this migration's transaction (AuditLog.seal_legacy).
    db.execute("ALTER TABLE audit ADD COLUMN chain INTEGER NOT NULL DEFAULT 1")


def m008_releases(db: sqlite_utils.Database) -> None:
    # Releases are immutable once created (a name is never reused), so every interaction can name the
    # one that drafted it. Pointers (live, shadow) are rows switched in one transaction; one canary runs
    # at a time; a shadow answer keeps the live answer's summary beside the candidate's full Answer.
    db["releases"].create(
        {"name": str, "version": str, "created_at": str, "created_by": str, "index_version": int,
         "prompt_version": str, "provider": str, "model": str, "calibration_version": str, "settings": str,
         "settings_hash": str, "note": str}, pk="name", not_null={"version", "created_at", "settings"})
    db["releases"].create_index(["version"], unique=True)
    db.execute("""CREATE TABLE release_pointers (
        role TEXT PRIMARY KEY CHECK (role IN ('live', 'shadow')), name TEXT NOT NULL REFERENCES releases(name),
        since TEXT NOT NULL, updated_by TEXT NOT NULL)""")
    db.execute("""CREATE TABLE canaries (
        id INTEGER PRIMARY KEY, release TEXT NOT NULL REFERENCES releases(name), baseline TEXT NOT NULL,
        stages TEXT NOT NULL, stage INTEGER NOT NULL DEFAULT 0, min_tickets INTEGER NOT NULL, gates TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'promoted', 'rolled_back', 'stopped')),
        started_at TEXT NOT NULL, stage_started_at TEXT NOT NULL, ended_at TEXT, halted_gate TEXT,
        offline TEXT NOT NULL, last_check TEXT, created_by TEXT NOT NULL)""")
    db.execute("CREATE UNIQUE INDEX canaries_one_running ON canaries (status) WHERE status = 'running'")
    db["release_errors"].create({"id": int, "release": str, "at": str, "kind": str}, pk="id",
                                not_null={"release", "at", "kind"})
    db["release_errors"].create_index(["release", "at"])
    db["shadow_answers"].create(
        {"request_id": str, "release": str, "created_at": str, "live_release": str, "live_decision": str,
         "live_confidence": float, "live_latency_s": float, "live_cited": str, "decision": str, "confidence": float,
         "latency_s": float, "cited": str, "error": str, "answer_json": str, **TEXT_COLUMNS},
        pk=("request_id", "release"), not_null={"created_at"})
    db["shadow_answers"].create_index(["release", "created_at"])
    db.execute("ALTER TABLE interactions ADD COLUMN release TEXT")
    db["interactions"].create_index(["release", "created_at"])


def m009_escalation_queue(db: sqlite_utils.Database) -> None:
    # The escalation queue: who claimed and resolved each escalation, and the resolver's reply (a labeled
    # example). One escalation per request: older double clicks become 'duplicate' so the unique index holds.
    for column, kind in (("claimed_by", str), ("claimed_at", str), ("resolved_by", str), ("resolved_at", str),
                         ("resolution", str), ("resolution_in_scope", int)):
        db["escalations"].add_column(column, kind)
    db.execute("ALTER TABLE escalations ADD COLUMN status TEXT NOT NULL DEFAULT 'open'")
    db.execute("""UPDATE escalations SET status = 'duplicate' WHERE id > (
        SELECT MIN(x.id) FROM escalations x WHERE x.request_id = escalations.request_id)""")
    db.execute("CREATE UNIQUE INDEX escalations_one_per_request ON escalations (request_id) "
               "WHERE status != 'duplicate'")
    db["escalations"].create_index(["status"])
    # Signed-in browser sessions: the cookie holds a random token, this table only its sha256.
    db["ui_sessions"].create(
        {"token_hash": str, "user": str, "created_at": str, "expires_at": str, "revoked_at": str},
        pk="token_hash", not_null={"user", "created_at", "expires_at"},
    )
    db["ui_sessions"].create_index(["user"])


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    m001_create_tables,
    m002_audit_append_only,
    m003_interaction_outcomes,
    m004_api_keys,
    m005_ticket_opened_and_customer_resolved,
    m006_login_throttle,
    m007_audit_keyed_chain,
    m008_releases,
    m009_escalation_queue,
]


def migrate(conns: Connections, then: Callable[[sqlite_utils.Database, list[str]], None] | None = None) -> list[str]:
    """Apply pending migrations; safe to call from many processes at once. Returns the names applied now.

    `then(db, applied)` runs in the same transaction, after them (only when some were pending)."""
    conns.enable_wal()

    def write(fn):
        def migrate_then(db):
            applied = fn(db)
            if then is not None:
                then(db, applied)
            return applied

        return conns.write(migrate_then)

    return run_migrations(conns.db, MIGRATIONS, write=write)
