"""The evaluator's release and desk A/B tabs rendered by AppTest over a real feedback store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from feedback.canary import parse_gates
from feedback.releases import Release
from tests.feedback.conftest import make_answer

pytestmark = pytest.mark.integration
TIMEOUT = 120


def app() -> None:
    from ui.releases import render_experiment, render_releases
    from ui.services import build_resources, make_settings

    res = build_resources(make_settings())
    render_releases(res)
    render_experiment(res)


def release(name: str, version: str) -> Release:
    return Release(name=name, version=version, prompt_version="p1", provider="extractive",
                   settings={"answer_threshold": 0.8})


@pytest.fixture
def data(tmp_path, monkeypatch):
    from feedback.store import FeedbackStore

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEFLECT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DEFLECT_DESK_EXPERIMENT", "confidence-1")
    monkeypatch.setenv("DEFLECT_DESK_EXPERIMENT_PATTERN", "confidence_display")
    (tmp_path / "data").mkdir()
    now = datetime.now(UTC)
    store = FeedbackStore(tmp_path / "data" / "feedback.db", clock=lambda: now - timedelta(minutes=5))
    return store


def test_empty_store_says_how_to_start(data):
    data.close()
    at = AppTest.from_function(app, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric} == {"Live release": "none", "Shadow": "none", "Canary": "none"}
    assert any("deflect release create base --from-current" in i.value for i in at.info)
    assert any("Verdict:** No difference yet; need ~" in m.value for m in at.markdown)


def test_tabs_show_the_canary_gates_the_shadow_disagreements_and_the_experiment(data):
    store = data
    store.releases.create(release("base", "1.0.0"), "root")
    store.releases.create(release("cand", "1.1.0"), "root")
    store.releases.activate("base", "root")
    store.releases.start_canary("cand", [25, 100], 50, parse_gates("escalation,p95_latency"),
                                {"passed": True}, "root")
    for name in ("ana", "bob", "cy"):
        store.users.add(name, "agent")
    for i in range(12):
        agent = ("ana", "bob", "cy")[i % 3]
        a = make_answer(f"r{i}", latency=1.0 + i / 10)
        a.release = "cand" if i % 3 == 0 else "base"
        store.record_interaction(a, agent)
        store.record_sent(a.request_id, agent)
    store.releases.set_shadow("cand", "root")
    live = store.get_interaction("r1").answer
    store.shadows.record(live, "cand", make_answer("s1", docs=(), decision="escalate", confidence=0.2), 2.0)
    store.close()

    at = AppTest.from_function(app, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Live release": "base", "Shadow": "cand", "Canary": "25% · cand"}
    assert any("live 8, candidate 4 tickets; judged at 50 each, intervals at 97.5%" in c.value for c in at.caption)
    gates, shadow, experiment = (df.value for df in at.dataframe)
    assert list(gates.index) == ["escalation rate (by the pipeline or an agent)", "p95 latency (seconds)"]
    assert gates.loc["escalation rate (by the pipeline or an agent)", "verdict"] == "pass"
    assert shadow.loc["same decision", "value"] == "0%"
    assert [e.label for e in at.expander] == ["answer → escalate · ticket r1: how do I refund?"]
    assert any("**confidence-1**: confidence display, badge vs number vs hidden" in m.value for m in at.markdown)
    assert "drafts used as is (of answered drafts acted on)" in experiment.index
    assert any("need ~" in m.value for m in at.markdown if m.value.startswith("**Verdict:**"))
