"""POST an escalation as JSON with retries (httpx + tenacity). Delivery is at-least-once: receivers dedupe on
the Idempotency-Key header. Persistence (the outbox) lives in the store; this module only talks HTTP.
`send_json` is the retrying request underneath, shared with the help-desk adapters (integrations/).
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

import httpx
from pydantic import BaseModel, Field
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

log = logging.getLogger(__name__)


class WebhookConfig(BaseModel):
    url: str
    retries: int = Field(3, ge=0, description="Extra attempts after the first.")
    timeout_s: float = Field(5.0, gt=0)
    backoff_s: float = Field(0.5, ge=0)

    @classmethod
    def from_settings(cls, settings: Any) -> WebhookConfig | None:
        if not settings.escalation_webhook_url:
            return None
        return cls(url=settings.escalation_webhook_url, retries=settings.webhook_retries,
                   timeout_s=settings.webhook_timeout_s, backoff_s=settings.webhook_backoff_s)


class DeliveryResult(NamedTuple):
    ok: bool
    attempts: int
    status_code: int | None
    error: str


class _Retryable(Exception):
    """A failure worth another attempt: no connection, a timeout, 408, 429 or a 5xx."""


def post_json(config: WebhookConfig, payload: dict, idempotency_key: str,
              client: httpx.Client | None = None) -> DeliveryResult:
    """POST payload, retrying transient failures; never raises for HTTP or network errors."""
    return send_json("POST", config.url, payload, retries=config.retries, timeout_s=config.timeout_s,
                     backoff_s=config.backoff_s, headers={"Idempotency-Key": idempotency_key}, client=client)


def send_json(method: str, url: str, payload: dict, *, retries: int, timeout_s: float, backoff_s: float,
              headers: dict[str, str] | None = None, auth: httpx.Auth | None = None,
              client: httpx.Client | None = None) -> DeliveryResult:
    """One JSON request, retried with exponential backoff on transient failures (no connection, timeout,
    408, 429, 5xx); never raises for HTTP or network errors. Shared by every outbound delivery."""
    attempts = 0
    last: tuple[int | None, str] = (None, "")
    own = client is None
    client = client or httpx.Client(timeout=timeout_s)

    def once() -> int:
        nonlocal attempts, last
        attempts += 1
        try:
            r = client.request(method, url, json=payload, headers=headers, auth=auth, timeout=timeout_s)
        except httpx.HTTPError as e:
            last = (None, f"{type(e).__name__}: {e}")
            raise _Retryable from e
        if r.status_code in (408, 429) or r.status_code >= 500:
            last = (r.status_code, f"HTTP {r.status_code}")
            raise _Retryable
        return r.status_code

    retry = Retrying(stop=stop_after_attempt(retries + 1),
                     wait=wait_exponential(multiplier=backoff_s, max=max(backoff_s * 8, 0.001)),
                     retry=retry_if_exception_type(_Retryable))
    try:
        status = retry(once)
    except RetryError:
        log.warning("delivery failed", extra={"method": method, "attempts": attempts, "error": last[1]})
        return DeliveryResult(False, attempts, last[0], last[1])
    finally:
        if own:
            client.close()
    if status >= 400:  # 4xx other than 408/429: the receiver rejects this payload; retrying now will not help
        return DeliveryResult(False, attempts, status, f"HTTP {status}")
    return DeliveryResult(True, attempts, status, "")
