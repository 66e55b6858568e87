"""A/B of desk patterns: stable per-agent variants, and per-variant figures with intervals and a verdict."""

from __future__ import annotations

from collections import Counter

import pytest

from deflectkit.core.config import Settings
from feedback.experiments import arms, desk_variant, experiment_report
from feedback.intervals import sample_size
from tests.feedback.conftest import make_answer

pytestmark = pytest.mark.integration


def settings(**kw) -> Settings:
    return Settings(_env_file=None, **{"desk_experiment": "chips-vs-list", **kw})


@pytest.mark.unit
def test_without_an_experiment_every_agent_sees_the_control_desk():
    shown = desk_variant(Settings(_env_file=None), "ana")
    assert shown == {"citation_display": "sources_list", "confidence_display": "badge", "action_layout": "row",
                     "experiment": None, "pattern": None, "variant": None}


@pytest.mark.unit
def test_agents_are_split_stably_over_the_arms_and_other_patterns_stay_at_control():
    s = settings(desk_experiment_pattern="confidence_display", desk_experiment_variants=["number", "hidden"])
    assert arms(s) == ("number", "hidden")
    shown = desk_variant(s, "Ana")
    assert shown == desk_variant(s, "ana")  # user names are case-insensitive
    assert shown["confidence_display"] == shown["variant"] in ("number", "hidden")
    assert shown["citation_display"] == "sources_list" and shown["experiment"] == "chips-vs-list"
    split = Counter(desk_variant(s, f"agent{i}")["variant"] for i in range(400))
    assert set(split) == {"number", "hidden"} and min(split.values()) > 160
    renamed = settings(desk_experiment="chips-vs-list-2", desk_experiment_pattern="confidence_display",
                       desk_experiment_variants=["number", "hidden"])
    moved = sum(desk_variant(s, f"agent{i}")["variant"] != desk_variant(renamed, f"agent{i}")["variant"]
                for i in range(400))
    assert 120 < moved < 280  # a new name reshuffles


def agents_by_arm(s, n: int = 40) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for i in range(n):
        out.setdefault(desk_variant(s, f"agent{i}")["variant"], []).append(f"agent{i}")
    return out


def record(store, clock, agent: str, rid: str, action: str, wait_s: float, thumbs: str | None = None) -> None:
    store.record_interaction(make_answer(rid), agent)
    clock.advance(seconds=wait_s)
    if action == "as_is":
        store.record_sent(rid, agent)
    elif action == "edit":
        store.record_edit(rid, agent, "Step 1 [1]. Also check the date on the invoice.")
    elif action == "escalate":
        store.record_escalation(rid, agent, "bad_draft")
    if thumbs:
        store.record_feedback(rid, agent, thumbs)


def test_a_variant_that_gets_more_drafts_used_as_is_is_named_with_its_interval(store, clock):
    s = settings()
    groups = agents_by_arm(s)
    for a in groups["sources_list"] + groups["inline_chips"]:
        store.users.add(a, "agent")
    for i in range(120):  # control: 40% as is, 40% edited, 20% escalated; slow to act
        agent = groups["sources_list"][i % len(groups["sources_list"])]
        record(store, clock, agent, f"c{i}", ("as_is", "as_is", "edit", "edit", "escalate")[i % 5], 60.0,
               "up" if i % 2 else None)
    for i in range(120):  # chips: 80% as is, 20% edited; quicker
        agent = groups["inline_chips"][i % len(groups["inline_chips"])]
        record(store, clock, agent, f"t{i}", ("as_is", "as_is", "as_is", "as_is", "edit")[i % 5], 20.0,
               "up" if i % 2 else None)
    store.record_interaction(make_answer("api-1"), "api-key-bot")  # not a desk user: not counted
    report = experiment_report(s, store.releases.desk_rows())
    control, chips = report.arms
    assert (control.variant, chips.variant) == ("sources_list", "inline_chips")
    assert control.tickets == chips.tickets == 120
    used = {a.variant: next(m for m in a.metrics if m.metric == "used_as_is") for a in report.arms}
    assert used["sources_list"].value.value == pytest.approx(0.4) and used["inline_chips"].value.value == pytest.approx(0.8)
    assert used["inline_chips"].verdict == "better" and used["inline_chips"].diff.low > 0
    wait = next(m for m in chips.metrics if m.metric == "time_to_action")
    assert wait.value.value == pytest.approx(20.0, abs=0.01) and wait.verdict == "better"
    esc = next(m for m in chips.metrics if m.metric == "escalation")
    assert esc.value.value == 0.0 and esc.verdict == "better"
    thumbs = next(m for m in chips.metrics if m.metric == "thumbs_up")
    assert thumbs.value.value == 1.0 and thumbs.verdict == "no difference"  # both arms only voted up
    # Newcombe by hand: Wilson 48/120 = [0.3168, 0.4894], 96/120 = [0.7196, 0.8618];
    # 0.4 - sqrt(0.0804^2 + 0.0894^2) = 0.2798, 0.4 + sqrt(0.0618^2 + 0.0832^2) = 0.5036
    assert report.verdict == "inline_chips has more drafts used as is than sources_list: +40 pts [+28, +50]."


def test_no_difference_yet_says_how_many_more_tickets(store, clock):
    s = settings(desk_experiment_mde=0.1)
    groups = agents_by_arm(s)
    for a in groups["sources_list"] + groups["inline_chips"]:
        store.users.add(a, "agent")
    for arm, prefix in (("sources_list", "c"), ("inline_chips", "t")):
        for i in range(20):  # both: half as is, half edited
            record(store, clock, groups[arm][i % len(groups[arm])], f"{prefix}{i}", ("as_is", "edit")[i % 2], 30.0)
    report = experiment_report(s, store.releases.desk_rows())
    need = sample_size(0.5, 0.6)  # control rate 50%, detect 10 points
    assert report.verdict == (f"No difference yet; need ~{2 * (need - 20)} more tickets acted on "
                              f"({need} per arm to see 10 pts).")
    assert report.notes == []  # 20 agents per arm: no warning


def test_a_report_needs_an_experiment(store):
    with pytest.raises(ValueError, match="DEFLECT_DESK_EXPERIMENT"):
        experiment_report(Settings(_env_file=None), [])
