"""What the store records for the ROI readout: ticket open time, reply time, self-service outcome."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from feedback.errors import UnknownInteraction
from feedback.models import FeedbackFilter
from tests.feedback.conftest import T0, make_answer

pytestmark = pytest.mark.integration


def test_handle_time_runs_from_open_to_the_first_send_or_escalation(store, clock):
    store.record_interaction(make_answer("r1"), "ana", opened_at=T0 - timedelta(minutes=4))
    store.record_interaction(make_answer("r2"), "ana", opened_at=T0)
    store.record_interaction(make_answer("r3", decision="escalate"), "bo")  # no open time recorded
    store.record_interaction(make_answer("r4"), "bo", opened_at=T0)
    clock.advance(minutes=1)
    store.record_sent("r1", "ana")
    store.record_edit("r2", "ana", "Edited reply.")
    store.record_edit("r3", "bo", "Sent anyway.")
    clock.advance(minutes=2)
    store.record_escalation("r4", "bo", "bug_report")
    store.record_sent("r1", "ana")  # a second send does not move the reply time
    recs = {r.ticket_id: r for r in store.ticket_records()}
    assert recs["r1"].handle_time_s == pytest.approx(300, abs=0.01)
    assert recs["r2"].handle_time_s == pytest.approx(60, abs=0.01)
    assert recs["r3"].handle_time_s is None
    assert recs["r4"].handle_time_s == pytest.approx(180, abs=0.01)
    assert [(k, r.deflected, r.used, r.escalated, r.override) for k, r in sorted(recs.items())] == [
        ("r1", True, True, False, None),
        ("r2", False, True, False, None),
        ("r3", False, True, False, "sent_despite_escalation"),
        ("r4", False, False, True, "escalated_despite_answer"),
    ]
    assert recs["r3"].drafted is False and recs["r1"].agent == "ana" and recs["r1"].llm_cost == 0.01


def resolve(store, rid: str, resolved: bool) -> None:
    """A self-service question and the customer's 'did this help?' click, as POST /v1/deflect records them."""
    if store.selfservice.get(rid) is None:
        store.selfservice.record_ask(rid, True, None, channel="web")
    store.selfservice.record_resolved(rid, resolved, actor="web")


def test_customer_resolution_counts_as_deflection_latest_wins(store):
    store.record_interaction(make_answer("s1"), "api")
    store.record_interaction(make_answer("s2"), "api")
    resolve(store, "s1", True)
    resolve(store, "s2", True)
    resolve(store, "s2", False)
    recs = {r.ticket_id: r for r in store.ticket_records()}
    assert recs["s1"].deflected and not recs["s2"].deflected
    assert recs["s1"].used is False  # no agent sent anything
    with pytest.raises(UnknownInteraction):
        store.selfservice.record_resolved("nope", True, actor="web")


def test_records_filter_by_day_and_carry_votes(store, clock):
    store.record_interaction(make_answer("d1", latency=2.0), "ana")
    clock.advance(days=1)
    store.record_interaction(make_answer("d2"), "ana")
    store.record_feedback("d2", "ana", "down", reason="outdated_source")
    day2 = (T0 + timedelta(days=1)).date()
    recs = store.ticket_records(FeedbackFilter(since=day2, until=day2))
    assert [(r.ticket_id, r.thumbs, r.reason) for r in recs] == [("d2", "down", "outdated_source")]
    first = store.ticket_records(FeedbackFilter(until=date(2025, 3, 3)))
    assert [(r.ticket_id, r.latency_s) for r in first] == [("d1", 2.0)]


def test_naive_open_time_is_taken_as_utc(store, clock):
    store.record_interaction(make_answer("n1"), "ana", opened_at=T0.replace(tzinfo=None) - timedelta(minutes=1))
    store.record_sent("n1", "ana")
    assert store.ticket_records()[0].handle_time_s == pytest.approx(60, abs=0.01)
