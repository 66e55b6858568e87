"""Escalation queue logic: every escalated ticket listed, claim and resolve on a real store."""

from __future__ import annotations

import pytest

from feedback.errors import EscalationError
from tests.ui.conftest import StoreOnly, make_answer, user
from ui import desk
from ui import escalations as esc

pytestmark = pytest.mark.unit


def test_escalated_tickets_appear_in_the_queue_and_move_through_it(store):
    res = StoreOnly(store)
    a = make_answer("r-q", ticket="Payout for INV-0042 missing\n\nsecond line")
    store.record_interaction(a, "ana")
    desk.escalate(res, a, user("ana"), "account_specific", "needs payout access")
    [item] = esc.queue(res, "open")
    assert item.escalation.user == "ana" and item.escalation.note == "needs payout access"
    assert item.answer.citations[0].doc_id == "billing/refunds.md"  # the draft's sources come along
    assert esc.headline(item.escalation) == "#1 · Payout for INV\\-0042 missing · Needs account access"
    assert esc.counts(res) == {"open": 1, "claimed": 0, "resolved": 0}

    esc.claim(res, 1, user("root"))
    assert esc.queue(res, "open") == [] and esc.queue(res, "claimed")[0].escalation.claimed_by == "root"
    with pytest.raises(EscalationError, match="claimed by root"):
        esc.resolve(res, 1, user("eva"), "Done.", in_scope=False)
    done = esc.resolve(res, 1, user("root"), "  We paid it out by hand.  ", in_scope=True)
    assert (done.resolution, done.resolution_in_scope) == ("We paid it out by hand.", True)
    assert "resolved by root" in esc.who_line(done)
    assert [i.escalation.id for i in esc.queue(res, "resolved")] == [1]
    actions = [(e.action, e.actor) for e in store.audit.entries(limit=3)]
    assert actions == [("escalation_resolve", "root"), ("escalation_claim", "root"), ("escalation", "ana")]
