"""Customer self-service: POST /v1/deflect answers only when the decision is 'answer' above the stricter
self-service threshold, showing the draft and its cited passages and never internal reasons; otherwise it
hands the question to a person (an escalation). POST /v1/deflect/{id}/resolved records 'did this help?'.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from api.auth import Principal, require
from api.models import ERROR_RESPONSES, DraftRequest
from api.routes import ctx_of, draft_answer, request_id
from assistant.models import Answer
from feedback.selfservice import SelfServiceAsk

router = APIRouter(tags=["self-service"], responses=ERROR_RESPONSES)


class Source(BaseModel):
    n: int
    title: str
    url: str | None = None
    quote: str


class DeflectReply(BaseModel):
    """What the customer sees: an answer with its sources, or the hand-off message. No reasons, no scores."""

    request_id: str
    answered: bool
    reply: str = Field("", description="The drafted answer with [n] markers (empty on hand-off).")
    sources: list[Source] = Field(default_factory=list)
    message: str = Field("", description="The hand-off message when a person will reply.")


class ResolvedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resolved: bool


def customer_reply(answer: Answer, threshold: float, handoff: str) -> DeflectReply:
    """The customer-facing view of an Answer (pure: tests call it directly)."""
    if answer.decision == "answer" and answer.confidence >= threshold and answer.draft.strip():
        return DeflectReply(request_id=answer.request_id, answered=True, reply=answer.draft,
                            sources=[Source(n=c.n, title=c.title, url=c.url, quote=c.quote) for c in answer.citations])
    return DeflectReply(request_id=answer.request_id, answered=False, message=handoff)


@router.post("/v1/deflect", response_model=DeflectReply,
             summary="Customer self-service: an answer with sources when confident enough, else a person replies")
def deflect(req: DraftRequest, request: Request, who: Principal = require("selfservice")):
    ctx, rid = ctx_of(request), request_id(request)
    answer = draft_answer(ctx, req, rid, who.actor)
    s = ctx.settings
    reply = customer_reply(answer, s.selfservice_threshold, s.selfservice_handoff)
    store = ctx.services.feedback
    store.selfservice.record_ask(rid, reply.answered, answer.index_version, channel=who.actor)
    if not reply.answered:
        store.record_escalation(rid, who.actor, "out_of_scope" if answer.decision == "escalate" else "other",
                                note="Self-service hand-off: the customer is waiting for a person.")
    return reply


@router.post("/v1/deflect/{draft_id}/resolved", response_model=SelfServiceAsk,
             summary="The customer's 'did this answer your question?'")
def resolved(draft_id: str, req: ResolvedRequest, request: Request, who: Principal = require("selfservice")):
    return ctx_of(request).services.feedback.selfservice.record_resolved(draft_id, req.resolved, who.actor)
