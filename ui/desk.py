"""Agent desk logic: ticket in, draft out, and the one-click actions an agent takes on it.

Pure functions over Answers plus thin calls to the FeedbackStore; `pages/desk.py` only renders.
Every text that reaches HTML is escaped here: drafts and passages are data, never markup.
"""

from __future__ import annotations

import html
from typing import NamedTuple

from assistant.models import Answer, Citation, Ticket
from feedback.export import MARKER, strip_markers
from feedback.models import ESCALATION_REASONS, REASON_CODES, Edit, Escalation, Feedback, SentDraft, User
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


def make_ticket(subject: str, body: str) -> Ticket:
    subject, body = (subject or "").strip(), (body or "").strip()
    if not body and not subject:
        raise UiError("The ticket is empty: paste the customer's message, then click Draft reply.")
    return Ticket(subject=subject, body=body or subject)


def draft_reply(res: Resources, ticket: Ticket, user: User, provider: str | None = None) -> Answer:
    """Run the assistant and record the interaction (every answer is recorded, escalations included)."""
    answer = answer_ticket(res, ticket, provider)
    res.store.record_interaction(answer, user.name)
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


def _chip(n: int, by_n: dict[int, Citation]) -> str:
    c = by_n.get(n)
    if c is None:  # a marker with no source behind it: show it, flagged
        return f'<span class="dk-chip dk-chip-missing" title="No source [{n}] in this answer">{n}</span>'
    quote = c.quote if len(c.quote) <= 240 else c.quote[:237] + "…"
    return f'<span class="dk-chip" title="{_escape(f"{c.title}: {quote}")}">{n}</span>'


def _escape(text: str) -> str:
    # HTML-escaped, and "$" as an entity so Streamlit's Markdown never reads prices as LaTeX.
    return html.escape(text, quote=True).replace("$", "&#36;")


def draft_markdown(answer: Answer) -> str:
    """The draft as Markdown with inline HTML: [n] markers as citation chips (hover shows the passage),
    unsupported sentences highlighted and struck with a tooltip. All draft text is escaped first."""
    text = _escape(answer.draft)
    tip = _escape("Not supported by the cited source: check it or remove it before sending.")
    for sentence in unsupported_sentences(answer):
        bare = _escape(MARKER.sub("", sentence).strip())
        if bare and bare in text:
            text = text.replace(bare, f'<span class="dk-unsupported" title="{tip}">{bare}</span>', 1)
    by_n = {c.n: c for c in answer.citations}
    return MARKER.sub(lambda m: _chip(int(m.group(1)), by_n), text)


def cited(answer: Answer) -> list[Citation]:
    """Citations the draft actually uses, in [n] order (all of them if the draft has no markers)."""
    used = {int(n) for n in MARKER.findall(answer.draft)}
    return sorted((c for c in answer.citations if not used or c.n in used), key=lambda c: c.n)


def source_label(c: Citation) -> str:
    title = c.title if len(c.title) <= 40 else c.title[:39] + "…"
    return f"[{c.n}] {title}"


def quote_html(c: Citation) -> str:
    return f'<div class="dk-quote">{_escape(c.quote)}</div>'


def customer_text(answer: Answer, text: str | None = None) -> str:
    """What the agent pastes to the customer: the draft (or the agent's edit) without [n] markers, then the
    linked articles it still cites."""
    text = answer.draft if text is None else text
    kept = {int(n) for n in MARKER.findall(text)}
    body = strip_markers(text)
    links = list(dict.fromkeys(f"{c.title}: {c.url}" for c in cited(answer) if c.url and c.n in kept))
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


# --- actions (each one click on the page) --------------------------------------------------------
def use_draft(res: Resources, answer: Answer, user: User) -> SentDraft:
    return res.store.record_sent(answer.request_id, user.name)


def save_edit(res: Resources, answer: Answer, user: User, final_text: str) -> Edit:
    if not final_text.strip():
        raise UiError("The edited reply is empty: write the reply or click Use draft.")
    return res.store.record_edit(answer.request_id, user.name, final_text)


def escalate(
    res: Resources, answer: Answer, user: User, reason: str, note: str = "", draft: str | None = None
) -> Escalation:
    return res.store.record_escalation(answer.request_id, user.name, reason, note=note, draft=draft)


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
        f"Escalated ({ESCALATION_LABELS[e.reason]}) and recorded; no escalation webhook is configured.",
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
        answer.request_id, user.name, thumbs, reason=reason, comment=comment.strip(), out_of_scope=False
    )
