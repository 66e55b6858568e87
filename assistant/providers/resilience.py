"""Retries for transient errors (tenacity) and one circuit breaker per provider (pybreaker)."""

from __future__ import annotations

import logging

import pybreaker
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

log = logging.getLogger(__name__)


def is_transient(exc: BaseException) -> bool:
    """Worth another try: the network, a remote timeout, rate limiting, a 5xx.

    Not transient: bad requests, auth, missing setup, and a local model's timeout (it would time out again).
    LangChain's provider-neutral ModelError types come first; raw openai/httpx errors are the fallback.
    """
    from langchain_core.exceptions import (
        ModelAPIError,
        ModelConnectionError,
        ModelRateLimitError,
        ModelTimeoutError,
    )

    if isinstance(exc, ModelConnectionError | ModelTimeoutError | ModelRateLimitError | ModelAPIError):
        return True
    try:
        import openai
    except ImportError:  # pragma: no cover - openai comes with langchain-openai
        openai = None
    if openai is not None and isinstance(exc, openai.APIConnectionError | openai.RateLimitError):
        return True  # APITimeoutError is an APIConnectionError
    if openai is not None and isinstance(exc, openai.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    import httpx

    return isinstance(exc, httpx.TransportError | ConnectionError)


def retrying(retries: int, backoff_s: float, backoff_max_s: float) -> Retrying:
    """A fresh policy per call (tenacity keeps per-run state on it).

    Up to `retries` more attempts after a transient error, waiting backoff_s, 2·backoff_s, … (capped)."""
    return Retrying(
        stop=stop_after_attempt(retries + 1),
        wait=wait_exponential(multiplier=backoff_s, max=backoff_max_s),
        retry=retry_if_exception(is_transient),
        reraise=True,
        before_sleep=lambda rs: log.info(
            "llm.retry", extra={"attempt": rs.attempt_number, "error": type(rs.outcome.exception()).__name__}),
    )


class Breakers:
    """One breaker per provider name, created on first use; state lives as long as the generator."""

    def __init__(self, fail_max: int, reset_timeout_s: float):
        if fail_max < 1:
            raise ValueError(f"fail_max must be at least 1, got {fail_max}. Set DEFLECT_LLM_BREAKER_FAIL_MAX.")
        self.fail_max = fail_max
        self.reset_timeout_s = reset_timeout_s
        self._breakers: dict[str, pybreaker.CircuitBreaker] = {}

    def __getitem__(self, name: str) -> pybreaker.CircuitBreaker:
        if name not in self._breakers:
            self._breakers[name] = pybreaker.CircuitBreaker(
                fail_max=self.fail_max, reset_timeout=self.reset_timeout_s, name=name)
        return self._breakers[name]

    def states(self) -> dict[str, str]:
        return {name: b.current_state for name, b in self._breakers.items()}
