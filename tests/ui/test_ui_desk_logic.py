"""Agent desk logic without a browser: rendering of drafts and the one-click actions on a real store."""

from __future__ import annotations

import pytest

from assistant.generation import Fallback
from assistant.models import GuardFinding
from tests.ui.conftest import StoreOnly, make_answer, user
from ui import desk
from ui.errors import UiError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("confidence", "label", "color"), [(0.9, "High", "green"), (0.6, "Medium", "orange"), (0.2, "Low", "red")]
)
def test_confidence_badge_shows_label_and_number_on_hover(confidence, label, color):
    badge = desk.confidence_badge(make_answer("r", confidence=confidence))
    assert badge.label == f"{label} confidence" and badge.color == color
    assert f"{confidence:.2f}" in badge.help


def test_escalation_reason_is_shown_up_front_only_when_escalating():
    assert desk.escalation_message(make_answer("r")) is None
    msg = desk.escalation_message(make_answer("r", decision="escalate"))
    assert msg.startswith("Escalate this ticket") and "nothing relevant" in msg


def test_customer_text_strips_markers_and_links_only_sources_kept(store):
    a = make_answer("r", ("billing/refunds.md", "account/password.md"))
    res = StoreOnly(store)
    text = desk.customer_text(res, a)
    assert "[1]" not in text and "Step 1 for you." in text
    assert "https://help.example/billing/refunds.md" in text
    edited = desk.customer_text(res, a, "Only this [2].")
    assert edited.startswith("Only this.") and "refunds" not in edited and "password" in edited
    assert "https://" not in desk.customer_text(StoreOnly(store, domains=["other.example"]), a)


def test_an_escalate_decision_offers_no_sendable_draft_unless_asked():
    escalate = make_answer("r", decision="escalate").model_copy(update={"draft": "Maybe this [1]."})
    view = desk.draft_view(escalate)
    assert (view.show_draft, view.sendable, view.can_draft_anyway) == (False, False, True)
    assert desk.draft_view(escalate, draft_anyway=True) == desk.DraftView(True, True, False)
    nothing = make_answer("r", decision="escalate")
    assert desk.draft_view(nothing) == desk.DraftView(False, False, False)
    assert desk.draft_view(make_answer("r")) == desk.DraftView(True, True, False)


def test_use_draft_and_escalate_record_once_and_the_state_shows_it_done(store):
    res = StoreOnly(store)
    a = make_answer("r-twice")
    ana = user("ana")
    store.record_interaction(a, ana.name)
    assert desk.ticket_state(res, "r-twice") == desk.TicketState()
    first = desk.use_draft(res, a, ana)
    assert desk.use_draft(res, a, ana).id == first.id and len(store.list_sent("r-twice")) == 1
    e1 = desk.escalate(res, a, ana, "account_specific", "needs billing")
    e2 = desk.escalate(res, a, ana, "bug_report", "second click")
    assert e1.id == e2.id and len(store.list_escalations("r-twice")) == 1
    done = desk.ticket_state(res, "r-twice")
    assert done.sent.id == first.id and done.escalation.id == e1.id and done.replied and done.feedback is None
    with pytest.raises(UiError, match="no draft to send"):
        desk.use_draft(res, make_answer("r-esc", decision="escalate"), ana)


def test_recent_tickets_are_the_users_own_and_reopen_refuses_others(store):
    res = StoreOnly(store)
    for rid, who in (("a1", "ana"), ("e1", "eva"), ("a2", "ana")):
        store.record_interaction(make_answer(rid, ticket=f"![t](https://evil.example/{rid}.png) refund?"), who)
    recent = desk.recent_tickets(res, user("ana"))
    assert [it.request_id for it in recent] == ["a2", "a1"]
    label = desk.ticket_label(recent[0])
    assert "\\!\\[t\\]" in label and "![t](" not in label  # Markdown shown as text
    assert desk.reopen(res, "a1", user("ana")).request_id == "a1"
    with pytest.raises(UiError, match="not one of yours"):
        desk.reopen(res, "e1", user("ana"))


def test_make_ticket_refuses_an_empty_ticket_with_what_to_do():
    with pytest.raises(UiError, match="paste the customer's message"):
        desk.make_ticket("  ", "\n")
    assert desk.make_ticket("Refund", "").text == "Refund\n\nRefund"


def test_actions_are_recorded_in_the_store(store):
    res = StoreOnly(store)
    a = make_answer("r-actions")
    ana = user("ana")
    store.record_interaction(a, ana.name)
    assert desk.use_draft(res, a, ana).edited is False
    edit = desk.save_edit(res, a, ana, "Hi, new text [1].")
    assert "+Hi, new text [1]." in edit.diff
    with pytest.raises(UiError):
        desk.save_edit(res, a, ana, "   ")
    esc = desk.escalate(res, a, ana, "account_specific", "needs billing access")
    assert esc.webhook_status == "disabled" and esc.status == "open"
    assert desk.webhook_message(esc)[0] == "info"
    with pytest.raises(UiError, match="Pick what was wrong"):
        desk.send_feedback(res, a, ana, 0, None)
    fb = desk.send_feedback(res, a, ana, 0, "outdated_source", " old article ")
    assert (fb.thumbs, fb.reason, fb.comment) == ("down", "outdated_source", "old article")
    it = store.get_interaction("r-actions")
    assert it.escalated and it.edited and it.thumbs == "down"


def test_webhook_failure_is_shown_as_queued_not_lost():
    from datetime import UTC, datetime

    from feedback.models import Escalation

    e = Escalation(
        id=1,
        request_id="r",
        user="ana",
        created_at=datetime.now(UTC),
        reason="bug_report",
        ticket="t",
        draft="d",
        webhook_status="queued",
        webhook_error="HTTP 503",
    )
    level, text = desk.webhook_message(e)
    assert level == "warning" and "HTTP 503" in text and "queued" in text


def test_safety_notes_say_what_the_guards_did():
    a = make_answer("r").model_copy(
        update={
            "guardrails": [
                GuardFinding(stage="pii", detail="EMAIL: 1 redacted"),
                GuardFinding(stage="ticket", detail="override: ignore previous"),
                GuardFinding(stage="generation", detail="generation is switched off; extractive draft used"),
            ]
        }
    )
    notes = desk.safety_notes(a)
    assert notes[0] == "Personal data removed before drafting: EMAIL: 1 redacted"
    assert "instruction-like" in notes[1] and notes[2].startswith("generation is switched off")
    assert desk.safety_notes(make_answer("r")) == []


def test_meta_line_says_when_and_why_the_draft_fell_back():
    plain = make_answer("r-fallback")
    assert "fallback" not in desk.meta_line(plain)
    failed = plain.model_copy(update={"provider": "extractive", "fallbacks": [Fallback(provider="openai", kind="failed", detail="ConnectError")]})
    line = desk.meta_line(failed, 1.25)
    assert "drafted in 1.2 s" in line and "fallback: openai: failed (ConnectError)" in line


@pytest.mark.integration
def test_help_center_search_from_the_desk_respects_disabled_sources(resources):
    hits = desk.search_help_center(resources, "card refund days")
    assert hits and hits[0].doc_id == "billing/refunds.md"
    try:
        resources.store.flags.set("disabled_sources", ["billing/"], actor="test")
        assert all(not h.doc_id.startswith("billing/") for h in desk.search_help_center(resources, "card refund days"))
    finally:
        resources.store.flags.set("disabled_sources", [], actor="test")
    with pytest.raises(UiError, match="Type a few words"):
        desk.search_help_center(resources, "  ")
