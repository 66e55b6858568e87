"""The help-desk store: one SQLite file (settings.helpdesk_db) with one row per note.

A row is the help-desk ticket <-> deflectkit request mapping, the idempotency key of the ticket update it
answers, and the note's delivery state (drafting -> posting -> posted, or queued in the outbox until
`deflect helpdesk replay`). The note text is kept only until it is posted: the help desk has it then.
A row a crashed process left 'drafting' or 'posting' for `stale_after_s` is taken up again, so a crash
never silences a ticket for good.

    store = HelpDeskStore.from_settings(settings)
    row_id = store.claim(event)          # None: this event or ticket update already has a note
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from deflectkit.core.db import Connections
from deflectkit.core.migrations import run_migrations
from feedback.webhook import DeliveryResult
from integrations.models import HelpDeskEvent, Note, NoteRecord, NoteStatus


def m001_create_notes(db: sqlite_utils.Database) -> None:
    db.execute("""CREATE TABLE notes (
        id INTEGER PRIMARY KEY, helpdesk TEXT NOT NULL, event_id TEXT NOT NULL, ticket_id TEXT NOT NULL,
        stamp TEXT NOT NULL DEFAULT '', request_id TEXT, decision TEXT, note TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('drafting', 'posting', 'queued', 'posted')),
        attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL, posted_at TEXT)""")
    # The two idempotency keys: a redelivered event, and a second event about the same ticket update.
    db.execute("CREATE UNIQUE INDEX notes_event ON notes (helpdesk, event_id)")
    db.execute("CREATE UNIQUE INDEX notes_update ON notes (helpdesk, ticket_id, stamp)")
    db.execute("CREATE INDEX notes_status ON notes (status)")
    db.execute("CREATE INDEX notes_request ON notes (request_id)")


MIGRATIONS = [m001_create_notes]
_COLUMNS = ("id, helpdesk, event_id, ticket_id, stamp, request_id, decision, status, attempts, last_error, "
            "created_at, updated_at, posted_at")


def utc_now() -> datetime:
    return datetime.now(UTC)


class HelpDeskStore:
    def __init__(self, path: Path | str, *, busy_timeout_s: float = 10.0,
                 clock: Callable[[], datetime] = utc_now, stale_after_s: float = 600.0):
        self.path = Path(path)
        self._clock = clock
        self._stale_after = timedelta(seconds=stale_after_s)
        self._conns = Connections(self.path, busy_timeout_s)
        self._conns.enable_wal()
        run_migrations(self._conns.db, MIGRATIONS, write=self._conns.write)

    @classmethod
    def from_settings(cls, settings: Any, **kwargs: Any) -> HelpDeskStore:
        return cls(settings.helpdesk_db_path, busy_timeout_s=settings.feedback_busy_timeout_s,
                   stale_after_s=settings.helpdesk_stale_after_s, **kwargs)

    def close(self) -> None:
        self._conns.close()

    def _now(self) -> str:
        return self._clock().isoformat()

    def _stale_before(self) -> str:
        """Rows not touched since this time were left by a process that is gone."""
        return (self._clock() - self._stale_after).isoformat()

    # --- the life of one note ------------------------------------------------------------------
    def claim(self, event: HelpDeskEvent) -> int | None:
        """Take the event for drafting: the new row's id, or None when the event or its ticket update was
        claimed before (a redelivery, or a second event about the same update). Atomic across processes.
        A claim left 'drafting' by a process that died (untouched for `stale_after_s`) is taken over."""
        now, stale = self._now(), self._stale_before()

        def write(db) -> int | None:
            cur = db.execute(
                "INSERT OR IGNORE INTO notes (helpdesk, event_id, ticket_id, stamp, status, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, 'drafting', ?, ?)",
                [event.helpdesk, event.event_id, event.ticket_id, event.stamp, now, now])
            if cur.rowcount == 1:
                return cur.lastrowid
            row = db.execute(
                "SELECT id FROM notes WHERE helpdesk = ? AND (event_id = ? OR (ticket_id = ? AND stamp = ?)) "
                "AND status = 'drafting' AND updated_at < ? ORDER BY id LIMIT 1",
                [event.helpdesk, event.event_id, event.ticket_id, event.stamp, stale]).fetchone()
            if row is None:
                return None
            db.execute("UPDATE notes SET updated_at = ? WHERE id = ?", [now, row[0]])
            return row[0]

        return self._conns.write(write)

    def seen(self, event: HelpDeskEvent) -> NoteRecord | None:
        """The row that already answers this event or its ticket update, if any."""
        rows = self._conns.query(
            f"SELECT {_COLUMNS} FROM notes WHERE helpdesk = ? AND (event_id = ? OR (ticket_id = ? AND stamp = ?)) "
            "ORDER BY id LIMIT 1", [event.helpdesk, event.event_id, event.ticket_id, event.stamp])
        return NoteRecord(**rows[0]) if rows else None

    def release(self, row_id: int) -> None:
        """Drafting failed: forget the claim, so the help desk's redelivery may try again."""
        self._conns.write(lambda db: db.execute("DELETE FROM notes WHERE id = ? AND status = 'drafting'", [row_id]))

    def drafted(self, row_id: int, request_id: str, decision: str, note: Note) -> None:
        self._update(row_id, status="posting", request_id=request_id, decision=decision,
                     note=note.model_dump_json())

    def delivered(self, row_id: int, result: DeliveryResult) -> NoteRecord:
        """Record a delivery attempt: posted (the note text is dropped), or queued in the outbox."""
        now = self._now()

        def write(db) -> None:
            if result.ok:
                db.execute("UPDATE notes SET status = 'posted', note = '', attempts = attempts + ?, last_error = '', "
                           "updated_at = ?, posted_at = ? WHERE id = ?", [result.attempts, now, now, row_id])
            else:
                db.execute("UPDATE notes SET status = 'queued', attempts = attempts + ?, last_error = ?, "
                           "updated_at = ? WHERE id = ?", [result.attempts, result.error, now, row_id])

        self._conns.write(write)
        return self.get(row_id)

    def take_queued(self, helpdesks: list[str], limit: int | None = None) -> list[tuple[NoteRecord, Note]]:
        """Queued notes of these help desks, oldest first, each switched to 'posting' in the same
        transaction so that two replays running at once never post the same note twice. A note left
        'posting' by a process that died (untouched for `stale_after_s`) is taken again."""
        now, stale = self._now(), self._stale_before()

        def write(db) -> list[dict]:
            rows = db.execute(f"SELECT {_COLUMNS}, note FROM notes WHERE (status = 'queued' OR (status = 'posting' "
                              f"AND updated_at < ?)) AND helpdesk IN ({','.join('?' * len(helpdesks))}) "
                              "ORDER BY id LIMIT ?", [stale, *helpdesks, limit or -1]).fetchall()
            ids = [r[0] for r in rows]
            db.execute(f"UPDATE notes SET status = 'posting', updated_at = ? WHERE id IN ({','.join('?' * len(ids))})",
                       [now, *ids])
            cols = [*_COLUMNS.split(", "), "note"]
            return [dict(zip(cols, r, strict=True)) | {"status": "posting", "updated_at": now} for r in rows]

        taken = self._conns.write(write)
        return [(NoteRecord(**r), Note(**json.loads(r.pop("note")))) for r in taken]

    # --- reads ---------------------------------------------------------------------------------
    def get(self, row_id: int) -> NoteRecord:
        return NoteRecord(**self._conns.query(f"SELECT {_COLUMNS} FROM notes WHERE id = ?", [row_id])[0])

    def list(self, status: NoteStatus | None = None, ticket_id: str | None = None,
             request_id: str | None = None) -> list[NoteRecord]:
        """Rows oldest first; filters combine. status='queued' is the outbox."""
        used = {k: v for k, v in {"status": status, "ticket_id": ticket_id, "request_id": request_id}.items()
                if v is not None}
        where = " AND ".join(f"{k} = ?" for k in used)
        rows = self._conns.query(f"SELECT {_COLUMNS} FROM notes" + (f" WHERE {where}" if where else "")
                                 + " ORDER BY id", list(used.values()))
        return [NoteRecord(**r) for r in rows]

    def _update(self, row_id: int, **values: Any) -> None:
        values["updated_at"] = self._now()
        sets = ", ".join(f"{k} = ?" for k in values)
        self._conns.write(lambda db: db.execute(f"UPDATE notes SET {sets} WHERE id = ?", [*values.values(), row_id]))
