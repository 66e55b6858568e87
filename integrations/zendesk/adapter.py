"""The Zendesk adapter: its webhook events in, internal notes and tags out through its REST API.

Events: Zendesk's event-subscribed webhooks (`zen:event-type:ticket.created`, `...ticket.comment_added`)
and trigger webhooks whose JSON body has the same `type` / `detail` shape (README, "Zendesk"). Posting
(Zendesk Support API, API token auth `{email}/token:{api_token}`):

    PUT /api/v2/tickets/{id}/tags   {"tags": [...]}                                  adds, keeps the others
    PUT /api/v2/tickets/{id}.json   {"ticket": {"comment": {"body": ..., "public": false}}}

Tags go through the Add Tags endpoint because a `tags` list on the ticket update replaces the ticket's
tags (Zendesk: "Adding tags to tickets without overwriting existing tags"); adding a tag twice is
harmless, so the tags call comes first and the note, which must not be repeated, last.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from integrations.base import Call, DeliveryConfig, HelpDeskAdapter
from integrations.errors import BadEvent, MissingSetting
from integrations.models import HelpDeskEvent, Note
from integrations.zendesk import signature

CREATED = "ticket.created"
UPDATED = ("ticket.comment_added", "ticket.updated")


class ZendeskConfig(DeliveryConfig):
    email: str
    api_token: SecretStr
    webhook_secret: SecretStr | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> ZendeskConfig:
        """Raises MissingSetting naming the env var to set when a required setting is missing."""
        if settings.zendesk_base_url:
            base_url = settings.zendesk_base_url
        elif settings.zendesk_subdomain:
            base_url = f"https://{settings.zendesk_subdomain}.zendesk.com"
        else:
            raise MissingSetting("DEFLECT_ZENDESK_SUBDOMAIN", "The Zendesk account (acme for acme.zendesk.com)")
        if not settings.zendesk_email:
            raise MissingSetting("DEFLECT_ZENDESK_EMAIL", "The email of the Zendesk agent that posts the notes")
        if not settings.zendesk_api_token:
            raise MissingSetting("DEFLECT_ZENDESK_API_TOKEN", "The Zendesk API token")
        return cls(base_url=base_url, email=settings.zendesk_email, api_token=settings.zendesk_api_token,
                   webhook_secret=settings.zendesk_webhook_secret, **cls.delivery_fields(settings))


class _Detail(BaseModel):
    """The ticket as Zendesk's ticket events describe it (`detail`); other fields are ignored."""

    model_config = ConfigDict(extra="ignore")
    id: str
    subject: str = ""
    description: str = ""
    updated_at: str = ""

    @field_validator("id", mode="before")
    @classmethod
    def _numeric_id(cls, v: Any) -> Any:
        # It goes into the API path: a Zendesk ticket id is a number, nothing else gets through.
        v = str(v) if isinstance(v, int) else v
        if not (isinstance(v, str) and v.isdigit()):
            raise ValueError("a Zendesk ticket id is a number")
        return v


class _Webhook(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str | None = None
    type: str
    time: str = ""
    detail: _Detail
    event: dict[str, Any] = Field(default_factory=dict)


class ZendeskAdapter(HelpDeskAdapter):
    name = "zendesk"
    config: ZendeskConfig

    @classmethod
    def from_settings(cls, settings: Any, client: httpx.Client | None = None) -> ZendeskAdapter:
        return cls(ZendeskConfig.from_settings(settings), client)

    def parse_event(self, payload: dict[str, Any]) -> HelpDeskEvent | None:
        try:
            hook = _Webhook.model_validate(payload)
        except ValidationError as e:
            problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
            raise BadEvent(f"Not a Zendesk ticket event ({problems}). Send the ticket event payload, or a trigger "
                           "body with type and detail as the README shows.") from None
        kind = hook.type.rsplit(":", 1)[-1]
        if kind != CREATED and kind not in UPDATED:
            return None
        body = hook.detail.description
        comment = hook.event.get("comment") if isinstance(hook.event.get("comment"), dict) else None
        if comment is not None:
            author = comment.get("author") if isinstance(comment.get("author"), dict) else {}
            if comment.get("is_public") is False or author.get("is_staff") is True:
                return None  # an internal note (ours among them) or an agent's reply: nothing to answer
            body = str(comment.get("body") or body)
        stamp = hook.detail.updated_at or hook.time
        return HelpDeskEvent(helpdesk=self.name, event_id=hook.id or f"{hook.detail.id}@{stamp}",
                             kind="created" if kind == CREATED else "updated", ticket_id=hook.detail.id,
                             stamp=stamp, subject=hook.detail.subject, body=body)

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        if self.config.webhook_secret is None:
            raise MissingSetting("DEFLECT_ZENDESK_WEBHOOK_SECRET", "The Zendesk webhook signing secret")
        signature.verify(self.config.webhook_secret.get_secret_value(), headers, body, now,
                         self.config.signature_tolerance_s)

    def requests(self, ticket_id: str, note: Note) -> list[Call]:
        calls = [Call("PUT", f"/api/v2/tickets/{ticket_id}/tags", {"tags": note.tags})] if note.tags else []
        return [*calls, Call("PUT", f"/api/v2/tickets/{ticket_id}.json",
                             {"ticket": {"comment": {"body": note.text, "public": False}}})]

    def auth(self) -> httpx.Auth:
        return httpx.BasicAuth(f"{self.config.email}/token", self.config.api_token.get_secret_value())
