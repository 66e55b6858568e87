"""Request and response bodies of the API. The Answer, Hit and feedback rows are the shared models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import Ticket
from deflectkit.core.config.providers import ProviderName
from feedback.models import EscalationReason, ReasonCode, Thumbs


class DraftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field("", max_length=2_000)
    body: str = Field(min_length=1, description="The customer's message.")
    customer: str | None = Field(None, max_length=200, description="Customer name or id (redacted before storage).")
    locale: str | None = Field(None, max_length=35, description="Restrict retrieval to articles of this locale.")
    metadata: dict[str, Any] = Field(default_factory=dict, description="Caller's own fields, echoed nowhere.")

    def ticket(self) -> Ticket:
        return Ticket(subject=self.subject, body=self.body)


class EditRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    final_text: str = Field(min_length=1, description="The reply as the agent sent it; the diff is stored.")


class EscalateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: EscalationReason = "other"
    note: str = Field("", max_length=5_000)


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    thumbs: Thumbs
    reason: ReasonCode | None = Field(None, description="Required with thumbs down.")
    comment: str = Field("", max_length=5_000)


class FlagsUpdate(BaseModel):
    """PUT /v1/flags: the flags to change (each change audited); the others keep their values."""

    model_config = ConfigDict(extra="forbid")
    generation_enabled: bool | None = Field(None, description="Kill switch: false = never call the LLM.")
    provider: ProviderName | None = Field(None, description="Override the configured LLM provider.")
    disabled_sources: list[str] | None = Field(None, description="Doc ids or path prefixes never to cite.")


class ActionDone(BaseModel):
    request_id: str
    action: str
    id: int | None = None


class IngestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(min_length=1, description="A folder on the server to ingest.")


class ActivateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, le=2**31 - 1)


class IndexVersions(BaseModel):
    active: int | None
    versions: list[dict[str, Any]]


class Health(BaseModel):
    status: str
    checks: dict[str, bool] = Field(default_factory=dict)


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. unauthorized, not_found, rate_limited.")
    message: str = Field(description="What went wrong and what to do about it.")
    request_id: str


class ErrorBody(BaseModel):
    """Every error the API returns has this one shape."""

    error: ErrorDetail


def _err(text: str) -> dict:
    return {"model": ErrorBody, "description": text}


# Documented on every route, so clients (and the OpenAPI fuzzer) know each status and its body.
ERROR_RESPONSES: dict[int | str, dict] = {
    400: _err("Bad request"),
    401: _err("Missing, unknown or revoked API key"),
    403: _err("The key lacks the route's scope, or the folder is not allowed"),
    404: _err("No such draft, job, version or route"),
    409: _err("Conflicts with the current state (ingest running, no index, request still running)"),
    413: _err("Request body too large"),
    422: _err("The request does not match the schema"),
    429: _err("Over the key's per-minute budget (see Retry-After)"),
    500: _err("Server failure (report the request id)"),
    503: _err("A store or the LLM provider is unavailable; retry"),
}
