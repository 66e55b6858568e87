"""The evaluator's report tabs (SLOs, content gaps, owner inbox) rendered by AppTest on the real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from feedback.slo import SloStatus
from tests.ui.conftest import make_answer
from ui.reports import slo_frame

TIMEOUT = 120


def app() -> None:
    from ui.reports import render_gaps, render_owners, render_slos
    from ui.services import build_resources, make_settings

    res = build_resources(make_settings())
    render_slos(res)
    render_gaps(res)
    render_owners(res)


@pytest.mark.unit
def test_slo_frame_shows_budgets_as_shares():
    s = SloStatus(name="availability", objective=0.995, events=200, bad=1, good_share=0.995, error_budget_left=0.0,
                  burn_rate_1h=None, burn_rate_24h=1.0, events_1h=0, events_24h=20, fast_burn=False)
    row = slo_frame([s]).loc["Availability"]
    assert (row["objective"], row["budget left"], row["burn 24 h"], row["events"]) == ("99.5%", "0.0%", 1.0, 200)


@pytest.mark.integration
def test_tabs_render_slos_gaps_and_owners(tmp_path, monkeypatch):
    from feedback.store import FeedbackStore

    # A data dir of its own, without an index: gaps then list no nearest articles, owners no titles.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEFLECT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DEFLECT_REDACT_PII", "false")
    (tmp_path / "data").mkdir()
    now = datetime.now(UTC)
    store = FeedbackStore(tmp_path / "data" / "feedback.db", clock=lambda: now - timedelta(minutes=5))
    for i, text in enumerate(["Can I export invoices to Excel?", "How do I export my invoices as CSV?",
                              "Is there a dark mode in the app?"]):
        store.record_interaction(make_answer(f"g{i}", ticket=text, latency=30.0 if i == 0 else 0.5), "ana")
        store.record_escalation(f"g{i}", "ana", "out_of_scope")
    store.record_feedback("g2", "ana", "down", reason="outdated_source", comment="old screenshot")
    store.close()
    at = AppTest.from_function(app, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Draft latency"] == "-566.7% left"  # 1 slow of 3 drafts, 5% allowed: overspent
    assert metrics["Answer precision (thumbs)"] == "-900.0% left"  # the one vote is down
    assert any("Availability is measured" in c.value for c in at.caption)
    assert [e.label for e in at.expander] == ["(no owner) · 1 items · 1 outdated"]  # billing/refunds.md
    next(b for b in at.button if b.label == "Find content gaps").click().run()
    assert not at.exception, at.exception
    assert any("**3** of 3 interactions" in m.value for m in at.markdown)
    topics = [e.label for e in at.expander if " tickets · " in e.label]
    assert len(topics) == 2 and sum(int(t.split(" · ")[1].split()[0]) for t in topics) == 3
