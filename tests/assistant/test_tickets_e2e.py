"""Real tickets on the whole demo help center: the cases the ticket-quality issue names."""

import re

import pytest

from assistant.models import Ticket
from assistant.understanding import detect_language

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_reset_email_never_came_gets_the_spam_folder_advice(demo_assistant):
    a = demo_assistant.answer(Ticket(subject="Password reset",
                                     body="Hi, I clicked forgot password but the reset email never came. What should I do?"))
    assert "spam" in a.body.lower(), a.body
    assert a.decision == "escalate" or "spam" in a.draft.lower()
    if a.decision == "escalate":  # the agent is told why: the help center tells it twice
        assert any(r.startswith("held back by: another article matches about as well: “") for r in a.reasons), a.reasons


@pytest.mark.parametrize("heading", ["Didn't get the email?", "The reset email never arrived"])
def test_over_a_help_center_with_one_reset_article_the_draft_is_the_spam_folder_advice(make_services, tmp_path,
                                                                                        heading):
    # The case: the section that answers ranks below the generic steps of the same article.
    import shutil

    from tests.conftest import DEMO

    kb = tmp_path / "kb"
    kb.mkdir()
    for name in ("reset-your-password", "two-factor-authentication", "refund-a-payment", "export-your-data"):
        shutil.copy(DEMO / "articles" / f"{name}.md", kb)
    article = kb / "reset-your-password.md"
    article.write_text(article.read_text().replace("## Didn't get the email?", f"## {heading}"))
    svc = make_services(calibration_profile="tickets")
    svc.ingest([kb])
    a = svc.answer(Ticket(body="Hi, I clicked forgot password but the reset email never came. What should I do?"))
    assert "spam" in a.body.lower() and "Send reset link" not in a.body, a.body
    assert a.citations[0].heading_path[-1] == heading


def test_two_asks_are_both_answered(demo_assistant):
    # With the demo tickets' base rate, as `make run` answers: each ask's article is no rival to the other's.
    from assistant.pipeline import Assistant

    desk = Assistant(demo_assistant.settings.model_copy(update={"calibration_profile": "tickets"}),
                     demo_assistant.searcher, demo_assistant.embedder, demo_assistant.redactor)
    for body in ("Hi team,\n\nhow do i turn on 2FA for my login? And how do I invite a new team member to our "
                 "workspace?\n\nThanks, Tom",
                 "hi,\n\ntwo quick things. how do i turn on 2FA for my login? and how do I invite a team member - "
                 "our part-time bookkeeper needs access.\n\ncheers\nTom"):
        a = desk.answer(Ticket(subject="two things", body=body))
        assert a.decision == "answer", (a.confidence, a.reasons)
        assert [c.doc_id for c in a.citations] == ["articles/two-factor-authentication.md",
                                                   "articles/team-members-and-roles.md"]
        assert a.draft.startswith("Hi Tom,")  # the name from the sign-off
        assert "Enable two-factor authentication" in a.draft and "Invite member" in a.draft, a.draft


def test_an_uncovered_ask_is_named_and_nothing_is_sent(demo_assistant):
    a = demo_assistant.answer(Ticket(subject="trial", body=(
        "How long is the free trial? Also, can you run payroll for my twelve employees every month?")))
    assert a.decision == "escalate" and a.draft == ""
    # Named either as not covered, or as the ask that held the confidence below the threshold.
    assert any(("not covered" in r or "least covered" in r) and "payroll" in r for r in a.reasons), a.reasons


def test_spanish_ticket_is_not_wrapped_in_an_english_shell(demo_assistant):
    a = demo_assistant.answer(Ticket(subject="reembolso",
                                     body="Hola, ¿cómo puedo reembolsar un pago a un cliente? Gracias, María"))
    if a.draft:
        body_lang = detect_language(a.body)[0]
        english_shell = a.draft.startswith("Hi") or a.draft.rstrip().endswith("Hope this helps!")
        assert not (english_shell and body_lang not in (None, "en")), a.draft
    langs = {detect_language(r)[0] for r in a.reasons}
    assert any("Spanish" in r for r in a.reasons) or "es" in langs or a.decision == "answer", a.reasons
    # The passages shown are Spanish or the help center's English, never its one German article.
    assert a.citations and all(detect_language(c.quote)[0] in (None, "es", "en") for c in a.citations), [
        c.quote for c in a.citations]


def test_a_ticket_answered_in_its_own_language_carries_no_language_note(demo_assistant):
    a = demo_assistant.answer(Ticket(body="Hallo, wie aktiviere ich die E-Rechnung für meine Kunden in Deutschland? "
                                          "Danke, Jens"))
    assert a.citations and detect_language(a.body)[0] == "de", a.body
    assert not any("ticket is in" in r for r in a.reasons), a.reasons


def test_reasons_never_echo_card_numbers_cvc_or_phone(demo_assistant):
    a = demo_assistant.answer(Ticket(subject="payroll", body=(
        "Can you run payroll for us? My card is 4111 1111 1111 1111, exp 09/27, CVC 123, "
        "call me on 07700 900123. Thanks, Sam")))
    text = " ".join(a.reasons)
    for secret in ("4111", "123", "07700", "900123", "09/27", "Sam"):
        assert not re.search(rf"(?<![\w/]){re.escape(secret)}(?![\w/])", text), (secret, text)


def test_what_a_customer_wraps_around_a_question_does_not_move_the_answer(demo_assistant):
    q = "How do I issue a partial refund?"
    plain = demo_assistant.answer(Ticket(body=q))
    wrapped = [f"Hi, I'm Jane Doe (jane@example.com). {q}", f"{q} Thanks in advance for your help!",
               f"Quick question: {q[0].lower() + q[1:]}", f"Order #48213 - {q}", f"{q}\n\nP.S. love the product!",
               f"Hi there! Hope you're well. {q}\n\nKind regards,\nJane Smith\nFinance Manager | Acme Widgets Ltd"]
    for body in wrapped:
        a = demo_assistant.answer(Ticket(body=body))
        assert a.body == plain.body and abs(a.confidence - plain.confidence) < 0.05, (body, a.confidence, plain.confidence)
