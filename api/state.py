"""What the API itself remembers across workers: Idempotency-Key replays and background jobs.

Its own SQLite file (<data_dir>/api.db) through the shared connection helper, so any worker can answer
GET /v1/jobs/{id} for a job another worker runs, and a retried POST finds the first one's answer.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlite_utils
from pydantic import BaseModel

from deflectkit.core.db import Connections
from deflectkit.core.migrations import run_migrations

JobStatus = Literal["queued", "running", "succeeded", "failed"]


def m001_create_tables(db: sqlite_utils.Database) -> None:
    db["idempotency"].create({"name": str, "idem_key": str, "body_hash": str, "request_id": str, "status": str,
                              "created_at": str}, pk=("name", "idem_key"))
    db["jobs"].create({"id": str, "kind": str, "status": str, "actor": str, "created_at": str, "updated_at": str,
                       "progress": str, "report": str, "error": str}, pk="id")


MIGRATIONS = [m001_create_tables]


class Job(BaseModel):
    id: str
    kind: str
    status: JobStatus
    actor: str
    created_at: str
    updated_at: str
    progress: dict[str, Any] = {}
    report: dict[str, Any] | None = None
    error: str = ""


class Claim(BaseModel):
    """The outcome of presenting an Idempotency-Key: go ahead, replay a finished request, or a conflict."""

    status: Literal["new", "done", "pending", "conflict"]
    request_id: str


def body_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat()


class ApiState:
    def __init__(self, path: Path | str, busy_timeout_s: float = 10.0, clock: Callable[[], str] = _now):
        self._conns = Connections(path, busy_timeout_s)
        self._conns.enable_wal()
        self._clock = clock
        run_migrations(self._conns.db, MIGRATIONS, write=self._conns.write)

    def writable(self) -> bool:
        """True if a write transaction can be opened now (readiness check)."""
        try:
            self._conns.write(lambda db: db.execute("SELECT 1").fetchone())
            return True
        except Exception:  # noqa: BLE001 - any failure means not ready
            return False

    # --- Idempotency-Key -----------------------------------------------------------------------
    def claim(self, name: str, idem_key: str, digest: str, request_id: str) -> Claim:
        """Reserve (key name, Idempotency-Key) for this request, or say who holds it already."""

        def write(db) -> Claim:
            row = db.execute("SELECT body_hash, request_id, status FROM idempotency WHERE name = ? AND idem_key = ?",
                             [name, idem_key]).fetchone()
            if row is None:
                db["idempotency"].insert({"name": name, "idem_key": idem_key, "body_hash": digest,
                                          "request_id": request_id, "status": "pending", "created_at": self._clock()})
                return Claim(status="new", request_id=request_id)
            if row[0] != digest:
                return Claim(status="conflict", request_id=row[1])
            return Claim(status="done" if row[2] == "done" else "pending", request_id=row[1])

        return self._conns.write(write)

    def finish(self, name: str, idem_key: str, ok: bool) -> None:
        """Done: later retries replay it. Failed: the key is released so a retry drafts again."""
        if ok:
            self._conns.write(lambda db: db.execute(
                "UPDATE idempotency SET status = 'done' WHERE name = ? AND idem_key = ?", [name, idem_key]))
        else:
            self._conns.write(lambda db: db.execute(
                "DELETE FROM idempotency WHERE name = ? AND idem_key = ?", [name, idem_key]))

    def wait_done(self, name: str, idem_key: str, timeout_s: float) -> bool:
        """Poll until the first request with this key finished; False on timeout or if it failed."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            rows = self._conns.read("SELECT status FROM idempotency WHERE name = ? AND idem_key = ?", [name, idem_key])
            if not rows:
                return False
            if rows[0][0] == "done":
                return True
            time.sleep(0.05)
        return False

    # --- jobs ------------------------------------------------------------------------------------
    def create_job(self, kind: str, actor: str) -> Job:
        now = self._clock()
        row = {"id": uuid.uuid4().hex[:16], "kind": kind, "status": "queued", "actor": actor, "created_at": now,
               "updated_at": now, "progress": "{}", "report": None, "error": ""}
        self._conns.write(lambda db: db["jobs"].insert(row))
        return self.job(row["id"])

    def update_job(self, job_id: str, *, status: JobStatus | None = None, progress: dict | None = None,
                   report: dict | None = None, error: str | None = None) -> None:
        updates: dict[str, Any] = {"updated_at": self._clock()}
        if status is not None:
            updates["status"] = status
        if progress is not None:
            updates["progress"] = json.dumps(progress)
        if report is not None:
            updates["report"] = json.dumps(report, default=str)
        if error is not None:
            updates["error"] = error
        self._conns.write(lambda db: db["jobs"].update(job_id, updates))

    def job(self, job_id: str) -> Job | None:
        rows = self._conns.query("SELECT * FROM jobs WHERE id = ?", [job_id])
        if not rows:
            return None
        r = rows[0]
        return Job(**{**r, "progress": json.loads(r["progress"] or "{}"),
                      "report": json.loads(r["report"]) if r["report"] else None})

    def close(self) -> None:
        self._conns.close()
