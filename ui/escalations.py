"""Escalation queue logic: what is open, claimed and resolved, and the claim / resolve actions.

Every escalated ticket is listed here whether or not a webhook is configured. The store audits each action
and makes it idempotent (a double click records one change); `pages/escalations.py` only renders.
"""

from __future__ import annotations

from typing import NamedTuple

from assistant.models import Answer
from feedback.models import Escalation, User
from ui import render
from ui.desk import ESCALATION_LABELS, clean_text
from ui.services import Resources

STATUS_LABELS = {"open": "Open", "claimed": "Claimed", "resolved": "Resolved"}


class QueueItem(NamedTuple):
    escalation: Escalation
    answer: Answer | None  # the recorded answer: draft and citations (None once retention removed it)


def queue(res: Resources, status: str) -> list[QueueItem]:
    """Escalations in one state: open and claimed ones oldest first (first come, first served), resolved
    ones newest first."""
    items = res.store.escalations.list(status)
    if status == "resolved":
        items.reverse()
    out = []
    for e in items:
        it = res.store.get_interaction(e.request_id)
        out.append(QueueItem(e, it.answer if it is not None and not it.redacted else None))
    return out


def counts(res: Resources) -> dict[str, int]:
    return res.store.escalations.counts()


def headline(e: Escalation) -> str:
    """One line per escalation (Markdown: the ticket text is escaped)."""
    first = next((line.strip() for line in e.ticket.splitlines() if line.strip()), "(no ticket text)")
    first = first if len(first) <= 70 else first[:69] + "…"
    return f"#{e.id} · {render.md(first)} · {ESCALATION_LABELS.get(e.reason, e.reason)}"


def who_line(e: Escalation) -> str:
    bits = [f"escalated by {e.user} on {e.created_at:%d %b %H:%M}"]
    if e.claimed_by:
        bits.append(f"claimed by {e.claimed_by}")
    if e.resolved_by and e.resolved_at:
        bits.append(f"resolved by {e.resolved_by} on {e.resolved_at:%d %b %H:%M}")
    return render.md(" · ".join(bits))


def claim(res: Resources, escalation_id: int, user: User) -> Escalation:
    return res.store.escalations.claim(escalation_id, user.name)


def resolve(res: Resources, escalation_id: int, user: User, reply: str, in_scope: bool) -> Escalation:
    """Close it with the reply the customer got: kept as the ticket's reference answer (a labeled example)."""
    return res.store.escalations.resolve(escalation_id, user.name, clean_text(res, reply), in_scope)
