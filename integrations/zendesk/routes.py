"""`POST /v1/integrations/zendesk/webhook`: Zendesk ticket events in, internal notes out.

Mount with `app.include_router(router)`. The app provides `app.state.ctx.services` (deflectkit.app.Services)
and `app.state.ctx.settings`; the adapter and the help-desk store are built from those settings on the
first delivery and kept on `app.state.zendesk`.

The route answers as soon as the delivery is verified (Zendesk gives a webhook about ten seconds; a
draft can take longer): 202 'accepted' while handle_event drafts and posts the note in the background
(its atomic claim settles deliveries that race each other), 200 'duplicate' for a redelivery of an event
already claimed, 200 'ignored' for events we do not draft for. A bad or stale signature
is 401, a body that is not a ticket event 422, a missing setting 404 naming the variable to set (the
integration is not set up on this server).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from deflectkit.core.errors import ConfigError
from integrations.errors import BadEvent, BadSignature
from integrations.handling import handle_event
from integrations.models import HelpDeskEvent, Outcome
from integrations.store import HelpDeskStore
from integrations.zendesk.adapter import ZendeskAdapter

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/integrations/zendesk", tags=["integrations"])


@router.post("/webhook", status_code=202, response_model=Outcome,
             responses={200: {"model": Outcome, "description": "duplicate or ignored"}})
async def zendesk_webhook(request: Request, background: BackgroundTasks) -> Any:
    """Receive a signed Zendesk ticket event; its draft is posted back to the ticket as an internal note."""
    try:
        adapter, store = _parts(request.app)
        body = await request.body()
        adapter.verify(request.headers, body, datetime.now(UTC))
    except ConfigError as e:
        raise HTTPException(404, str(e)) from None  # not set up here: as if the route did not exist
    except BadSignature as e:
        raise HTTPException(401, str(e)) from None
    try:
        payload = json.loads(body)
        event = adapter.parse_event(payload if isinstance(payload, dict) else {})
    except ValueError as e:
        raise HTTPException(422, f"The webhook body is not JSON: {e}") from None
    except BadEvent as e:
        raise HTTPException(422, str(e)) from None
    if event is None:
        return JSONResponse(Outcome(status="ignored", helpdesk=adapter.name).model_dump(), 200)
    prior = await run_in_threadpool(store.seen, event)
    if prior is not None:
        outcome = Outcome(status="duplicate", helpdesk=adapter.name, ticket_id=event.ticket_id,
                          event_id=event.event_id, request_id=prior.request_id, decision=prior.decision)
        return JSONResponse(outcome.model_dump(), 200)
    background.add_task(_draft_and_post, request.app.state.ctx.services, adapter, store, event)
    return Outcome(status="accepted", helpdesk=adapter.name, ticket_id=event.ticket_id, event_id=event.event_id)


def _parts(app: Any) -> tuple[ZendeskAdapter, HelpDeskStore]:
    parts = getattr(app.state, "zendesk", None)
    if parts is None:  # no await above this line: one event-loop turn builds them once
        settings = app.state.ctx.settings
        parts = (ZendeskAdapter.from_settings(settings), HelpDeskStore.from_settings(settings))
        app.state.zendesk = parts
    return parts


def _draft_and_post(services: Any, adapter: ZendeskAdapter, store: HelpDeskStore, event: HelpDeskEvent) -> None:
    # After the response: nobody to raise to. The claim was released, so Zendesk's redelivery may retry.
    try:
        handle_event(services, adapter, store, event)
    except Exception as e:  # noqa: BLE001
        log.error("zendesk draft failed", extra={"ticket_id": event.ticket_id, "error": type(e).__name__})
