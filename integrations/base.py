"""What every help-desk adapter shares, and the four things each help desk defines for itself.

An adapter is one small subclass (Zendesk in zendesk/adapter.py; Freshdesk or Intercom would be another):

    class FreshdeskAdapter(HelpDeskAdapter):
        name = "freshdesk"
        def parse_event(self, payload): ...            # its webhook body -> HelpDeskEvent (or None: not ours)
        def verify(self, headers, body, now): ...      # its webhook authentication
        def requests(self, ticket_id, note):           # its REST shape for a private note
            return [Call("PUT", f"/api/v2/tickets/{ticket_id}", {"tags": note.tags}),
                    Call("POST", f"/api/v2/tickets/{ticket_id}/notes", {"body": note.text, "private": True})]
        def auth(self): ...                            # its API credentials

The base turns an Answer into the note text and tags, and delivers the calls in order with retries
(feedback.webhook.send_json). Every call but the last must be idempotent: a failed delivery is replayed
from the first call, and only the last one (the note itself) may not be repeated once it succeeded.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, NamedTuple

import httpx
from pydantic import BaseModel, Field

from assistant.models import Answer
from feedback.webhook import DeliveryResult, send_json
from integrations.models import HelpDeskEvent, Note

TAG_ANSWERED = "deflect_answered"
TAG_ESCALATED = "deflect_escalated"
QUOTE_CHARS = 280  # a passage snippet long enough to judge the source by, short enough to scan


class Call(NamedTuple):
    """One REST call of a delivery: method, path under the help desk's base URL, JSON body."""

    method: str
    path: str
    json: dict[str, Any]


class DeliveryConfig(BaseModel):
    """Where and how patiently an adapter posts (each adapter's config adds its credentials)."""

    base_url: str
    retries: int = Field(3, ge=0, description="Extra attempts per call after the first.")
    backoff_s: float = Field(0.5, ge=0)
    timeout_s: float = Field(10.0, gt=0)
    signature_tolerance_s: float = Field(300.0, gt=0)

    @staticmethod
    def delivery_fields(settings: Any) -> dict[str, Any]:
        return {"retries": settings.helpdesk_retries, "backoff_s": settings.helpdesk_backoff_s,
                "timeout_s": settings.helpdesk_timeout_s,
                "signature_tolerance_s": settings.helpdesk_signature_tolerance_s}


class HelpDeskAdapter(ABC):
    name: ClassVar[str]

    def __init__(self, config: DeliveryConfig, client: httpx.Client | None = None):
        self.config = config
        self._client = client  # made on the first delivery when not given (building one loads TLS certificates)

    # --- what each help desk defines ----------------------------------------------------------
    @abstractmethod
    def parse_event(self, payload: dict[str, Any]) -> HelpDeskEvent | None:
        """The event to draft for, or None when the payload is a kind we do not answer (raise BadEvent
        when it is not the help desk's documented shape at all)."""

    @abstractmethod
    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        """Raise BadSignature (or StaleEvent) unless the raw request came from the help desk just now."""

    @abstractmethod
    def requests(self, ticket_id: str, note: Note) -> list[Call]:
        """The REST calls that put `note` on the ticket as an internal note and add its tags."""

    @abstractmethod
    def auth(self) -> httpx.Auth:
        """Credentials of the API calls."""

    # --- shared ------------------------------------------------------------------------------
    def note(self, answer: Answer) -> Note:
        return Note(text=note_text(answer), tags=[TAG_ANSWERED if answer.decision == "answer" else TAG_ESCALATED])

    def deliver(self, ticket_id: str, note: Note) -> DeliveryResult:
        """Make the calls in order, each retried with backoff; stop at the first that fails. Never raises
        for HTTP or network errors: the result says what happened (attempts summed over the calls)."""
        if self._client is None:
            self._client = httpx.Client(timeout=self.config.timeout_s)
        attempts = 0
        result = DeliveryResult(True, 0, None, "")
        for call in self.requests(ticket_id, note):
            url = self.config.base_url.rstrip("/") + call.path
            result = send_json(call.method, url, call.json, retries=self.config.retries,
                               timeout_s=self.config.timeout_s, backoff_s=self.config.backoff_s,
                               auth=self.auth(), client=self._client)
            attempts += result.attempts
            if not result.ok:
                return result._replace(attempts=attempts, error=f"{call.method} {call.path}: {result.error}")
        return result._replace(attempts=attempts)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def note_text(answer: Answer) -> str:
    """The internal note: what deflectkit suggests, how sure it is, why, and the passages it rests on."""
    conf = f"confidence {answer.confidence:.2f}, {answer.confidence_label}"
    answered = answer.decision == "answer"
    if answered:
        lines = [f"deflectkit suggested reply ({conf}). Internal note: review before sending.", "", answer.draft]
    else:  # an escalation has no draft: its passages are related articles for the person who takes it
        lines = [f"deflectkit suggests a person handles this ticket ({conf}).",
                 "Escalate because: " + "; ".join(answer.reasons or ["no reason given"]) + "."]
    if answer.citations:
        lines += ["", "Sources:" if answered else "Related articles:"]
        for c in answer.citations:
            where = c.url or c.doc_id
            lines.append(f"[{c.n}] {c.title} ({where})")
            quote = " ".join(c.quote.split())
            if quote:
                lines.append(f"    \u201c{quote[:QUOTE_CHARS]}{'…' if len(quote) > QUOTE_CHARS else ''}\u201d")
    if answered and len(answer.reasons) > 1:  # the first one only restates the confidence
        lines += ["", "Note: " + "; ".join(answer.reasons[1:]) + "."]
    lines += ["", f"deflectkit request {answer.request_id}"]
    return "\n".join(lines).strip() + "\n"
