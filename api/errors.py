"""The API's one error shape, `{"error": {"code", "message", "request_id"}}`, and the status of each error."""

from __future__ import annotations

from deflectkit.core.errors import ConfigError, DeflectError, InputError, StoreBusy


class ApiError(DeflectError):
    """An error with an HTTP status and a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers or {}


def status_of(exc: DeflectError) -> tuple[int, str]:
    """(HTTP status, code) for one of our errors; the message is already written for the caller."""
    from assistant.errors import EmptyTicket, ProviderUnavailable
    from feedback.errors import FeedbackError, FlagError, UnknownInteraction
    from feedback.keys import ApiKeyError
    from ingest.errors import IngestLocked
    from retrieval.errors import NoActiveIndex, RetrievalError, VersionNotFound

    if isinstance(exc, ApiError):
        return exc.status, exc.code
    table: list[tuple[type, int, str]] = [
        (UnknownInteraction, 404, "not_found"),
        (EmptyTicket, 422, "empty_ticket"),
        (IngestLocked, 409, "ingest_running"),
        (StoreBusy, 503, "store_busy"),
        (FlagError, 422, "bad_flag"),
        (ApiKeyError, 422, "bad_key"),
        (InputError, 422, "bad_input"),
        (ConfigError, 500, "config_error"),
        (NoActiveIndex, 409, "no_index"),
        (VersionNotFound, 404, "not_found"),
        (ProviderUnavailable, 503, "provider_unavailable"),
        (RetrievalError, 422, "retrieval_error"),
        (FeedbackError, 422, "bad_request"),
    ]
    for kind, status, code in table:
        if isinstance(exc, kind):
            return status, code
    return 400, "bad_request"


def body(code: str, message: str, request_id: str | None) -> dict:
    return {"error": {"code": code, "message": message, "request_id": request_id or ""}}
