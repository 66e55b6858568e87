"""Rows that cross the store's boundary (pages, CLI, evals), as pydantic models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, computed_field, model_validator

from assistant.models import Answer
from deflectkit.core.config.feedback import Role

Thumbs = Literal["up", "down"]
# not_in_docs: the help center does not cover the ticket at all (it is out of scope, not a bad draft).
ReasonCode = Literal["wrong", "incomplete", "outdated_source", "not_grounded", "not_in_docs", "tone", "other"]
REASON_CODES: tuple[str, ...] = ReasonCode.__args__
EscalationReason = Literal["out_of_scope", "account_specific", "bug_report", "policy_exception", "bad_draft", "other"]
ESCALATION_REASONS: tuple[str, ...] = EscalationReason.__args__
WebhookStatus = Literal["disabled", "pending", "delivered", "queued"]
EscalationStatus = Literal["open", "claimed", "resolved", "duplicate"]
QUEUE_STATUSES: tuple[str, ...] = ("open", "claimed", "resolved")
Outcome = Literal["escalated", "edited", "used_as_is", "unused"]
Override = Literal["sent_despite_escalation", "escalated_despite_answer"]

REDACTED = "[redacted]"


class User(BaseModel):
    name: str
    role: Role
    source: Literal["local", "sso"] = "local"
    created_at: datetime | None = None
    disabled: bool = False
    has_password: bool = False


class Interaction(BaseModel):
    """One answered (or escalated) ticket with the versions that produced it and what the agent did with it."""

    request_id: str
    user: str
    created_at: datetime
    decision: Literal["answer", "escalate"]
    confidence: float
    confidence_label: str
    index_version: int | None = None
    provider: str
    model: str = ""
    prompt_version: str
    calibration_version: str = ""
    release: str | None = Field(None, description="The release that drafted it (None before releases were used).")
    latency_s: float = 0.0
    cost: float = 0.0
    ticket: str
    draft: str
    cited_doc_ids: list[str] = Field(default_factory=list)
    redacted: bool = False
    answer: Answer | None = Field(None, description="The full Answer as recorded (text blanked once redacted).")
    # what happened next (latest feedback wins)
    thumbs: Thumbs | None = None
    reason: ReasonCode | None = None
    edited: bool = False
    escalated: bool = Field(False, description="An agent escalated the ticket (not the pipeline's decision).")
    out_of_scope: bool = Field(False, description="Marked out of scope by feedback or an out_of_scope escalation.")
    sent: bool = False
    final_text: str | None = Field(None, description="The text the agent sent (edited or as-is), if any.")

    @computed_field
    @property
    def outcome(self) -> Outcome:
        if self.escalated:
            return "escalated"
        if self.sent:
            return "edited" if self.edited else "used_as_is"
        return "unused"


class Feedback(BaseModel):
    id: int
    request_id: str
    user: str
    created_at: datetime
    thumbs: Thumbs
    reason: ReasonCode | None = None
    comment: str = ""
    out_of_scope: bool = False


class Edit(BaseModel):
    id: int
    request_id: str
    user: str
    created_at: datetime
    final_text: str
    diff: str = Field(description="Unified diff from the draft to final_text.")


class SentDraft(BaseModel):
    id: int
    request_id: str
    user: str
    created_at: datetime
    text: str
    edited: bool = Field(description="False = 'Use draft' (sent as-is).")


class Escalation(BaseModel):
    id: int
    request_id: str
    user: str
    created_at: datetime
    reason: EscalationReason
    note: str = ""
    ticket: str
    draft: str
    webhook_status: WebhookStatus
    webhook_error: str = ""
    webhook_attempts: int = 0
    status: EscalationStatus = "open"
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    resolution: str | None = Field(None, description="The resolver's final reply: the ticket's reference answer.")
    resolution_in_scope: bool | None = Field(None, description="The resolver's label: the help center covers it.")


class OutboxItem(BaseModel):
    id: int
    escalation_id: int
    url: str
    status: Literal["pending", "delivered"]
    attempts: int
    last_error: str = ""
    created_at: datetime
    delivered_at: datetime | None = None


class DeliveryReport(BaseModel):
    attempted: int = 0
    delivered: int = 0
    pending: int = Field(0, description="Still queued after this run.")
    errors: list[str] = Field(default_factory=list)


class AuditEntry(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    target: str = ""
    details: dict = Field(default_factory=dict)
    prev_hash: str
    hash: str
    chain: int = Field(1, description="1: plain SHA-256 (written before the log was keyed); 2: HMAC under the audit key.")


class AuditProblem(BaseModel):
    seq: int
    kind: Literal["edited", "deleted", "broken_link", "unkeyed", "truncated", "rechained"]
    detail: str


class AuditReport(BaseModel):
    ok: bool
    rows: int
    head_seq: int = Field(0, description="Row number of the last row.")
    head_hash: str = Field(description="Hash of the last row; with head_seq, the anchor to keep elsewhere "
                                       "(`deflect audit anchor`) to detect a deleted or rewritten tail.")
    problems: list[AuditProblem] = Field(default_factory=list)


class RetentionReport(BaseModel):
    mode: Literal["delete", "redact"]
    days: int
    cutoff: datetime | None = Field(None, description="Rows created before this were affected; None = retention off.")
    dry_run: bool = False
    rows: dict[str, int] = Field(default_factory=dict, description="Rows affected per table.")
    outbox_pending_kept: int = Field(0, description="Undelivered escalations are never dropped, however old.")


class FeedbackFilter(BaseModel):
    """Which interactions to list, export, replay or aggregate. Every field left at None matches everything."""

    thumbs: Thumbs | None = None
    edited: bool | None = None
    escalated: bool | None = None
    reason: ReasonCode | None = None
    since: date | None = Field(None, description="From this UTC day on (inclusive).")
    until: date | None = Field(None, description="Up to this UTC day (inclusive).")
    index_version: int | None = None
    provider: str | None = None
    prompt_version: str | None = None
    calibration_version: str | None = None
    decision: Literal["answer", "escalate"] | None = None
    user: str | None = None
    limit: int | None = Field(None, gt=0)
    offset: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _range(self) -> FeedbackFilter:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until}); swap them.")
        return self


class DashboardRow(BaseModel):
    key: str = Field(description="The group: a UTC day, a version, a provider, or 'all'.")
    volume: int
    answered: int
    escalated: int = Field(description="The pipeline decided to escalate.")
    answered_share: float
    escalated_share: float
    used_as_is: int
    edited: int
    agent_escalated: int
    unused: int
    thumbs_up: int
    thumbs_down: int
    thumbs_ratio: float | None = Field(description="up / (up + down); None without votes.")
    reasons: dict[str, int]
    latency_p50: float | None
    latency_p95: float | None
    cost_total: float
    cost_per_answer: float | None
    cost_per_used_draft: float | None = Field(description="All cost divided by drafts sent (as-is or edited).")


class TicketRecord(BaseModel):
    """One ticket as the ROI readout and the SLOs see it, from the feedback store or a baseline CSV.

    Fields the source cannot know are None (a pre-pilot CSV has no drafts, no votes)."""

    ticket_id: str
    created_at: datetime = Field(description="When it was drafted (store) or opened (baseline CSV), UTC.")
    agent: str | None = None
    handle_time_s: float | None = Field(None, ge=0, description="Ticket opened to reply sent (or handed off).")
    first_contact_resolution: bool | None = None
    escalated: bool = Field(False, description="Handed to another team by an agent.")
    deflected: bool = Field(False, description="Resolved by self-service, or by a draft sent as-is.")
    drafted: bool | None = Field(None, description="The assistant offered a sendable draft; None before the pilot.")
    used: bool | None = Field(None, description="The agent sent the draft, edited or not; None before the pilot.")
    llm_cost: float = 0.0
    latency_s: float | None = Field(None, description="Seconds to draft.")
    thumbs: Thumbs | None = None
    reason: ReasonCode | None = None
    override: Override | None = Field(None, description="The agent went against the assistant's decision.")
