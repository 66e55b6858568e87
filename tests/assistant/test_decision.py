"""Escalation reasons an agent reads: name unknown topics, never filler the help center merely lacks."""

import pytest

from assistant.decision import decide, lacking_words, topic_of
from retrieval.tokenize import tokenize

pytestmark = pytest.mark.unit


def _missing(*words: str) -> set[str]:
    return {t for w in words for t in tokenize(w)}


def test_low_confidence_names_the_unknown_topic():
    d = decide(0.4, 0.75, [], "Can Ledgerly run payroll for my employees?", _missing("payroll", "employees"), True)
    assert d.decision == "escalate"
    assert d.reasons == ["confidence 0.40 is below the answer threshold 0.75",
                         "the help center may have nothing on payroll, employees"]


def test_no_topic_reason_when_no_visible_word_is_unknown():
    # "much" is filler, so no content word of this ticket is unknown: only the confidence reason.
    d = decide(0.7, 0.75, [], "How much is the Pro plan and what do I get over Growth?", _missing("much"), True)
    assert d.reasons == ["confidence 0.70 is below the answer threshold 0.75"]
    assert lacking_words("How much is the Pro plan?", _missing("much")) == []


def test_empty_draft_still_says_what_the_ticket_was_about():
    d = decide(0.9, 0.75, [], "Do you offer bitcoin payouts?", set(), False)
    assert d.decision == "escalate" and d.reasons[0] == "the help center has nothing on bitcoin, payouts"
    assert topic_of("Do you offer bitcoin payouts?", _missing("bitcoin")) == "bitcoin"


def test_confident_answer_gives_its_reason():
    d = decide(0.8, 0.75, [], "How do I refund a payment?", _missing("refund"), True)
    assert d == ("answer", ["confidence 0.80 meets the answer threshold 0.75"])
