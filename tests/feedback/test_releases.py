"""Releases in the feedback store: immutable bundles, the audited live pointer, stable canary routing, and
canaries replayed over a recorded stream of synthetic interactions: an equal candidate goes 5 -> 25 -> 50
-> 100 and becomes live; a worse one halts at the stage where it is worse, names the gate and rolls back."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from feedback.canary import GATES, CanaryWatch, advance, parse_gates
from feedback.releases import Release, ReleaseError, Routing, settings_hash
from tests.feedback.conftest import make_answer

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
PASSED = {"passed": True, "summary": "injected for the test"}


def release(name: str, version: str, threshold: float = 0.8, **kw) -> Release:
    values = {"answer_threshold": threshold, "assistant_provider": "extractive"}
    return Release(name=name, version=version, prompt_version="p1", provider="extractive", settings=values, **kw)


@pytest.fixture
def releases(store):
    store.releases.create(release("base", "1.0.0"), "root")
    store.releases.create(release("cand", "1.1.0", 0.85), "root")
    store.releases.activate("base", "root")
    return store.releases


# --- releases and pointers ---------------------------------------------------------------------------
def test_create_is_immutable_versioned_and_audited(store):
    made = store.releases.create(release("r1", "0.1.0", note="first"), "ana")
    assert made.created_by == "ana" and made.settings == {"answer_threshold": 0.8, "assistant_provider": "extractive"}
    assert store.releases.next_version() == "0.2.0"
    with pytest.raises(ReleaseError, match="exists already"):
        store.releases.create(release("r1", "0.9.0"), "ana")
    with pytest.raises(ReleaseError, match="is taken.*next free: 0.2.0"):
        store.releases.create(release("r2", "0.1.0"), "ana")
    for bad_name, bad_version in (("no spaces", "1.0.0"), ("ok", "1.0"), ("ok", "v1.0.0")):
        with pytest.raises(ReleaseError, match="Bad"):
            store.releases.create(release(bad_name, bad_version), "ana")
    assert [r.name for r in store.releases.list()] == ["r1"]
    (entry,) = store.audit.entries(action="release_create")
    assert entry.target == "r1" and entry.details["settings_hash"] == made.settings_hash and store.audit.verify().ok
    assert made.settings_hash == settings_hash({"assistant_provider": "extractive", "answer_threshold": 0.8})


def test_live_pointer_switches_in_one_audited_step_and_interactions_record_their_release(releases, store):
    assert releases.live() == "base"
    assert releases.activate("cand", "ana") == "base"
    assert releases.route() == Routing("cand", None, None, 0)
    switch = store.audit.entries(action="release_activate")[0]
    assert switch.actor == "ana" and switch.target == "cand" and switch.details == {"from": "base", "reason": "manual"}
    answer = make_answer("r-1")
    answer.release = "cand"
    assert store.record_interaction(answer, "ana").release == "cand"
    assert store.record_interaction(make_answer("r-2"), "ana").release is None
    with pytest.raises(ReleaseError, match="No release named 'nope'"):
        releases.activate("nope", "ana")


def test_shadow_pointer_refuses_the_live_release(releases):
    with pytest.raises(ReleaseError, match="is the live release"):
        releases.set_shadow("base", "ana")
    assert releases.set_shadow("cand", "ana") is None
    assert releases.route().shadow == "cand"
    assert releases.set_shadow(None, "ana") == "cand" and releases.route().shadow is None


# --- stable routing ----------------------------------------------------------------------------------
def test_a_canary_takes_its_share_and_a_ticket_stays_in_it_as_the_share_grows():
    tickets = [f"ticket {i}: my invoice is wrong" for i in range(4000)]
    at5 = {t for t in tickets if Routing("base", None, "cand", 5).pick(t) == "cand"}
    at25 = {t for t in tickets if Routing("base", None, "cand", 25).pick(t) == "cand"}
    assert 150 < len(at5) < 250 and 850 < len(at25) < 1150  # ~5% and ~25% of 4000
    assert at5 < at25  # nobody in the 5% leaves when it grows
    assert {Routing("base", None, None, 0).pick(t) for t in tickets} == {"base"}


def test_assignment_is_the_same_in_another_process():
    """sha256, not hash(): a fresh interpreter (its own PYTHONHASHSEED) routes every ticket and agent alike."""
    from deflectkit.core.config import Settings
    from feedback.experiments import desk_variant

    tickets = [f"ticket {i}" for i in range(200)]
    agents = [f"agent{i}" for i in range(50)]
    code = ("import json, sys; from feedback.releases import Routing; from feedback.experiments import desk_variant;"
            "from deflectkit.core.config import Settings; s = Settings(_env_file=None, desk_experiment='trust-1',"
            "desk_experiment_pattern='confidence_display'); t, a = json.load(sys.stdin);"
            "print(json.dumps([[Routing('base', None, 'cand', 30).pick(x) for x in t],"
            "[desk_variant(s, x)['variant'] for x in a]]))")
    out = subprocess.run([sys.executable, "-c", code], input=json.dumps([tickets, agents]), capture_output=True,
                         text=True, cwd=REPO, env={"PYTHONPATH": str(REPO), "PYTHONHASHSEED": "12345"}, timeout=120)
    assert out.returncode == 0, out.stderr
    s = Settings(_env_file=None, desk_experiment="trust-1", desk_experiment_pattern="confidence_display")
    here = [[Routing("base", None, "cand", 30).pick(x) for x in tickets], [desk_variant(s, x)["variant"] for x in agents]]
    assert json.loads(out.stdout) == here
    assert set(here[0]) == {"base", "cand"} and set(here[1]) == {"badge", "number", "hidden"}


# --- canary start rules ------------------------------------------------------------------------------
def test_a_canary_needs_a_passed_offline_gate_a_live_release_and_no_other_canary(store, releases):
    with pytest.raises(ReleaseError, match="offline gate did not pass.*ndcg@10 worse"):
        releases.start_canary("cand", [5, 100], 10, parse_gates(None), {"passed": False, "summary": "ndcg@10 worse"},
                              "ana")
    with pytest.raises(ReleaseError, match="already live"):
        releases.start_canary("base", [5, 100], 10, parse_gates(None), PASSED, "ana")
    started = releases.start_canary("cand", [5, 100], 10, parse_gates("escalation=0.02,p95_latency"), PASSED, "ana")
    assert started.percent == 5 and started.gates == {"escalation": 0.02, "p95_latency": 0.0}
    assert store.audit.entries(action="release_canary_start")[0].details["offline"] == PASSED
    with pytest.raises(ReleaseError, match="is running"):
        releases.start_canary("cand", [5, 100], 10, parse_gates(None), PASSED, "ana")
    with pytest.raises(ReleaseError, match="canary is running"):
        releases.activate("cand", "ana")


@pytest.mark.unit
def test_the_watch_judges_in_the_background_at_most_once_per_interval(caplog):
    calls, ran = [], threading.Event()

    def check():
        calls.append(threading.current_thread().name)
        ran.set()
        raise RuntimeError("store busy")  # logged; the next interval tries again

    watch = CanaryWatch(check, interval_s=60)
    watch.poke()
    watch.poke()
    assert ran.wait(5)
    time.sleep(0.1)
    assert calls == ["deflect-canary-check"] and "canary check failed: RuntimeError" in caplog.text


def test_gate_list_is_checked():
    assert list(parse_gates("")) == list(GATES)
    with pytest.raises(ReleaseError, match="Unknown gate 'latency'"):
        parse_gates("latency")
    with pytest.raises(ReleaseError, match="Bad margin"):
        parse_gates("error=lots")


# --- canary replay -----------------------------------------------------------------------------------
@dataclass
class Behaviour:
    """How agents and the system react to one release's drafts (probabilities, seconds)."""

    escalate: float = 0.10
    edit: float = 0.20
    down: float = 0.15
    latency: float = 1.0
    error: float = 0.01


def replay(store, clock, behaviour, n: int, seed: int = 7, check_every: int = 25) -> list[int]:
    """Send `n` synthetic tickets where the routing says, record what happens, judge the canary every
    `check_every` tickets. `behaviour(release, percent)` -> Behaviour. Returns the percent seen per ticket."""
    rng, seen = random.Random(seed), []
    for i in range(n):
        route = store.releases.route()
        text = f"ticket {seed}-{i}: the export to CSV fails with error E{rng.randint(100, 999)}"
        name = route.pick(text)
        seen.append(route.percent)
        b = behaviour(name, route.percent)
        clock.advance(seconds=30)
        if rng.random() < b.error:
            store.releases.record_error(name, "ProviderError")
        else:
            answer = make_answer(f"{seed}-{i}", latency=rng.expovariate(1 / b.latency), ticket=text)
            answer.release = name
            store.record_interaction(answer, "agent")
            u = rng.random()
            if u < b.escalate:
                store.record_escalation(answer.request_id, "agent", "bad_draft")
            elif u < b.escalate + b.edit:
                store.record_edit(answer.request_id, "agent", answer.draft + " Anything else, just reply.")
            else:
                store.record_sent(answer.request_id, "agent")
            if rng.random() < 0.5:
                store.record_feedback(answer.request_id, "agent", "down" if rng.random() < b.down else "up")
        if i % check_every == check_every - 1 and route.canary:
            advance(store.releases, samples=400, seed=13)
    return seen


def start(releases, gates: str | None = None):
    return releases.start_canary("cand", [5, 25, 50, 100], 40, parse_gates(gates), PASSED, "ana")


def test_an_equal_candidate_is_promoted_through_every_stage_and_becomes_live(store, clock, releases):
    start(releases)
    seen = replay(store, clock, lambda name, percent: Behaviour(), 1600)
    final = releases.canary()
    assert final.status == "promoted" and releases.live() == "cand" and releases.route().canary is None
    assert sorted(set(seen) - {0}) == [5, 25, 50]
    promotions = store.audit.entries(action="release_canary_promote")[::-1]
    assert [(e.details["stage"], e.details["to"]) for e in promotions] == [(5, 25), (25, 50), (50, 100)]
    figures = promotions[0].details
    assert figures["decision"] == "promote" and figures["n_candidate"] >= 40
    assert {g["gate"] for g in figures["gates"]} == set(GATES) and all(g["verdict"] != "fail" for g in figures["gates"])
    assert store.audit.entries(action="release_activate")[0].details["reason"] == f"canary {final.id}"
    assert store.audit.verify().ok


def test_a_candidate_that_escalates_more_halts_at_the_first_stage_and_rolls_back(store, clock, releases):
    start(releases)
    replay(store, clock, lambda name, percent: Behaviour(escalate=0.45 if name == "cand" else 0.10), 1200)
    final = releases.canary()
    assert final.status == "rolled_back" and final.stages[final.stage] == 5 and final.halted_gate == "escalation"
    assert releases.live() == "base" and releases.route() == Routing("base", None, None, 0)
    (rollback,) = store.audit.entries(action="release_canary_rollback")
    gate = next(g for g in rollback.details["gates"] if g["gate"] == "escalation")
    assert rollback.details["failed"] == "escalation" and rollback.details["back_to"] == "base"
    assert gate["verdict"] == "fail" and gate["low"] > 0 and gate["candidate"] > gate["live"]
    assert store.audit.entries(action="release_canary_promote") == []


def test_a_candidate_that_degrades_mid_rollout_halts_at_that_stage_naming_the_first_failing_gate(
        store, clock, releases):
    """Slow and escalating only from the 50% stage on: 5% and 25% pass on their own traffic, 50% fails;
    both gates fail there, and the first in the configured order is named."""
    start(releases, "p95_latency,escalation,thumbs_down")

    def behaviour(name, percent):
        bad = name == "cand" and percent >= 50
        return Behaviour(latency=4.0 if bad else 1.0, escalate=0.5 if bad else 0.10)

    replay(store, clock, behaviour, 1600)
    final = releases.canary()
    assert final.status == "rolled_back" and final.stages[final.stage] == 50
    assert final.halted_gate == "p95_latency"
    failed = [g["gate"] for g in final.last_check["gates"] if g["verdict"] == "fail"]
    assert failed == ["p95_latency", "escalation"]
    assert [e.details["to"] for e in store.audit.entries(action="release_canary_promote")] == [50, 25]
    assert releases.live() == "base"


def test_a_stage_waits_for_enough_tickets_on_both_sides(store, clock, releases):
    start(releases)
    replay(store, clock, lambda name, percent: Behaviour(escalate=0.9 if name == "cand" else 0.1), 100)
    running = releases.canary()
    assert running.status == "running" and running.stage == 0  # the candidate has only ~5 tickets
    assert running.last_check["decision"] == "wait" and running.last_check["n_candidate"] < 40
