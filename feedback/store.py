"""FeedbackStore: the one repository API over the feedback database that pages, CLI, evals and replay share.

    store = FeedbackStore(settings.feedback_db_path, webhook=WebhookConfig.from_settings(settings))
    store.record_interaction(answer, user="ana")        # after every answer
    store.record_feedback(answer.request_id, "ana", "down", reason="outdated_source")
    store.flags.get_all()                                # per request

Every free-text field an agent types (comment, edited reply, escalation note, a draft passed to an
escalation, and so the webhook payload made of them) passes the PII redactor on its way in; tickets
arrive redacted by the assistant (Answer.ticket). Nothing raw reaches the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
from argon2 import PasswordHasher
from pydantic import TypeAdapter, ValidationError

from assistant.models import Answer
from deflectkit.core.db import Connections
from feedback import dashboard, retention
from feedback.audit import AuditLog
from feedback.errors import FeedbackError, UnknownInteraction
from feedback.escalations import EscalationQueue
from feedback.flags import FlagStore
from feedback.keys import ApiKeyStore
from feedback.migrations import migrate
from feedback.models import (
    DashboardRow,
    DeliveryReport,
    Edit,
    Escalation,
    EscalationReason,
    Feedback,
    FeedbackFilter,
    Interaction,
    OutboxItem,
    ReasonCode,
    RetentionReport,
    SentDraft,
    Thumbs,
    TicketRecord,
)
from feedback.queries import (
    RECORD_COLUMNS,
    STATS_COLUMNS,
    as_utc,
    cited_docs,
    filter_sql,
    latency_of,
    page_sql,
    row_to_interaction,
    row_to_record,
    unified_diff,
)
from feedback.releases import ReleaseStore
from feedback.selfservice import SelfServiceStore
from feedback.sessions import SessionStore
from feedback.shadow import ShadowStore
from feedback.throttle import LoginThrottle, ThrottleConfig
from feedback.users import UserStore
from feedback.webhook import WebhookConfig, post_json

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


def _checked(kind: Any, value: T, what: str) -> T:
    try:
        return TypeAdapter(kind).validate_python(value)
    except ValidationError as e:
        raise FeedbackError(f"Bad {what} {value!r}: use one of {', '.join(map(str, kind.__args__))}.") from e


class FeedbackStore:
    def __init__(self, path: Path | str, *, webhook: WebhookConfig | None = None,
                 clock: Callable[[], datetime] = utc_now, busy_timeout_s: float = 10.0,
                 hasher: PasswordHasher | None = None, throttle: ThrottleConfig | None = None,
                 audit_key: bytes | None = None, audit_key_file: Path | None = None, redactor: Any | None = None):
        """`audit_key` keys the audit log's hash chain; without it, the key in `audit_key_file` (default
        audit.key beside the database), made on first use. `redactor`: anything with
        `redact(text) -> (text, counts)`; default the process's shared one."""
        self.path = Path(path)
        self.webhook = webhook
        self._redactor = redactor
        self._clock = clock
        self._conns = Connections(self.path, busy_timeout_s)
        self._http: httpx.Client | None = None  # made on the first delivery (building one loads TLS certificates)
        self.audit = AuditLog(self._conns, clock, audit_key, audit_key_file or self.path.with_name("audit.key"))
        migrate(self._conns, then=self.audit.seal_legacy)
        self.flags = FlagStore(self._conns, self.audit, clock)
        self.throttle = LoginThrottle(clock, throttle)  # one set of limits for every process on this file
        self.users = UserStore(self._conns, self.audit, clock, hasher, self.throttle)
        self.keys = ApiKeyStore(self._conns, self.audit, clock, self.throttle)
        self.selfservice = SelfServiceStore(self._conns, self.audit, clock)
        self.releases = ReleaseStore(self._conns, self.audit, clock)
        self.shadows = ShadowStore(self._conns, clock)
        self.escalations = EscalationQueue(self._conns, self.audit, clock)
        self.sessions = SessionStore(self._conns, clock)

    @classmethod
    def from_settings(cls, settings: Any, **kwargs: Any) -> FeedbackStore:
        key = settings.audit_key.get_secret_value().encode() if settings.audit_key else None
        return cls(settings.feedback_db_path, webhook=WebhookConfig.from_settings(settings),
                   busy_timeout_s=settings.feedback_busy_timeout_s, throttle=ThrottleConfig.from_settings(settings),
                   audit_key=key, audit_key_file=settings.audit_key_path, **kwargs)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
        self._conns.close()

    def _now(self) -> str:
        return self._clock().isoformat()

    def redact(self, text: str) -> str:
        """`text` with PII replaced by placeholders ([EMAIL], [PHONE], ...); blank text loads nothing."""
        if not text or not text.strip():
            return text
        if self._redactor is None:
            from assistant.redaction import shared_redactor

            self._redactor = shared_redactor()
        return self._redactor.redact(text)[0]

    # --- writes ------------------------------------------------------------------------------
    def record_interaction(self, answer: Answer, user: str, opened_at: datetime | None = None) -> Interaction:
        """Store an answer with its versions. Recording the same request_id again keeps the first one.

        Its ticket is redacted already (Answer.ticket is what the pipeline saw, after redaction).
        `opened_at`: when the ticket was opened (the help desk's created time, or when the agent opened
        it in the desk); handle time in the ROI readout runs from it to the reply sent."""
        row = {"request_id": answer.request_id, "user": user, "created_at": self._now(), "decision": answer.decision,
               "confidence": answer.confidence, "confidence_label": answer.confidence_label,
               "index_version": answer.index_version, "provider": answer.provider, "model": answer.model,
               "prompt_version": answer.prompt_version, "calibration_version": answer.calibration_version,
               "latency_s": latency_of(answer.timings), "cost": answer.cost, "tokens_in": answer.tokens_in,
               "tokens_out": answer.tokens_out, "ticket": answer.ticket, "draft": answer.draft,
               "cited_doc_ids": json.dumps(cited_docs(answer)), "answer_json": answer.model_dump_json(),
               "redacted_at": None, "opened_at": as_utc(opened_at).isoformat() if opened_at else None,
               "release": answer.release or None}
        self._conns.write(lambda db: db["interactions"].insert(row, ignore=True))
        return self.get_interaction(answer.request_id)

    def record_feedback(self, request_id: str, user: str, thumbs: Thumbs, reason: ReasonCode | None = None,
                        comment: str = "", out_of_scope: bool = False) -> Feedback:
        """Thumbs up/down with an optional reason code and free text; the latest one per interaction counts.
        Reason not_in_docs marks the ticket out of scope, as an out_of_scope escalation does."""
        out_of_scope = out_of_scope or reason == "not_in_docs"
        row = {"request_id": request_id, "user": user, "created_at": self._now(),
               "thumbs": _checked(Thumbs, thumbs, "thumbs"),
               "reason": None if reason is None else _checked(ReasonCode, reason, "reason code"),
               "comment": self.redact(comment), "out_of_scope": int(out_of_scope), "redacted_at": None}

        def write(db) -> int:
            self._draft(db, request_id)  # the interaction must exist
            return self._insert(db, "feedback", row)

        row["id"] = self._conns.write(write)
        return Feedback(**row)

    def record_edit(self, request_id: str, user: str, final_text: str, sent: bool = True) -> Edit:
        """The agent's edited text and its unified diff against the draft; sent=True also records the send."""
        final_text = self.redact(final_text)

        def write(db) -> dict:
            draft = self._draft(db, request_id)
            edit = {"request_id": request_id, "user": user, "created_at": self._now(), "final_text": final_text,
                    "diff": unified_diff(draft, final_text), "redacted_at": None}
            edit["id"] = self._insert(db, "edits", edit)
            if sent:
                self._insert(db, "sent", {"request_id": request_id, "user": user, "created_at": edit["created_at"],
                                          "text": final_text, "edited": 1, "redacted_at": None})
            return edit

        return Edit(**self._conns.write(write))

    def record_sent(self, request_id: str, user: str) -> SentDraft:
        """'Use draft': the draft went to the customer as-is. Recorded once per request: a second click
        returns the first record."""

        def write(db) -> dict:
            cur = db.execute("SELECT * FROM sent WHERE request_id = ? AND edited = 0 ORDER BY id LIMIT 1",
                             [request_id])
            if (found := cur.fetchone()) is not None:
                return dict(zip([c[0] for c in cur.description], found, strict=True))
            row = {"request_id": request_id, "user": user, "created_at": self._now(),
                   "text": self._draft(db, request_id), "edited": 0, "redacted_at": None}
            row["id"] = self._insert(db, "sent", row)
            return row

        return SentDraft(**self._conns.write(write))

    def record_escalation(self, request_id: str, user: str, reason: EscalationReason, note: str = "",
                          draft: str | None = None) -> Escalation:
        """Escalate to a human team. With a webhook configured, the payload is queued in the outbox in the
        same transaction, then POSTed; webhook_status says what happened (delivered / queued / disabled).
        One escalation per request: escalating it again (a double click) returns the first one unchanged."""
        reason = _checked(EscalationReason, reason, "escalation reason")
        note = self.redact(note)
        draft = None if draft is None else self.redact(draft)

        def write(db) -> tuple[int, bool]:
            first = db.execute("SELECT id FROM escalations WHERE request_id = ? AND status != 'duplicate'",
                               [request_id]).fetchone()
            if first is not None:
                return first[0], False
            it = db.execute("SELECT ticket, draft FROM interactions WHERE request_id = ?", [request_id]).fetchone()
            if it is None:
                raise UnknownInteraction(request_id)
            last_edit = db.execute("SELECT final_text FROM edits WHERE request_id = ? ORDER BY id DESC LIMIT 1",
                                   [request_id]).fetchone()
            row = {"request_id": request_id, "user": user, "created_at": self._now(), "reason": reason, "note": note,
                   "ticket": it[0], "draft": draft if draft is not None else (last_edit[0] if last_edit else it[1]),
                   "webhook_status": "pending" if self.webhook else "disabled", "webhook_error": "",
                   "webhook_attempts": 0, "redacted_at": None}
            row["id"] = self._insert(db, "escalations", row)
            if self.webhook:
                payload = {"event": "escalation", "escalation_id": row["id"],
                           **{k: row[k] for k in ("request_id", "user", "created_at", "reason", "note", "ticket",
                                                  "draft")}}
                self._insert(db, "outbox", {"escalation_id": row["id"], "url": self.webhook.url,
                                            "payload": json.dumps(payload), "status": "pending", "attempts": 0,
                                            "last_error": "", "created_at": row["created_at"], "redacted_at": None})
            self.audit.append_in(db, "escalation", user, target=request_id,
                                 details={"escalation_id": row["id"], "reason": reason})
            return row["id"], True

        escalation_id, new = self._conns.write(write)
        if new and self.webhook:
            self.deliver_pending(escalation_id=escalation_id)
        return self.list_escalations(escalation_id=escalation_id)[0]

    def deliver_pending(self, escalation_id: int | None = None, limit: int | None = None) -> DeliveryReport:
        """Retry queued webhook deliveries (oldest first). Uses the configured URL, else the one queued with."""
        sql = "SELECT * FROM outbox WHERE status = 'pending'"
        params: list = []
        if escalation_id is not None:
            sql += " AND escalation_id = ?"
            params.append(escalation_id)
        items = self._conns.query(sql + " ORDER BY id LIMIT ?", [*params, limit or -1])
        report = DeliveryReport()
        for item in items:
            config = self.webhook or WebhookConfig(url=item["url"])
            if self._http is None:
                self._http = httpx.Client(timeout=config.timeout_s)
            result = post_json(config, json.loads(item["payload"]), f"escalation-{item['escalation_id']}", self._http)
            report.attempted += 1
            report.delivered += result.ok
            if not result.ok:
                report.errors.append(f"escalation {item['escalation_id']}: {result.error}")
            self._conns.write(lambda db, item=item, result=result: self._mark(db, item, result))
        report.pending = self._conns.read("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")[0][0]
        return report

    def _mark(self, db, item: dict, result) -> None:
        status, now = ("delivered", self._now()) if result.ok else ("pending", None)
        db.execute("UPDATE outbox SET status = ?, attempts = attempts + ?, last_error = ?, delivered_at = ? "
                   "WHERE id = ?", [status, result.attempts, result.error, now, item["id"]])
        db.execute("UPDATE escalations SET webhook_status = ?, webhook_error = ?, "
                   "webhook_attempts = webhook_attempts + ? WHERE id = ?",
                   ["delivered" if result.ok else "queued", result.error, result.attempts, item["escalation_id"]])

    @staticmethod
    def _insert(db, table: str, row: dict) -> int:
        return db[table].insert({k: v for k, v in row.items() if k != "id"}).last_pk

    @staticmethod
    def _draft(db, request_id: str) -> str:
        row = db.execute("SELECT draft FROM interactions WHERE request_id = ?", [request_id]).fetchone()
        if row is None:
            raise UnknownInteraction(request_id)
        return row[0]

    # --- reads -------------------------------------------------------------------------------
    def get_interaction(self, request_id: str) -> Interaction | None:
        rows = self._conns.query("SELECT * FROM interaction_outcomes WHERE request_id = ?", [request_id])
        return row_to_interaction(rows[0]) if rows else None

    def list_interactions(self, filter: FeedbackFilter | None = None, with_answer: bool = True) -> list[Interaction]:
        """Newest first; filter.limit / filter.offset page through them."""
        where, params = filter_sql(filter)
        page, page_params = page_sql(filter)
        rows = self._conns.query(f"SELECT * FROM interaction_outcomes{where} ORDER BY created_at DESC, request_id"
                                 f"{page}", [*params, *page_params])
        return [row_to_interaction(r, with_answer) for r in rows]

    def count_interactions(self, filter: FeedbackFilter | None = None) -> int:
        where, params = filter_sql(filter)
        return self._conns.read(f"SELECT COUNT(*) FROM interaction_outcomes{where}", params)[0][0]

    def ticket_records(self, filter: FeedbackFilter | None = None) -> list[TicketRecord]:
        """Per interaction what the ROI readout and the SLOs read (no ticket text), oldest first."""
        where, params = filter_sql(filter)
        rows = self._conns.query(f"SELECT {RECORD_COLUMNS} FROM interaction_outcomes o{where} "
                                 "ORDER BY created_at, request_id", params)
        return [row_to_record(r) for r in rows]

    def list_feedback(self, request_id: str | None = None) -> list[Feedback]:
        return [Feedback(**r) for r in self._rows("feedback", request_id)]

    def list_edits(self, request_id: str | None = None) -> list[Edit]:
        return [Edit(**r) for r in self._rows("edits", request_id)]

    def list_sent(self, request_id: str | None = None) -> list[SentDraft]:
        return [SentDraft(**r) for r in self._rows("sent", request_id)]

    def list_escalations(self, request_id: str | None = None, escalation_id: int | None = None,
                         webhook_status: str | None = None) -> list[Escalation]:
        where = {"request_id": request_id, "id": escalation_id, "webhook_status": webhook_status}
        return [Escalation(**r) for r in self._rows("escalations", **where)]

    def list_outbox(self, status: str | None = "pending") -> list[OutboxItem]:
        return [OutboxItem(**r) for r in self._rows("outbox", status=status)]

    def _rows(self, table: str, request_id: str | None = None, **equal: Any) -> list[dict]:
        conds = {"request_id": request_id, **equal}
        used = {k: v for k, v in conds.items() if v is not None}
        where = " AND ".join(f"{k} = ?" for k in used)
        return self._conns.query(f"SELECT * FROM {table}" + (f" WHERE {where}" if where else "") + " ORDER BY id",
                                 list(used.values()))

    # --- dashboards and retention ---------------------------------------------------------------
    def dashboard(self, filter: FeedbackFilter | None = None, by: dashboard.GroupBy = "day") -> list[DashboardRow]:
        """Aggregates per day / index_version / prompt_version / calibration_version / provider / release, or 'all'."""
        where, params = filter_sql(filter)
        rows = self._conns.query(f"SELECT {STATS_COLUMNS} FROM interaction_outcomes{where}", params)
        return dashboard.aggregate(rows, by)

    def apply_retention(self, days: int, mode: str, actor: str, dry_run: bool = False) -> RetentionReport:
        return retention.apply(self._conns, self.audit, self._clock(), days, mode, actor, dry_run)
