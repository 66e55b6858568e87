"""SQLite plumbing shared by the usage ledger and the response cache: WAL, numbered migrations, one lock."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import sqlite_utils

from deflectkit.core.migrations import Migration, run_migrations


def open_db(path: Path | str | None, migrations: Sequence[Migration]) -> sqlite_utils.Database:
    """Open (or create) a database and apply pending migrations. path=None gives an in-memory one.

    The connection may be used from several threads (Streamlit runs each session in its own);
    callers serialise access with their own lock.
    """
    if path is None:
        conn = sqlite3.connect(":memory:", check_same_thread=False)
    else:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10.0)
    db = sqlite_utils.Database(conn)
    if path is not None:
        db.enable_wal()
    run_migrations(db, migrations)  # all pending in one write transaction: two processes never race
    return db
