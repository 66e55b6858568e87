"""Agent desk logic without a browser: rendering of drafts and the one-click actions on a real store."""

from __future__ import annotations

import pytest

from assistant.generation import Fallback
from assistant.models import GuardFinding
from tests.ui.conftest import StoreOnly, make_answer, user
from ui import desk
from ui.errors import UiError

pytestmark = pytest.mark.unit


def test_draft_markdown_turns_markers_into_chips_with_the_passage_and_escapes_everything():
    a = make_answer("r1", ("billing/refunds.md", "account/password.md"))
    a = a.model_copy(update={"draft": a.draft.replace("Step 2", "Use <script>x</script> & go")})
    out = desk.draft_markdown(a)
    assert out.count('class="dk-chip"') == 2
    assert (
        'title="Title of billing/refunds.md: Passage from billing/refunds.md with &lt;b&gt;markup&lt;/b&gt;."'
        in out
    )
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "[1]" not in out


def test_unsupported_sentence_is_struck_with_a_tooltip_and_listed():
    a = make_answer("r1", ("billing/refunds.md", "account/password.md"), supported=False)
    out = desk.draft_markdown(a)
    assert '<span class="dk-unsupported" title="Not supported by the cited source' in out
    assert out.index("dk-unsupported") < out.index("Step 1")
    assert desk.unsupported_sentences(a) == ["Step 1 for you."]


def test_marker_without_a_citation_is_flagged_not_dropped():
    a = make_answer("r1").model_copy(update={"draft": "See this [7]."})
    assert "dk-chip-missing" in desk.draft_markdown(a)


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


def test_customer_text_strips_markers_and_links_only_sources_kept():
    a = make_answer("r", ("billing/refunds.md", "account/password.md"))
    text = desk.customer_text(a)
    assert "[1]" not in text and "Step 1 for you." in text
    assert "https://help.example/billing/refunds.md" in text
    edited = desk.customer_text(a, "Only this [2].")
    assert edited.startswith("Only this.") and "refunds" not in edited and "password" in edited


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
    assert esc.webhook_status == "disabled"
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
