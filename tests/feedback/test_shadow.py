"""Shadow mode: the queue never blocks its caller and counts what it drops; the comparison with live."""

from __future__ import annotations

import threading
import time

import pytest

from feedback.shadow import ShadowQueue, compare, compare_stored, jaccard
from tests.feedback.conftest import make_answer

pytestmark = pytest.mark.integration


@pytest.mark.unit
def test_a_full_queue_drops_and_counts_without_waiting():
    gate, done = threading.Event(), []
    q = ShadowQueue(lambda job: (gate.wait(10), done.append(job)), maxsize=2)
    t0 = time.perf_counter()
    accepted = [q.submit(i) for i in range(10)]
    assert time.perf_counter() - t0 < 0.5  # submit never waits for the worker
    stats = q.stats()
    assert stats.submitted + stats.dropped == 10 and stats.dropped >= 7 and accepted.count(True) == stats.submitted
    gate.set()
    assert q.drain(timeout=10)
    assert sorted(done) == [i for i, ok in enumerate(accepted) if ok] and q.stats().done == stats.submitted
    q.close()


@pytest.mark.unit
def test_back_to_back_live_requests_keep_the_shadow_waiting():
    ran = []
    q = ShadowQueue(ran.append, maxsize=4, quiet_s=0.1)
    q.submit("job")
    for _ in range(20):  # a live request every 30 ms: never 100 ms quiet
        with q.foreground():
            time.sleep(0.01)
        time.sleep(0.02)
    assert ran == []
    assert q.drain(timeout=5) and ran == ["job"]


@pytest.mark.unit
def test_the_worker_waits_while_a_live_request_is_in_flight_and_survives_a_failing_job():
    ran = []

    def work(job):
        if job == "bad":
            raise RuntimeError("candidate broke")
        ran.append(job)

    q = ShadowQueue(work, maxsize=4)
    with q.foreground(), q.foreground():  # two live requests in flight
        q.submit("bad")
        q.submit("good")
        time.sleep(0.3)
        assert ran == [] and q.stats().queued >= 1  # nothing runs meanwhile
    assert q.drain(timeout=10)
    assert ran == ["good"] and (q.stats().failed, q.stats().done) == (1, 1)
    with pytest.raises(ValueError, match="at least 1"):
        ShadowQueue(work, maxsize=0)


def test_compare_counts_agreement_and_lists_disagreements_side_by_side(store):
    tickets = {"a": ("billing/refunds.md",), "b": ("billing/refunds.md", "account/password.md"),
               "c": ("account/password.md",)}
    for rid, docs in tickets.items():
        live = make_answer(rid, docs=docs, confidence=0.8, latency=1.0)
        live.release = "base"
        store.record_interaction(live, "ana")
        shadow = {"a": make_answer("s-a", docs=docs, confidence=0.9, latency=2.0),
                  "b": make_answer("s-b", docs=("billing/refunds.md",), confidence=0.7, latency=2.0),
                  "c": make_answer("s-c", docs=(), decision="escalate", confidence=0.3, latency=3.0)}[rid]
        store.shadows.record(live, "cand", shadow, shadow.timings["retrieve"] * 2)
    store.shadows.record(make_answer("d"), "cand", None, 0.2, "ProviderUnavailable")
    c = compare_stored(store.shadows, "cand")
    assert (c.n, c.errors) == (3, 1)
    assert c.same_decision.value == pytest.approx(2 / 3) and c.same_decision.low < 2 / 3 < c.same_decision.high
    assert c.citation_overlap.value == pytest.approx((1 + 0.5 + 0) / 3)
    assert c.confidence_shift.value == pytest.approx((0.1 - 0.1 - 0.5) / 3)
    assert c.live_latency["p50"] == 1.0 and c.latency["p50"] == 2.0
    (pair,) = c.disagreements  # c: escalates instead of answering, nothing cited in common
    assert (pair.request_id, pair.live_decision, pair.decision, pair.overlap) == ("c", "answer", "escalate", 0.0)
    assert pair.live_draft == "Step 1 [1]." and pair.draft == "" and pair.ticket.startswith("ticket c")
    assert compare("cand", []).n == 0 and compare("cand", []).same_decision.value is None


@pytest.mark.unit
def test_jaccard_of_cited_documents():
    assert jaccard([], []) == 1.0 and jaccard(["a"], []) == 0.0 and jaccard(["a", "b"], ["b", "c"]) == 1 / 3
