"""Dashboard aggregates by day and by version on a seeded set, checked number by number."""

from __future__ import annotations

import pytest

from feedback.dashboard import aggregate
from feedback.models import FeedbackFilter
from tests.feedback.conftest import make_answer


@pytest.mark.integration
def test_by_day_and_version(store, clock):
    # day 1: 4 interactions on index v1
    store.record_interaction(make_answer("a", latency=1.0, cost=0.01), "ana")
    store.record_sent("a", "ana")
    store.record_feedback("a", "ana", "up")
    store.record_interaction(make_answer("b", latency=2.0, cost=0.01), "ana")
    store.record_edit("b", "ana", "fixed text")
    store.record_feedback("b", "ana", "down", reason="incomplete")
    store.record_interaction(make_answer("c", latency=3.0, cost=0.02, decision="escalate"), "ana")
    store.record_escalation("c", "ana", "out_of_scope")
    store.record_interaction(make_answer("d", latency=10.0, cost=0.0), "ana")
    store.record_feedback("d", "ana", "down", reason="wrong")
    clock.advance(days=1)
    # day 2: 1 interaction on index v2, no feedback
    store.record_interaction(make_answer("e", index_version=2, latency=4.0, cost=0.05), "bob")

    day1, day2 = store.dashboard(by="day")
    assert (day1.key, day2.key) == ("2025-03-03", "2025-03-04")
    assert (day1.volume, day1.answered, day1.escalated) == (4, 3, 1)
    assert (day1.answered_share, day1.escalated_share) == (0.75, 0.25)
    assert (day1.used_as_is, day1.edited, day1.agent_escalated, day1.unused) == (1, 1, 1, 1)
    assert (day1.thumbs_up, day1.thumbs_down) == (1, 2) and day1.thumbs_ratio == pytest.approx(1 / 3)
    assert day1.reasons == {"incomplete": 1, "wrong": 1}
    assert day1.latency_p50 == pytest.approx(2.5)  # median of 1, 2, 3, 10
    assert day1.latency_p95 == pytest.approx(8.95)  # linear interpolation
    assert day1.cost_total == pytest.approx(0.04)
    assert day1.cost_per_answer == pytest.approx(0.01)
    assert day1.cost_per_used_draft == pytest.approx(0.02)  # 2 drafts used (as-is + edited)
    assert (day2.volume, day2.thumbs_ratio, day2.cost_per_used_draft) == (1, None, None)

    v1, v2 = store.dashboard(by="index_version")
    assert (v1.key, v1.volume, v2.key, v2.volume) == ("1", 4, "2", 1)
    (total,) = store.dashboard(by="all")
    assert total.volume == 5 and total.cost_total == pytest.approx(0.09)
    (only_down,) = store.dashboard(FeedbackFilter(thumbs="down"), by="all")
    assert only_down.volume == 2 and only_down.thumbs_ratio == 0.0


@pytest.mark.unit
def test_empty_aggregate_has_no_ratios():
    (row,) = aggregate([], by="all")
    assert row.volume == 0 and row.latency_p50 is None and row.cost_per_answer is None
    assert aggregate([], by="day") == []
