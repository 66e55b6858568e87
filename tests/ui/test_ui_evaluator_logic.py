"""Evaluator logic on seeded interactions in a real store: chart frames, filters, export."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.ui.conftest import StoreOnly, seed_interactions, user
from ui import evaluator as ev
from ui.errors import UiError

pytestmark = pytest.mark.unit


@pytest.fixture
def res(store):
    seed_interactions(store)
    return StoreOnly(store)


def test_dashboard_by_day_feeds_every_chart(res):
    frame = ev.dashboard(res, None, "day")
    assert list(frame.index) == ["2025-05-05", "2025-05-06", "2025-05-07"]
    assert ev.volume_chart(frame).sum().to_dict() == {"answered": 5, "escalated by the assistant": 1}
    outcomes = ev.outcome_chart(frame).sum().to_dict()
    assert outcomes == {"used as-is": 2, "edited": 1, "escalated by agent": 1, "unused": 2}
    assert list(ev.reasons_chart(frame).columns) == ["incomplete", "outdated_source", "tone"]
    assert ev.thumbs_chart(frame).sum().to_dict() == {"thumbs up": 2, "thumbs down": 3}
    shares = ev.share_chart(frame)
    assert (
        shares.loc["2025-05-05", "drafts used share"] == 1.0
        and shares.loc["2025-05-06", "answered share"] == 0.5
    )
    assert ev.latency_chart(frame).loc["2025-05-05", "p95 (s)"] == pytest.approx(0.59)
    assert ev.cost_chart(frame).loc["2025-05-07", "per used draft"] == pytest.approx(0.002)


def test_dashboard_by_index_version_and_empty_sets(res):
    frame = ev.dashboard(res, None, "index_version")
    assert list(frame.index) == ["1", "2"] and frame.loc["2", "volume"] == 3
    empty = ev.dashboard(res, ev.make_filter(since=date(2030, 1, 1)), "day")
    assert empty.empty and "volume" in empty.columns
    assert ev.reasons_chart(empty).empty
    assert ev.totals(res, ev.make_filter(since=date(2030, 1, 1))).volume == 0


def test_feedback_sets_map_to_filters(res):
    f = ev.make_filter("thumbs down", reason="tone", index_version=2)
    assert (f.thumbs, f.reason, f.index_version) == ("down", "tone", 2)
    assert res.store.count_interactions(f) == 1
    assert res.store.count_interactions(ev.make_filter("edited")) == 1
    assert res.store.count_interactions(ev.make_filter("pipeline escalated")) == 1
    with pytest.raises(UiError, match="swap them"):
        ev.make_filter(since=date(2025, 5, 7), until=date(2025, 5, 5))


def test_export_gives_jsonl_bytes_and_is_audited(res):
    data, n = ev.export_jsonl(res, ev.make_filter("thumbs down"), user("eva"))
    rows = [json.loads(line) for line in data.decode().splitlines()]
    assert n == len(rows) == 3 and {r["request_id"] for r in rows} == {"s2", "s4", "s6"}
    assert res.store.audit.entries(action="export", limit=1)[0].actor == "eva"


def test_version_choices_and_empty_replay(res):
    assert ev.version_choices(res) == ([1, 2], ["extractive", "local"])
    with pytest.raises(UiError, match="No interactions match"):
        ev.run_replay(res, ev.make_filter(since=date(2030, 1, 1)), answer=lambda t: None)


@pytest.mark.integration
def test_replay_runs_recorded_tickets_through_the_current_pipeline(resources):
    from feedback.models import FeedbackFilter, User
    from ui import desk

    replayer = User(name="replayer", role="agent")
    good = desk.draft_reply(resources, desk.make_ticket("", "How do I reset my password?"), replayer)
    bad = desk.draft_reply(resources, desk.make_ticket("", "How long do card refunds take?"), replayer)
    desk.send_feedback(resources, bad, replayer, 0, "wrong")
    desk.use_draft(resources, good, replayer)  # sent as-is: judged right (an untouched draft is "unrated")
    report = ev.run_replay(resources, FeedbackFilter(user="replayer"))
    assert report.total == 2 and sum(report.counts.values()) == 2
    rows = {r["request"]: r for r in ev.replay_rows(report)}
    assert rows[good.request_id]["verdict"] == "unchanged"  # same pipeline, same sources
    assert rows[bad.request_id]["verdict"] == "still_wrong"  # nothing changed since the 👎
    assert rows[bad.request_id]["new docs"] == rows[bad.request_id]["old docs"]


def test_replay_legend_explains_every_verdict():
    from feedback.replay import VERDICTS

    assert set(ev.VERDICT_LEGEND) == set(VERDICTS) == set(ev.VERDICT_LABELS)
    assert "unrated" in ev.legend_markdown() and "**still wrong**" in ev.legend_markdown()


def test_deflection_frame_counts_self_service_per_day_and_version(tmp_path):
    from types import SimpleNamespace

    from feedback.store import FeedbackStore
    from tests.feedback.conftest import make_answer
    from ui import evaluator as ev

    store = FeedbackStore(tmp_path / "fb.db")
    for rid, answered, resolved in (("s1", True, True), ("s2", True, False), ("s3", False, None)):
        store.record_interaction(make_answer(rid), "key:web")
        store.selfservice.record_ask(rid, answered, 1, channel="key:web")
        if resolved is not None:
            store.selfservice.record_resolved(rid, resolved, actor="key:web")
    frame = ev.deflection_frame(SimpleNamespace(store=store))
    assert frame[["asked", "answered", "resolved"]].values.tolist() == [[3, 2, 1]]
    assert frame["deflection_rate"].iloc[0] == 1 / 3
