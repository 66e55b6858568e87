"""Retention: ticket, draft and edit text older than N days is redacted (rows kept for dashboards) or deleted.

A row is "old" when its interaction is older than the cutoff. Escalations whose webhook delivery is still
pending, and their outbox payloads, are kept until delivered: an escalation must not be lost to a cleanup. The audit log holds no ticket text and is never changed.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from deflectkit.core.db import Connections
from feedback.audit import AuditLog
from feedback.errors import FeedbackError
from feedback.models import REDACTED, RetentionReport

OLD = "request_id IN (SELECT request_id FROM interactions WHERE created_at < :cutoff)"
# table -> (text columns, which rows are old); dependents come before interactions so deletes can still join
TABLES: dict[str, tuple[tuple[str, ...], str]] = {
    "outbox": (("payload",), f"status = 'delivered' AND escalation_id IN (SELECT id FROM escalations WHERE {OLD})"),
    "feedback": (("comment",), OLD),
    "edits": (("final_text", "diff"), OLD),
    "sent": (("text",), OLD),
    "escalations": (("ticket", "draft", "note", "resolution"),
                    f"{OLD} AND id NOT IN (SELECT escalation_id FROM outbox WHERE status = 'pending')"),
    "shadow_answers": ((), "created_at < :cutoff"),
    "interactions": (("ticket", "draft"), "created_at < :cutoff"),
}
ANSWER_JSON = ("shadow_answers", "interactions")  # their answer_json is redacted field by field


def redact_answer_json(text: str) -> str:
    answer = json.loads(text)
    answer["ticket"] = answer["draft"] = REDACTED
    for s in answer.get("sentences", []):
        s["text"] = REDACTED
    answer["guardrails"] = []  # findings can quote the ticket
    return json.dumps(answer)


def apply(conns: Connections, audit: AuditLog, now: datetime, days: int, mode: str, actor: str,
          dry_run: bool = False) -> RetentionReport:
    if mode not in ("delete", "redact"):
        raise FeedbackError(f"retention_mode must be 'delete' or 'redact', got {mode!r}. Set DEFLECT_RETENTION_MODE.")
    if days < 0:
        raise FeedbackError(f"retention_days must be 0 (keep forever) or more, got {days}.")
    if days == 0:
        return RetentionReport(mode=mode, days=0, cutoff=None, dry_run=dry_run)
    cutoff = now - timedelta(days=days)
    args = {"cutoff": cutoff.isoformat(), "redacted": REDACTED, "now": now.isoformat()}

    def run(db) -> RetentionReport:
        kept = db.execute(f"SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND escalation_id IN "
                          f"(SELECT id FROM escalations WHERE {OLD})", args).fetchone()[0]
        rows: dict[str, int] = {}
        for table, (columns, old) in TABLES.items():
            where = old if mode == "delete" else f"({old}) AND redacted_at IS NULL"
            if dry_run:
                rows[table] = db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", args).fetchone()[0]
            elif mode == "delete":
                rows[table] = db.execute(f"DELETE FROM {table} WHERE {where}", args).rowcount
            else:
                if table in ANSWER_JSON:
                    for rowid, text in db.execute(f"SELECT rowid, answer_json FROM {table} WHERE ({where}) "
                                                  "AND answer_json IS NOT NULL", args).fetchall():
                        db.execute(f"UPDATE {table} SET answer_json = ? WHERE rowid = ?",
                                   [redact_answer_json(text), rowid])
                sets = "".join(f"{c} = :redacted, " for c in columns)
                rows[table] = db.execute(f"UPDATE {table} SET {sets}redacted_at = :now WHERE {where}", args).rowcount
        report = RetentionReport(mode=mode, days=days, cutoff=cutoff, dry_run=dry_run, rows=rows,
                                 outbox_pending_kept=kept)
        if not dry_run:
            audit.append_in(db, "retention", actor, details={"mode": mode, "days": days, "rows": rows,
                                                              "outbox_pending_kept": kept})
        return report

    return conns.write(run)
