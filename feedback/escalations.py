"""The escalation queue: escalated tickets go open -> claimed -> resolved, each step audited.

    queue = store.escalations
    queue.list("open")                          # oldest first
    queue.claim(escalation_id, "lee")           # claiming twice is a no-op; someone else's claim is refused
    queue.resolve(escalation_id, "lee", reply, in_scope=True)

The resolver's final reply is kept with the escalation as the ticket's reference answer (a labeled example,
with the resolver's in-scope label). Every action is idempotent: a double click records one change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from deflectkit.core.db import Connections
from feedback.audit import AuditLog
from feedback.errors import EscalationError
from feedback.models import QUEUE_STATUSES, Escalation


class EscalationQueue:
    def __init__(self, conns: Connections, audit: AuditLog, clock: Callable[[], datetime]):
        self._conns = conns
        self._audit = audit
        self._clock = clock

    def list(self, status: str | None = None, limit: int = 200) -> list[Escalation]:
        """Escalations in the queue (never the recorded duplicates), oldest first; one status or all."""
        if status is not None and status not in QUEUE_STATUSES:
            raise EscalationError(f"Unknown queue status {status!r}; use one of {', '.join(QUEUE_STATUSES)}.")
        statuses = [status] if status else list(QUEUE_STATUSES)
        marks = ", ".join("?" * len(statuses))
        rows = self._conns.query(f"SELECT * FROM escalations WHERE status IN ({marks}) ORDER BY id LIMIT ?",
                                 [*statuses, limit])
        return [Escalation(**r) for r in rows]

    def counts(self) -> dict[str, int]:
        rows = self._conns.read("SELECT status, COUNT(*) FROM escalations GROUP BY status")
        found = dict(rows)
        return {s: found.get(s, 0) for s in QUEUE_STATUSES}

    def get(self, escalation_id: int) -> Escalation:
        rows = self._conns.query("SELECT * FROM escalations WHERE id = ?", [escalation_id])
        if not rows:
            raise EscalationError(f"No escalation {escalation_id}: it may have been removed by retention.")
        return Escalation(**rows[0])

    def claim(self, escalation_id: int, user: str) -> Escalation:
        """Take an open escalation. Yours already, or resolved: unchanged. Someone else's: refused."""

        def write(db) -> None:
            row = self._row(db, escalation_id)
            if row["status"] == "claimed" and row["claimed_by"] != user:
                raise EscalationError(f"Escalation {escalation_id} is already claimed by {row['claimed_by']}.")
            if row["status"] != "open":
                return
            now = self._clock().isoformat()
            db.execute("UPDATE escalations SET status = 'claimed', claimed_by = ?, claimed_at = ? WHERE id = ?",
                       [user, now, escalation_id])
            self._audit.append_in(db, "escalation_claim", user, target=row["request_id"],
                                  details={"escalation_id": escalation_id})

        self._conns.write(write)
        return self.get(escalation_id)

    def resolve(self, escalation_id: int, user: str, reply: str, in_scope: bool) -> Escalation:
        """Close an escalation with the reply that went to the customer (claims it if still open).
        Resolving a resolved escalation changes nothing; one claimed by someone else is refused."""
        reply = (reply or "").strip()
        if not reply:
            raise EscalationError("Write the reply the customer got before resolving the escalation.")

        def write(db) -> None:
            row = self._row(db, escalation_id)
            if row["status"] == "resolved":
                return
            if row["status"] == "claimed" and row["claimed_by"] != user:
                raise EscalationError(f"Escalation {escalation_id} is claimed by {row['claimed_by']}: "
                                      "ask them, or an admin, to resolve it.")
            now = self._clock().isoformat()
            db.execute("UPDATE escalations SET status = 'resolved', claimed_by = COALESCE(claimed_by, ?), "
                       "claimed_at = COALESCE(claimed_at, ?), resolved_by = ?, resolved_at = ?, resolution = ?, "
                       "resolution_in_scope = ? WHERE id = ?",
                       [user, now, user, now, reply, int(in_scope), escalation_id])
            self._audit.append_in(db, "escalation_resolve", user, target=row["request_id"],
                                  details={"escalation_id": escalation_id, "in_scope": bool(in_scope)})

        self._conns.write(write)
        return self.get(escalation_id)

    @staticmethod
    def _row(db, escalation_id: int) -> dict:
        cur = db.execute("SELECT * FROM escalations WHERE id = ?", [escalation_id])
        row = cur.fetchone()
        if row is None:
            raise EscalationError(f"No escalation {escalation_id}: it may have been removed by retention.")
        return dict(zip([c[0] for c in cur.description], row, strict=True))
