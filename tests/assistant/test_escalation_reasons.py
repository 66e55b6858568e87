"""Escalation reasons come from the redacted ticket and never quote names, addresses or stray digits."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

TICKETS = [
    ("hello my name is sam carter from 221B Baker Street, what will the weather be in Springfield for "
     "Maria Keller? Call +44 7700 900123."),
    ("How do I refund a payment? Also, can Northwind Bakery at Hauptstraße 5 pay with Bitcoin, "
     "phone 020 7946 0958?"),
]
RAW = ("sam", "carter", "221B", "Baker", "4111", "123", "09/27", "7700", "900123", "Maria", "Keller", "Northwind",
       "Bakery", "Hauptstraße", "7946", "0958")


@pytest.mark.parametrize("ticket", TICKETS)
def test_reasons_hold_no_personal_data(slice_services, ticket):
    answer = slice_services.answer(ticket)
    assert answer.decision == "escalate"
    quoted = [r for r in answer.reasons if "“" in r]
    assert quoted, answer.reasons  # the uncovered ask is quoted...
    text = " ".join(answer.reasons).lower()
    assert [w for w in RAW if w.lower() in text] == []  # ...without a name, an address or a number
