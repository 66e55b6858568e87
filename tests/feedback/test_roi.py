"""ROI readout: every figure and every interval on tiny cases computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from feedback.models import TicketRecord
from feedback.roi import (
    BaselineInfo,
    Estimate,
    Ratio,
    RoiConfig,
    build_readout,
    delta,
    estimate,
    verdict,
)

pytestmark = pytest.mark.unit

DAY = datetime(2025, 3, 3, 9, tzinfo=UTC)
CFG = RoiConfig(agent_cost_per_minute=0.5)


def rec(i: str, **kw) -> TicketRecord:
    kw.setdefault("created_at", DAY)
    return TicketRecord(ticket_id=i, **kw)


# Baseline: 3 agent-handled tickets (10, 20, 30 min) and one resolved by self-service.
BEFORE = [
    rec("b1", handle_time_s=600, first_contact_resolution=True),
    rec("b2", handle_time_s=1200, first_contact_resolution=False, escalated=True),
    rec("b3", handle_time_s=1800, first_contact_resolution=True),
    rec("b4", deflected=True),
]
# Pilot: as-is send, edited send, escalation against an answer, self-service resolved, send against an escalation.
AFTER = [
    rec("a1", agent="ana", handle_time_s=300, drafted=True, used=True, deflected=True, llm_cost=0.02, thumbs="up"),
    rec("a2", agent="ana", handle_time_s=600, drafted=True, used=True, llm_cost=0.02, thumbs="down",
        reason="outdated_source"),
    rec("a3", agent="bo", handle_time_s=900, drafted=True, used=False, escalated=True, llm_cost=0.01,
        thumbs="down", reason="wrong", override="escalated_despite_answer", created_at=DAY + timedelta(days=7)),
    rec("a4", agent="api", drafted=True, used=False, deflected=True, llm_cost=0.01),
    rec("a5", agent="bo", handle_time_s=1200, drafted=False, used=True, override="sent_despite_escalation",
        created_at=DAY + timedelta(days=7)),
]


@pytest.fixture(scope="module")
def readout():
    info = BaselineInfo(kind="csv", source="baseline.csv", tickets=len(BEFORE))
    return build_readout(BEFORE, AFTER, CFG, date(2025, 3, 3), date(2025, 3, 16), info)


def test_point_figures_before_and_after(readout):
    m = {row.key: row for row in readout.metrics}
    assert m["handle_time"].before.value == pytest.approx(20.0)  # (10 + 20 + 30) / 3 min
    assert m["handle_time"].after.value == pytest.approx(12.5)  # (5 + 10 + 15 + 20) / 4 min
    assert m["handle_time"].delta.value == pytest.approx(-7.5)
    assert m["deflection"].before.value == pytest.approx(1 / 4)
    assert m["deflection"].after.value == pytest.approx(2 / 5)  # a1 as-is, a4 self-service
    assert m["escalation"].before.value == pytest.approx(1 / 4)
    assert m["escalation"].after.value == pytest.approx(1 / 5)
    assert m["first_contact_resolution"].before.value == pytest.approx(2 / 3)
    assert m["first_contact_resolution"].after is None
    assert m["first_contact_resolution"].verdict == "not recorded in the pilot"
    # before: (5 + 10 + 15 + 0) / 3 resolved (b2 escalated); b4 cost nothing (self-service)
    assert m["cost_per_resolution"].before.value == pytest.approx(10.0)
    # after: (2.52 + 5.02 + 7.51 + 0.01 + 10.0) / 4 resolved (a3 escalated)
    assert m["cost_per_resolution"].after.value == pytest.approx(25.06 / 4)
    assert m["drafted"].before is None and m["drafted"].after.value == pytest.approx(4 / 5)
    assert m["drafted"].verdict == "not in the baseline"
    assert m["drafts_used"].after.value == pytest.approx(2 / 4)  # a1, a2 of the four drafted
    assert m["thumbs_down"].after.value == pytest.approx(2 / 3)
    assert m["overrides"].after.value == pytest.approx(2 / 5)


def test_adoption_and_risk_tallies(readout):
    assert readout.tickets == 5 and readout.active_agents == 3
    assert readout.thumbs_down_reasons == {"outdated_source": 1, "wrong": 1}
    assert readout.overrides == {"escalated_despite_answer": 1, "sent_despite_escalation": 1}
    assert [(w.week, w.tickets, w.active_agents) for w in readout.weekly] == [("2025-W10", 3, 2),
                                                                              ("2025-W11", 2, 1)]
    assert readout.weekly[0].deflection == pytest.approx(2 / 3) and readout.weekly[1].escalation == 0.5
    h = readout.handle_time_minutes
    assert sum(h.before) == 3 and sum(h.after) == 4 and len(h.edges) == len(h.before) + 1


def test_every_delta_has_an_interval_holding_it(readout):
    for row in readout.metrics:
        if row.delta is not None:
            assert row.delta.ci_low <= row.delta.value <= row.delta.ci_high, row.key


def test_interval_of_a_mean_enumerated_by_hand():
    # Resamples of [1, 3]: means 1 (1/4), 2 (1/2), 3 (1/4): the 2.5% and 97.5% points are 1 and 3.
    assert estimate(Ratio.of([(1, 1), (3, 1)])) == Estimate(value=2.0, ci_low=1.0, ci_high=3.0, n=2)
    # A constant group has no spread.
    assert estimate(Ratio.of([(4, 1)] * 5)) == Estimate(value=4.0, ci_low=4.0, ci_high=4.0, n=5)


def test_interval_of_a_delta_enumerated_by_hand():
    # before is constant 10; after resamples to 5, 10 or 15: the delta spans -5..5, no clear change.
    d = delta(Ratio.of([(10, 1)] * 3), Ratio.of([(5, 1), (15, 1)]))
    assert d == Estimate(value=0.0, ci_low=-5.0, ci_high=5.0, n=2)
    assert verdict(d, "lower") == "no clear change"
    # before 0/1 share of 0, after always 1: +1 exactly, better when higher is better.
    d = delta(Ratio.of([(0, 1)] * 4), Ratio.of([(1, 1)] * 4))
    assert (d.value, d.ci_low, d.ci_high) == (1.0, 1.0, 1.0)
    assert verdict(d, "higher") == "better" and verdict(d, "lower") == "worse"


def test_ratio_interval_skips_resamples_without_a_denominator():
    # cost 5 on a ticket that escalated (den 0) and cost 0 on one resolved: value 5 / 1.
    # Resamples: both escalated (1/4, undefined), both resolved -> 0 (1/4), mixed -> 5 (1/2);
    # of the defined ones 1/3 are 0 and 2/3 are 5, so the interval is [0, 5].
    assert estimate(Ratio.of([(5, 0), (0, 1)])) == Estimate(value=5.0, ci_low=0.0, ci_high=5.0, n=2)
    assert estimate(Ratio.of([(5, 0)])).value is None


def test_bootstrap_is_seeded():
    r = Ratio.of([(v, 1) for v in np.linspace(0, 9, 10)])
    assert estimate(r, seed=1) == estimate(r, seed=1)
    assert estimate(r, seed=1) != estimate(r, seed=2)
    assert delta(r, r, seed=3) == delta(r, r, seed=3)


def test_big_groups_resample_in_batches_with_the_same_result():
    from feedback import roi

    r = Ratio.of([(v % 7, 1) for v in range(500)])
    whole = estimate(r, samples=300)
    cells = roi._CELLS
    try:
        roi._CELLS = 500 * 7  # 7 resamples per batch
        assert estimate(r, samples=300) == whole
    finally:
        roi._CELLS = cells
