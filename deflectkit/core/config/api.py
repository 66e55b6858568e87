"""HTTP API settings, one area of deflectkit.core.config.Settings (env prefix DEFLECT_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class ApiSettings(BaseModel):
    api_host: str = Field("127.0.0.1", description="Address `deflect api` binds to (loopback by default: put a "
                          "TLS-terminating reverse proxy in front to serve other hosts).")
    api_port: int = Field(8700, ge=1, le=65535, description="Port of `deflect api`.")
    api_workers: int = Field(1, ge=1, le=64, description="Worker processes of `deflect api` (each loads the models once).")
    api_rate_limit_per_minute: int = Field(
        120, ge=1, description="Requests one API key may make per minute, across workers; then 429 with Retry-After.")
    api_max_body_kb: int = Field(256, ge=1, description="Largest JSON request body in KB; larger gets 413.")
    api_max_upload_mb: int = Field(50, ge=1, description="Largest multipart upload to POST /v1/ingest in MB; larger gets 413.")
    api_cors_origins: list[str] = Field(
        default_factory=list, description="Browser origins allowed to call the API (CORS); empty = closed. Add the "
        "pages that embed the self-service widget, e.g. [\"https://help.example.com\"].")
    api_ingest_roots: list[Path] = Field(
        default_factory=list, description="Folders under which POST /v1/ingest may read a server path; empty = any "
        "folder the server can read (an admin key is required either way). Uploads are always allowed.")
    api_idempotency_wait_s: float = Field(
        60.0, gt=0, description="How long a request with a reused Idempotency-Key waits for the first one to finish.")
    selfservice_threshold: float = Field(
        0.9, ge=0.0, le=1.0, description="Confidence a draft needs before POST /v1/deflect shows it to a customer "
        "(stricter than answer_threshold, which gates drafts for agents); below it a person replies.")
    selfservice_handoff: str = Field(
        "Thanks for your question. A member of our support team will reply to you soon.",
        description="What a customer reads when self-service does not answer (an escalation is created).")
    slo_trip_kill_switch: bool = Field(
        False, description="Opt-in: when an SLO burns its error budget fast (DEFLECT_SLO_FAST_BURN over the last hour), "
        "the API turns the generation kill switch off (audited as actor slo:<name>); an admin turns it back on.")
