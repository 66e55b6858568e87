"""One help-desk event -> at most one internal note; and the outbox replay.

    outcome = handle_event(services, adapter, store, event)   # what the webhook route runs
    report = replay_outbox(adapters, store)                    # `deflect helpdesk replay`

The ticket's subject and body are redacted (services.redactor) before anything sees them, so no PII from
the ticket reaches the SQLite files, the logs, the traces or the note (the assistant drafts from the
redacted text; the help center itself is redacted at ingest).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from assistant.models import Ticket
from integrations.base import HelpDeskAdapter
from integrations.models import HelpDeskEvent, Outcome, ReplayReport
from integrations.store import HelpDeskStore

log = logging.getLogger(__name__)


def handle_event(services: Any, adapter: HelpDeskAdapter, store: HelpDeskStore, event: HelpDeskEvent) -> Outcome:
    """Draft a reply to the event's ticket and post it as an internal note, once per event and ticket update.

    `services` is the composition root (deflectkit.app.Services). A redelivered event, or a second event
    about the same ticket update, returns 'duplicate' and posts nothing. A failed post returns 'queued':
    the note waits in the outbox. If drafting raises, the claim is released (a redelivery may try again)."""
    base = {"helpdesk": event.helpdesk, "ticket_id": event.ticket_id, "event_id": event.event_id}
    if not (event.subject.strip() or event.body.strip()):
        return Outcome(status="ignored", error="the ticket has no text to draft a reply to", **base)
    row_id = store.claim(event)
    if row_id is None:
        prior = store.seen(event)
        return Outcome(status="duplicate", request_id=prior.request_id if prior else None,
                       decision=prior.decision if prior else None, **base)
    try:
        answer = services.answer(redacted_ticket(services.redactor, event), request_id=uuid.uuid4().hex)
        services.feedback.record_interaction(answer, f"helpdesk:{event.helpdesk}")
        note = adapter.note(answer)
        store.drafted(row_id, answer.request_id, answer.decision, note)
    except BaseException:
        store.release(row_id)
        raise
    record = store.delivered(row_id, adapter.deliver(event.ticket_id, note))
    log.info("helpdesk note", extra={"helpdesk": event.helpdesk, "status": record.status,
                                     "request_id": answer.request_id, "attempts": record.attempts})
    return Outcome(status="posted" if record.status == "posted" else "queued", request_id=answer.request_id,
                   decision=answer.decision, attempts=record.attempts, error=record.last_error, **base)


def replay_outbox(adapters: dict[str, HelpDeskAdapter], store: HelpDeskStore,
                  limit: int | None = None) -> ReplayReport:
    """Post the queued notes again, oldest first, each with the adapter of its help desk (`adapters` by
    name; notes of a help desk not given stay queued)."""
    report = ReplayReport()
    for record, note in store.take_queued(list(adapters), limit):
        done = store.delivered(record.id, adapters[record.helpdesk].deliver(record.ticket_id, note))
        report.attempted += 1
        report.posted += done.status == "posted"
        if done.status != "posted":
            report.errors.append(f"note {record.id} (ticket {record.ticket_id}): {done.last_error}")
    report.queued = len(store.list(status="queued"))
    return report


def redacted_ticket(redactor: Any, event: HelpDeskEvent) -> Ticket:
    subject = redactor.redact(event.subject)[0] if event.subject.strip() else ""
    return Ticket(subject=subject, body=redactor.redact(event.body)[0])
