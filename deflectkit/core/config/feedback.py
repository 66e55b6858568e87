"""Feedback-store settings, one area of deflectkit.core.config.Settings."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from deflectkit.core.config.base import DataDir

Role = Literal["agent", "admin", "evaluator"]


class FeedbackSettings(DataDir):
    feedback_db: str = Field("feedback.db", description="Feedback SQLite file: a name (put under data_dir) or a path.")
    feedback_busy_timeout_s: float = Field(
        10.0, description="Seconds a writer waits for the database lock before retrying (then gives up).")
    retention_days: int = Field(
        90, ge=0, description="Days after which ticket, draft and edit text is deleted or redacted; 0 keeps it forever.")
    retention_mode: Literal["delete", "redact"] = Field(
        "redact", description="redact = blank the text but keep the rows for dashboards; delete = drop the rows.")
    escalation_webhook_url: str | None = Field(
        None, description="If set, every escalation is POSTed as JSON to this URL (queued in an outbox on failure).")
    webhook_retries: int = Field(3, ge=0, description="Extra attempts per webhook delivery after the first one.")
    webhook_timeout_s: float = Field(5.0, gt=0, description="Timeout of one webhook request, in seconds.")
    webhook_backoff_s: float = Field(0.5, ge=0, description="First wait between webhook attempts; doubles each retry.")
    login_max_failures: int = Field(
        5, ge=1, description="Failed password sign-ins for one account (within login_lockout_s) before it is locked "
        "for login_lockout_s; each failure after the first doubles the wait before the next try, from login_backoff_s.")
    login_client_max_failures: int = Field(
        20, ge=1, description="Failed password sign-ins from one client address before that address is locked "
        "for login_lockout_s (higher than per account and without back-off: an office shares one address).")
    login_lockout_s: float = Field(
        900.0, gt=0, description="Seconds a lockout lasts; failures older than this are forgotten.")
    login_backoff_s: float = Field(
        1.0, ge=0, description="Wait after the second failed sign-in in a row, doubling with each further failure (at most 60 s).")
    audit_key: SecretStr | None = Field(
        None, description="Key of the audit log's HMAC chain (any string; from a secret store). Overrides "
        "audit_key_file. Without the key, an edited audit row cannot be re-chained unnoticed.")
    audit_key_file: Path | None = Field(
        None, description="File holding the audit key, created (0600, random) on first use. Default: "
        "audit.key beside the feedback database (<data_dir>/audit.key). In production keep it off the data volume, "
        "or whoever can read the database can read the key too.")
    trusted_user_header: str | None = Field(
        None, description="Header set by an authenticating reverse proxy (SSO) with the user name, e.g. "
                          "X-Forwarded-User. Only set this when the app is reachable through that proxy alone.")
    trusted_role_header: str | None = Field(
        None, description="Header from the proxy carrying the role (agent, admin or evaluator); optional.")
    trusted_default_role: Role = Field(
        "agent", description="Role of a proxy-authenticated user with no role header and no local account.")
    # --- reports (ROI readout, content gaps) and SLOs
    agent_cost_per_minute: float = Field(
        0.5, ge=0, description="Loaded cost of one agent minute, in the currency of the LLM prices: the ROI "
                               "readout's cost per resolution adds handle time at this rate to the LLM cost.")
    gap_edit_share: float = Field(
        0.5, gt=0, le=1, description="A sent draft counts as heavily edited in the content-gap report when at "
                                     "least this share of its text changed.")
    slo_draft_latency_s: float = Field(
        10.0, gt=0, description="Latency SLO: 95% of drafts take at most this many seconds (draft p95).")
    slo_availability: float = Field(
        0.995, gt=0, lt=1, description="Availability SLO: this share of API requests must not end in a 5xx.")
    slo_thumbs_down_rate: float = Field(
        0.1, gt=0, lt=1, description="Answer precision SLO (proxy): at most this share of rated drafts get a "
                                     "thumbs down.")
    slo_window_days: int = Field(28, ge=1, description="The SLO period whose error budget is spent, in days.")
    slo_fast_burn: float = Field(
        14.4, gt=1, description="A burn rate over the last hour at or above this is a fast burn (14.4 spends "
                                "2% of a 30-day budget in one hour).")

    @property
    def audit_key_path(self) -> Path:
        return self.audit_key_file or self.feedback_db_path.with_name("audit.key")

    @property
    def feedback_db_path(self) -> Path:
        p = Path(self.feedback_db)
        if p.is_absolute() or p.parent != Path("."):
            return p
        return Path(self.data_dir) / p
