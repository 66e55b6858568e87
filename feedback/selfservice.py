"""Customer self-service outcomes: each question asked through the self-service path, whether it was
answered, and whether the customer said it resolved their question (kept on the interaction as
`customer_resolved`, which the ROI readout reads too). Deflection rate = resolved / asked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, Field

from deflectkit.core.db import Connections
from feedback.audit import AuditLog
from feedback.errors import UnknownInteraction


class SelfServiceAsk(BaseModel):
    request_id: str
    asked_at: str
    channel: str
    answered: bool
    index_version: int | None = None
    resolved: bool | None = Field(None, description="The customer's 'did this answer your question?'; None: no click.")


class DeflectionRow(BaseModel):
    """One day and index version of the self-service path."""

    day: str
    index_version: int | None
    asked: int
    answered: int
    resolved: int
    deflection_rate: float = Field(description="resolved / asked")


class SelfServiceStore:
    def __init__(self, conns: Connections, audit: AuditLog, clock: Callable[[], datetime]):
        self._conns, self._audit, self._clock = conns, audit, clock

    def record_ask(self, request_id: str, answered: bool, index_version: int | None, channel: str) -> SelfServiceAsk:
        """One question through self-service; asking again under the same request id keeps the first."""
        row = {"request_id": request_id, "asked_at": self._clock().isoformat(), "channel": channel,
               "answered": int(answered), "index_version": index_version}
        self._conns.write(lambda db: db["selfservice"].insert(row, ignore=True))
        return self.get(request_id)

    def record_resolved(self, request_id: str, resolved: bool, actor: str) -> SelfServiceAsk:
        """The customer's answer to 'did this help?'; a later click replaces an earlier one."""

        def write(db) -> None:
            if db.execute("SELECT 1 FROM selfservice WHERE request_id = ?", [request_id]).fetchone() is None:
                raise UnknownInteraction(request_id)
            db.execute("UPDATE interactions SET customer_resolved = ? WHERE request_id = ?",
                       [int(resolved), request_id])
            self._audit.append_in(db, "selfservice_resolved", actor, target=request_id,
                                  details={"resolved": resolved})

        self._conns.write(write)
        return self.get(request_id)

    def get(self, request_id: str) -> SelfServiceAsk | None:
        rows = self._conns.query(f"SELECT {_COLUMNS} WHERE s.request_id = ?", [request_id])
        return _ask(rows[0]) if rows else None

    def deflection(self) -> list[DeflectionRow]:
        """Per day (UTC date of the question) and index version, oldest first."""
        rows = self._conns.query(
            "SELECT substr(s.asked_at, 1, 10) AS day, s.index_version, COUNT(*) AS asked, "
            "SUM(s.answered) AS answered, SUM(COALESCE(i.customer_resolved, 0)) AS resolved "
            "FROM selfservice s LEFT JOIN interactions i USING (request_id) "
            "GROUP BY day, s.index_version ORDER BY day, s.index_version")
        return [DeflectionRow(**r, deflection_rate=(r["resolved"] / r["asked"]) if r["asked"] else 0.0)
                for r in rows]


_COLUMNS = ("s.request_id, s.asked_at, s.channel, s.answered, s.index_version, i.customer_resolved AS resolved "
            "FROM selfservice s LEFT JOIN interactions i USING (request_id)")


def _ask(row: dict) -> SelfServiceAsk:
    resolved = row["resolved"]
    return SelfServiceAsk(**{**row, "answered": bool(row["answered"]),
                             "resolved": None if resolved is None else bool(resolved)})
