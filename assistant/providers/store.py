"""SQLite plumbing shared by the usage ledger and the response cache: WAL, numbered migrations, one lock."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


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
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL)")
    done = {r[0] for r in db.execute("SELECT name FROM _migrations").fetchall()}
    for m in migrations:
        if m.__name__ not in done:
            with db.conn:
                m(db)
                db["_migrations"].insert({"name": m.__name__, "applied_at": time.time()}, replace=True)
    return db

