"""SLOs: error budget left and burn rates over 1 h / 24 h, computed by hand on small streams."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.models import TicketRecord
from feedback.slo import (
    Event,
    RequestOutcome,
    SloConfig,
    burn_rate,
    error_budget_left,
    slo_statuses,
    slos_from_store,
)
from tests.feedback.conftest import seed_pilot

pytestmark = pytest.mark.unit

NOW = datetime(2025, 3, 20, 12, tzinfo=UTC)
CFG = SloConfig(draft_latency_s=10, availability=0.99, thumbs_down_rate=0.1, window_days=28)


def outcomes() -> list[RequestOutcome]:
    """900 requests 2-10 days ago (5 failed), 80 in the last day but not the last hour (none failed),
    10 in the last hour (2 failed), and 50 failures from before the window."""
    out = [RequestOutcome(NOW - timedelta(days=2, minutes=13 * i), i >= 5, 0.3) for i in range(900)]
    out += [RequestOutcome(NOW - timedelta(hours=2, minutes=15 * i), True, 0.3) for i in range(80)]
    out += [RequestOutcome(NOW - timedelta(minutes=5 * i + 1), i >= 2, 0.3) for i in range(10)]
    return out + [RequestOutcome(NOW - timedelta(days=29 + i / 100), False, 0.3) for i in range(50)]


def by_name(statuses):
    return {s.name: s for s in statuses}


def test_availability_budget_and_burn_rates_by_hand():
    a = by_name(slo_statuses(CFG, [], outcomes(), NOW))["availability"]
    assert (a.events, a.bad, a.events_24h, a.events_1h) == (990, 7, 90, 10)
    assert a.error_budget_left == pytest.approx(1 - 7 / (0.01 * 990))  # 0.293: 7 of 9.9 allowed failures
    assert a.burn_rate_24h == pytest.approx((2 / 90) / 0.01)  # 2.2
    assert a.burn_rate_1h == pytest.approx((2 / 10) / 0.01)  # 20 >= 14.4
    assert a.fast_burn and a.good_share == pytest.approx(983 / 990)


def test_latency_and_precision_from_drafts():
    records = [TicketRecord(ticket_id=f"t{i}", created_at=NOW - timedelta(hours=i + 2), latency_s=30.0 if i == 0
                            else 1.0 + i / 10, thumbs=("down" if i == 1 else "up") if i < 10 else None)
               for i in range(40)]
    s = by_name(slo_statuses(CFG, records, [], NOW))
    lat = s["draft_latency"]
    assert (lat.events, lat.bad, lat.objective) == (40, 1, 0.95)
    assert lat.error_budget_left == pytest.approx(1 - 1 / (0.05 * 40))  # half the budget left
    assert lat.events_1h == 0 and lat.burn_rate_1h is None and not lat.fast_burn
    assert lat.burn_rate_24h == pytest.approx((1 / 22) / 0.05)  # drafts 2..23 h ago
    assert lat.p95_latency_s == pytest.approx(4.805)  # 37.05th of 40 sorted: 4.8 + 0.05 x 0.1
    prec = s["answer_precision"]
    assert (prec.events, prec.bad, prec.objective) == (10, 1, 0.9)
    assert prec.error_budget_left == pytest.approx(0.0)  # 1 down of the 1 allowed
    avail = s["availability"]
    assert avail.events == 0 and avail.error_budget_left is None and avail.good_share is None


def test_fast_burn_needs_enough_events_in_the_hour():
    few = [RequestOutcome(NOW - timedelta(minutes=m), False, 0.1) for m in (1, 2, 3)]
    a = by_name(slo_statuses(CFG, [], few, NOW))["availability"]
    assert a.burn_rate_1h == pytest.approx(100.0) and not a.fast_burn
    assert a.error_budget_left == pytest.approx(1 - 3 / 0.03)  # overspent: below zero


def test_pure_helpers_and_naive_times():
    ev = [Event(datetime(2025, 3, 20, 11, 30), False), Event(datetime(2025, 3, 20, 11, 40), True)]
    assert burn_rate(ev, 0.9) == pytest.approx(5.0) and burn_rate([], 0.9) is None
    assert error_budget_left(ev, 0.5) == pytest.approx(0.0) and error_budget_left([], 0.5) is None
    naive = [RequestOutcome(datetime(2025, 3, 20, 11, 30), True, 0.1)]  # taken as UTC
    assert by_name(slo_statuses(CFG, [], naive, NOW))["availability"].events_1h == 1


@pytest.mark.integration
def test_from_store_reads_the_window_of_drafts(store, clock):
    seed_pilot(store, clock, days=3)
    now = datetime(2025, 3, 5, 22, tzinfo=UTC)  # after the 24th ticket (21:00)
    s = by_name(slos_from_store(store, SloConfig.from_settings(_settings()), now=now))
    assert s["draft_latency"].events == 24 and s["draft_latency"].bad == 0  # make_answer takes 1 s
    assert s["answer_precision"].events == 6 and s["answer_precision"].bad == 3  # 3 up, 3 down


def _settings():
    from deflectkit.core.config import Settings

    return Settings(_env_file=None)
