"""SQLite plumbing: one connection per thread and process, WAL, and write transactions that never lose a row.

Writers take the lock up front (BEGIN IMMEDIATE): a deferred transaction that reads and then writes can fail
with "database is locked" without waiting at all in WAL mode. busy_timeout makes a writer wait for the lock;
tenacity retries the whole transaction if it still could not get it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import sqlite_utils
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

from deflectkit.core.errors import StoreBusy

log = logging.getLogger(__name__)
T = TypeVar("T")


def is_locked(exc: BaseException) -> bool:
    msg = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in msg or "busy" in msg)


class Connections:
    """Hands each thread (and each forked process) its own sqlite-utils Database on one file."""

    def __init__(self, path: Path | str, busy_timeout_s: float = 10.0):
        if busy_timeout_s <= 0:
            raise ValueError(f"busy_timeout_s must be greater than 0, got {busy_timeout_s}.")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        # Weak: when a thread ends (Streamlit runs each rerun in a new one) its connection is freed and closed.
        self._opened: weakref.WeakSet[sqlite_utils.Database] = weakref.WeakSet()
        self._lock = threading.Lock()

    @property
    def db(self) -> sqlite_utils.Database:
        local = self._local
        # A connection must not cross fork(): a child process opens its own.
        if getattr(local, "pid", None) != os.getpid():
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, check_same_thread=False)
            db = sqlite_utils.Database(conn, execute_plugins=False)
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            conn.execute("PRAGMA synchronous = NORMAL")  # durable in WAL mode up to the last checkpoint-free commit
            local.db, local.pid = db, os.getpid()
            with self._lock:
                self._opened.add(db)
        return local.db

    @property
    def open_connections(self) -> int:
        return len(self._opened)

    def enable_wal(self) -> None:
        self.retrying(self.db.enable_wal)

    def retrying(self, fn: Callable[[], T]) -> T:
        retry = Retrying(
            retry=retry_if_exception(is_locked),
            stop=stop_after_delay(self.busy_timeout_s * 3),
            wait=wait_random_exponential(multiplier=0.02, max=0.5),
            reraise=True,
        )
        try:
            return retry(fn)
        except sqlite3.OperationalError as e:
            if is_locked(e):
                raise StoreBusy(f"{self.path} stayed locked for over {self.busy_timeout_s * 3:.0f}s: another process "
                                "holds a long write. Retry, or raise DEFLECT_FEEDBACK_BUSY_TIMEOUT_S.") from e
            raise

    def write(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run fn(db) in one immediate transaction, retried as a whole while the database is locked."""

        def attempt() -> T:
            db = self.db
            db.execute("BEGIN IMMEDIATE")
            try:
                result = fn(db)
                db.execute("COMMIT")
            except BaseException:
                db.rollback()
                raise
            return result

        return self.retrying(attempt)

    def read(self, sql: str, params: list | tuple = ()) -> list[sqlite3.Row | tuple]:
        return self.db.conn.execute(sql, params).fetchall()

    def query(self, sql: str, params: list | tuple = ()) -> list[dict]:
        cur = self.db.conn.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def close(self) -> None:
        with self._lock:
            for db in list(self._opened):
                db.conn.close()
            self._opened.clear()
        self._local = threading.local()
