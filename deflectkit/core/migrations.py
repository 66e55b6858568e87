"""Numbered schema migrations for the app's SQLite files (the simonw/llm pattern), shared by every store.

A store lists its migrations in order (`m001_create_tables`, `m002_…`); `run_migrations` applies
the ones the database has not recorded in its `_migrations` table. Never edit a migration that has
shipped; add the next number.

    MIGRATIONS = [m001_create_tables, m002_add_index]
    run_migrations(db, MIGRATIONS)            # on open; a no-op read when up to date
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import sqlite_utils

Migration = Callable[["sqlite_utils.Database"], None]
T = TypeVar("T")
Write = Callable[[Callable[["sqlite_utils.Database"], T]], T]


def applied_names(db: sqlite_utils.Database) -> set[str]:
    if not db["_migrations"].exists():
        return set()
    return {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}


def apply_pending(db: sqlite_utils.Database, migrations: Sequence[Migration]) -> list[str]:
    """Apply, in order, the migrations db has not recorded; the caller holds the write transaction."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL)")
    done = applied_names(db)
    applied = []
    for migration in migrations:
        if migration.__name__ not in done:
            migration(db)
            db["_migrations"].insert({"name": migration.__name__, "applied_at": time.time()})
            applied.append(migration.__name__)
    return applied


def run_migrations(
    db: sqlite_utils.Database, migrations: Sequence[Migration], *, write: Write | None = None
) -> list[str]:
    """Apply pending migrations; returns the names applied now.

    An up-to-date database is only read, so opening a store never waits for another process's long
    write. Otherwise everything pending runs in one write transaction, all or nothing, re-checked
    once the lock is held: two processes opening a fresh file at once apply each migration once.
    `write(fn)` runs fn(db) in the store's own write transaction (default: BEGIN IMMEDIATE on db).
    """
    check_numbered(migrations)
    if applied_names(db) >= {m.__name__ for m in migrations}:
        return []
    if write is not None:
        return write(lambda conn: apply_pending(conn, migrations))
    db.execute("BEGIN IMMEDIATE")  # take the write lock before reading what is applied
    try:
        applied = apply_pending(db, migrations)
        db.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise
    return applied


def check_numbered(migrations: Sequence[Migration]) -> None:
    """Names are m001_…, m002_… in list order: a gap or a duplicate is a merge mistake, caught on open."""
    names = [m.__name__ for m in migrations]
    numbers = [int(m[1]) if (m := re.match(r"m(\d{3})_", name)) else None for name in names]
    if numbers != list(range(1, len(names) + 1)):
        raise ValueError(f"Migrations must be named m001_…, m002_… in order, without gaps; got {names}.")
