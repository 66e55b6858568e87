"""Agent desk logic: ticket in, draft out, and the one-click actions an agent takes on it.

Pure functions over Answers plus thin calls to the FeedbackStore; `pages/desk.py` only renders.
Every text that reaches the screen goes through ui/render.py: drafts and passages are data, never markup.
What the agent already did with a ticket is read back from the store (`ticket_state`), so a reopened
ticket or a reloaded page shows the same buttons as done.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from assistant.models import Answer, Citation, Ticket
from feedback.export import MARKER, strip_markers
from feedback.models import (
    ESCALATION_REASONS,
    REASON_CODES,
    Edit,
    Escalation,
    Feedback,
    FeedbackFilter,
    Interaction,
    SentDraft,
    User,
)
from retrieval.models import Hit
from ui import render
from ui.errors import UiError
from ui.services import Resources, answer_ticket

REASON_LABELS = {
    "wrong": "Wrong answer",
    "incomplete": "Incomplete",
    "outdated_source": "Outdated source",
    "not_grounded": "Not backed by the sources",
    "not_in_docs": "Not in the help center",
    "tone": "Tone",
    "other": "Other",
}
ESCALATION_LABELS = {
    "out_of_scope": "Not covered by the help center",
    "account_specific": "Needs account access",
    "bug_report": "Looks like a bug",
    "policy_exception": "Policy exception",
    "bad_draft": "Draft not usable",
    "other": "Other",
}
assert set(REASON_LABELS) == set(REASON_CODES) and set(ESCALATION_LABELS) == set(ESCALATION_REASONS)

# Shown while the pipeline runs (one call); its real per-stage timings are listed once it is done.
STAGES = (
    "Redacting personal data",
    "Searching the help center",
    "Drafting the reply",
    "Checking each sentence against its source",
)


class Badge(NamedTuple):
    label: str
    color: str
    help: str


class DraftView(NamedTuple):
    show_draft: bool  # the draft text is on screen
    sendable: bool  # "Use draft" and "Edit" are enabled
    can_draft_anyway: bool  # an escalate decision hides a draft the agent may still ask for


class TicketState(NamedTuple):
    """What has been done with one ticket, as the store has it."""

    sent: SentDraft | None = None
    edit: Edit | None = None
    escalation: Escalation | None = None
    feedback: Feedback | None = None

    @property
    def replied(self) -> bool:
        return self.sent is not None or self.edit is not None


def make_ticket(subject: str, body: str) -> Ticket:
    subject, body = (subject or "").strip(), (body or "").strip()
    if not body and not subject:
        raise UiError("The ticket is empty: paste the customer's message, then click Draft reply.")
    return Ticket(subject=subject, body=body or subject)


def draft_reply(res: Resources, ticket: Ticket, user: User, provider: str | None = None,
                opened_at: datetime | None = None) -> Answer:
    """Run the assistant and record the interaction (every answer is recorded, escalations included).

    `opened_at`: when the agent took the ticket up (handle time in the ROI readout runs from it)."""
    answer = answer_ticket(res, ticket, provider)
    res.store.record_interaction(answer, user.name, opened_at=opened_at)
    return answer


def confidence_badge(answer: Answer) -> Badge:
    color = {"high": "green", "medium": "orange", "low": "red"}[answer.confidence_label]
    return Badge(
        f"{answer.confidence_label.capitalize()} confidence",
        color,
        f"Calibrated confidence {answer.confidence:.2f} (0-1): the estimated chance this draft is "
        f"right. Calibration {answer.calibration_version or 'default'}.",
    )


def escalation_message(answer: Answer) -> str | None:
    """Why the assistant suggests escalating, shown above everything else; None when it answers."""
    if answer.decision != "escalate":
        return None
    reasons = "; ".join(answer.reasons) or "the help center does not cover this ticket well enough"
    return f"Escalate this ticket: {reasons}."


def safety_notes(answer: Answer) -> list[str]:
    """What the guards found and did, in words an agent can act on (from Answer.guardrails)."""
    details = {stage: [str(g) for g in answer.findings(stage)]
               for stage in ("pii", "ticket", "sources", "output", "generation", "grounding")}
    notes = []
    if details["pii"]:
        notes.append("Personal data removed before drafting: " + "; ".join(details["pii"]))
    if details["ticket"]:
        notes.append("The ticket contains instruction-like text; the assistant treated it as data only.")
    if details["sources"]:
        notes.append(f"{len(details['sources'])} instruction-like passage(s) in the sources were screened out.")
    if details["output"]:
        notes.append("Removed from the draft: " + "; ".join(details["output"][:3]))
    notes += details["generation"][:2] + details["grounding"][:2]
    if answer.fell_back_from == "local":
        notes.append("The local 135M model is slow and its draft failed the checks; the extractive draft is shown.")
    return notes


def unsupported_sentences(answer: Answer) -> list[str]:
    return [s.text for s in answer.sentences if not s.supported]


def draft_view(answer: Answer, draft_anyway: bool = False) -> DraftView:
    """What the desk offers: on an escalate decision no sendable draft, the reason and the related passages
    instead, unless the agent asked for the draft anyway."""
    if answer.decision == "escalate" and not draft_anyway:
        return DraftView(show_draft=False, sendable=False, can_draft_anyway=bool(answer.draft))
    return DraftView(show_draft=bool(answer.draft), sendable=bool(answer.draft), can_draft_anyway=False)


def draft_html(res: Resources, answer: Answer) -> str:
    return render.draft_html(answer, unsupported_sentences(answer), res.link_check())


def cited(answer: Answer) -> list[Citation]:
    """Citations the draft actually uses, in [n] order (all of them if the draft has no markers)."""
    used = {int(n) for n in MARKER.findall(answer.draft)}
    return sorted((c for c in answer.citations if not used or c.n in used), key=lambda c: c.n)


def source_label(c: Citation) -> str:
    """A source button's label (Markdown: the title is escaped)."""
    title = c.title if len(c.title) <= 40 else c.title[:39] + "…"
    return f"\\[{c.n}\\] {render.md(title)}"


def customer_text(res: Resources, answer: Answer, text: str | None = None) -> str:
    """What the agent pastes to the customer: the draft (or the agent's edit) without [n] markers, then the
    linked articles it still cites (allowed http(s) links only)."""
    text = answer.draft if text is None else text
    kept = {int(n) for n in MARKER.findall(text)}
    body = strip_markers(text)
    check = res.link_check()
    links = list(dict.fromkeys(f"{c.title}: {url}" for c in cited(answer) if c.n in kept and (url := check(c.url))))
    return body + ("\n\nMore help:\n" + "\n".join(f"- {x}" for x in links) if links else "")


def timings_line(answer: Answer) -> str:
    parts = [f"{k} {v * 1000:.0f} ms" for k, v in answer.timings.items()]
    return " · ".join(parts)


def meta_line(answer: Answer, seconds: float | None = None) -> str:
    bits = [f"drafted in {seconds:.1f} s"] if seconds is not None else []
    bits += [
        f"provider {answer.provider}" + (f" ({answer.model})" if answer.model else ""),
        f"index v{answer.index_version}" if answer.index_version is not None else "no index version",
        f"prompt {answer.prompt_version}",
    ]
    if answer.cached:
        bits.append("cached")
    if answer.fallbacks:  # tells the agent why this draft is not from the configured model
        bits.append("fallback: " + "; ".join(map(str, answer.fallbacks)))
    if answer.cost:
        bits.append(f"cost {answer.cost:.4f}")
    return " · ".join(bits)


# --- history: what was done, recent tickets, reopening ---------------------------------------------
def ticket_state(res: Resources, request_id: str) -> TicketState:
    """Sends, edits, the escalation and the latest feedback recorded for one ticket."""
    store = res.store
    sent = [s for s in store.list_sent(request_id) if not s.edited]
    edits = store.list_edits(request_id)
    escalations = [e for e in store.list_escalations(request_id) if e.status != "duplicate"]
    feedback = store.list_feedback(request_id)
    return TicketState(sent=sent[0] if sent else None, edit=edits[-1] if edits else None,
                       escalation=escalations[0] if escalations else None,
                       feedback=feedback[-1] if feedback else None)


def recent_tickets(res: Resources, user: User, limit: int = 10) -> list[Interaction]:
    """The user's own latest tickets, newest first."""
    return res.store.list_interactions(FeedbackFilter(user=user.name, limit=limit), with_answer=False)


def ticket_label(it: Interaction) -> str:
    """One line for the recent-tickets list (Markdown: the ticket text is escaped)."""
    first = next((line.strip() for line in it.ticket.splitlines() if line.strip()), "(empty ticket)")
    first = first if len(first) <= 48 else first[:47] + "…"
    done = {"used_as_is": "sent", "edited": "edited", "escalated": "escalated", "unused": ""}[it.outcome]
    return f"{it.created_at:%d %b %H:%M} · {render.md(first)}" + (f" · {done}" if done else "")


def reopen(res: Resources, request_id: str, user: User) -> Answer:
    """The recorded Answer of one of the user's own tickets (for a reload or the recent list)."""
    it = res.store.get_interaction(request_id)
    if it is None or it.answer is None or it.user.lower() != user.name.lower():
        raise UiError("That ticket is not one of yours, or retention removed it: paste the ticket again.")
    if it.redacted:
        raise UiError("That ticket's text was removed by the retention policy: paste the ticket again.")
    return it.answer


def search_help_center(res: Resources, query: str, k: int = 5) -> list[Hit]:
    """The agent's own search of the help center, with the admin's live source switches applied."""
    query = (query or "").strip()
    if not query:
        raise UiError("Type a few words to search the help center.")
    filters, _ = res.services.request_options()
    return res.services.searcher.search(query[:500], k=k, filters=filters)


def clean_text(res: Resources, text: str) -> str:
    """Free text typed by a person (notes, comments, replies), with personal data redacted before storing."""
    text = (text or "").strip()
    if text and getattr(res.settings, "redact_pii", False):
        text = res.services.redactor.redact(text)[0]
    return text


# --- actions (each one click on the page) --------------------------------------------------------
def use_draft(res: Resources, answer: Answer, user: User) -> SentDraft:
    """'Use draft' (the text is on the agent's clipboard): recorded once, however often it is clicked."""
    if answer.decision == "escalate" and not answer.draft:
        raise UiError("There is no draft to send for this ticket: escalate it, or write the reply yourself.")
    return res.store.record_sent(answer.request_id, user.name)


def save_edit(res: Resources, answer: Answer, user: User, final_text: str) -> Edit:
    if not final_text.strip():
        raise UiError("The edited reply is empty: write the reply or click Use draft.")
    return res.store.record_edit(answer.request_id, user.name, clean_text(res, final_text))


def escalate(
    res: Resources, answer: Answer, user: User, reason: str, note: str = "", draft: str | None = None
) -> Escalation:
    """Recorded once per ticket: a second click returns the first escalation."""
    return res.store.record_escalation(answer.request_id, user.name, reason, note=clean_text(res, note), draft=draft)


def webhook_message(e: Escalation) -> tuple[str, str]:
    """(level, text) for the page: success / warning / info."""
    if e.webhook_status == "delivered":
        return "success", f"Escalated ({ESCALATION_LABELS[e.reason]}): delivered to the escalation webhook."
    if e.webhook_status in ("queued", "pending"):
        return "warning", (
            f"Escalated and saved, but the webhook failed ({e.webhook_error or 'no answer'}). "
            "It is queued and will be retried: an admin can click Deliver queued escalations."
        )
    return (
        "info",
        f"Escalated ({ESCALATION_LABELS[e.reason]}): it is in the escalation queue (Escalations page).",
    )


def send_feedback(
    res: Resources,
    answer: Answer,
    user: User,
    thumbs_index: int | None,
    reason: str | None,
    comment: str = "",
) -> Feedback:
    """st.feedback gives 1 for 👍 and 0 for 👎; a 👎 needs a reason code so evaluators can act on it."""
    if thumbs_index is None:
        raise UiError("Pick 👍 or 👎 first.")
    thumbs = "up" if thumbs_index == 1 else "down"
    if thumbs == "down" and not reason:
        raise UiError("Pick what was wrong with the draft, then send.")
    return res.store.record_feedback(
        answer.request_id, user.name, thumbs, reason=reason, comment=clean_text(res, comment), out_of_scope=False
    )
