import pytest

from assistant.vocabulary import Vocabulary

pytestmark = pytest.mark.unit

VOCAB = Vocabulary.from_texts([
    "Refund a customer payment from the Payments page.",
    "Customers receive an email when a refund succeeds.",
    "Invoices can be sent in 34 currencies.",
])


def test_typos_are_known_but_new_words_are_not():
    assert VOCAB.canonical("custmer") == "customer"  # a missing letter
    assert VOCAB.canonical("refundd") == "refund"  # an extra letter
    assert VOCAB.canonical("paymant") == "payment"  # a wrong letter
    assert VOCAB.unknown("Can customers get a refund in bitcoin?") == ["get", "bitcoin"]
    assert not VOCAB.knows("loan")  # short words must match exactly


def test_coverage_weighs_rare_and_unknown_terms_most():
    full = VOCAB.coverage("refund customer payment", "Refund a customer payment.")
    partial = VOCAB.coverage("refund customer payment in bitcoin", "Refund a customer payment.")
    assert full == pytest.approx(1.0) and partial < 0.7
    assert VOCAB.coverage("", "anything") == 0.0
