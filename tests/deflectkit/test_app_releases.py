"""The composition root drafts with releases: the canary's stable share, a pinned index version, failures
counted for the error gate, and a shadow that never holds up the live answer (it drops work instead)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.models import Ticket
from feedback.canary import parse_gates
from feedback.releases import Routing, new_release

pytestmark = pytest.mark.integration
PASSED = {"passed": True, "summary": "injected for the test"}
TICKETS = [
    "How do I refund a payment?",
    "How long does a refund take to reach the card?",
    "The password reset link says it expired, what now?",
    "How do I turn on two-factor authentication?",
    "Which currencies can I invoice in?",
    "Can I issue more than one partial refund?",
    "My 2FA recovery codes are gone",
    "Refund to a closed card?",
]


@pytest.fixture
def svc(make_services, tiny_kb):
    svc = make_services(llm_timeout_s=30, llm_retries=0, release_shadow_queue=1, release_check_interval_s=0.01)
    assert svc.ingest([tiny_kb]).index_version is not None
    return svc


def add_release(svc, name: str, version: str, index_version: int | None = None, **changes):
    cfg = svc.settings.model_copy(update=changes)
    return svc.feedback.releases.create(new_release(name, cfg, version, index_version), "root")


def test_without_releases_answers_are_drafted_as_before(svc):
    answer = svc.answer(TICKETS[0])
    assert answer.release == "" and svc.feedback.record_interaction(answer, "ana").release is None


def test_the_canary_drafts_its_stable_share_with_its_own_settings(svc):
    add_release(svc, "base", "1.0.0")
    add_release(svc, "strict", "1.1.0", answer_threshold=1.0)  # escalates everything
    svc.feedback.releases.activate("base", "root")
    svc.feedback.releases.start_canary("strict", [50, 100], 100, parse_gates(None), PASSED, "root")
    routing = Routing("base", None, "strict", 50)
    answers = [svc.answer(Ticket(body=t)) for t in TICKETS]
    assert [a.release for a in answers] == [routing.pick(t) for t in TICKETS]
    assert {a.release for a in answers} == {"base", "strict"}
    assert all(a.decision == "escalate" for a in answers if a.release == "strict")
    assert any(a.decision == "answer" for a in answers if a.release == "base")
    again = svc.answer(Ticket(body=TICKETS[0]))
    assert again.release == answers[0].release  # one ticket, one release
    stored = svc.feedback.record_interaction(answers[0], "ana")
    assert stored.release == answers[0].release
    assert svc.assistant(release="strict").settings.answer_threshold == 1.0
    for _ in range(100):  # serving judges the canary in the background (it waits: 100 tickets per stage)
        if (check := svc.feedback.releases.canary().last_check) is not None:
            break
        time.sleep(0.1)
    assert check["decision"] == "wait" and check["min_tickets"] == 100 and len(check["gates"]) == 6


def test_a_pinned_index_version_is_kept_after_an_ingest_and_a_failing_release_counts_errors(svc, tiny_kb):
    add_release(svc, "v1", "1.0.0", index_version=1)
    add_release(svc, "gone", "1.1.0", index_version=99)
    svc.feedback.releases.activate("v1", "root")
    (tiny_kb / "billing" / "refunds.md").write_text("# Refund a payment\n\nRefunds now take 2 business days.\n")
    assert svc.ingest([tiny_kb]).index_version == 2
    assert svc.answer(TICKETS[1]).index_version == 1  # the live release still searches v1
    svc.feedback.releases.start_canary("gone", [90, 100], 100, parse_gates(None), PASSED, "root")
    routing = svc.feedback.releases.route()
    to_gone = [t for t in TICKETS if routing.pick(t) == "gone"]
    assert to_gone
    from retrieval.errors import RetrievalError

    with pytest.raises(RetrievalError, match="Index version 99, which this release searches"):
        svc.answer(to_gone[0])
    since = svc.feedback.releases.canary().started_at
    assert svc.feedback.releases.errors(["gone", "v1"], since) == {"gone": 1}


def test_pruning_keeps_the_index_version_a_live_release_searches(make_services, tiny_kb):
    svc = make_services(keep_versions=1)
    assert svc.ingest([tiny_kb]).index_version == 1
    add_release(svc, "v1", "1.0.0", index_version=1)
    svc.feedback.releases.activate("v1", "root")
    for i in range(2):  # two newer versions: keep_versions=1 alone would drop v1 and v2
        (tiny_kb / "billing" / "refunds.md").write_text(f"# Refund a payment\n\nRefunds take {i + 2} business days.\n")
        svc.ingest([tiny_kb])
    status = {v["version"]: v["status"] for v in svc.catalog.versions()}
    assert status == {1: "ready", 2: "deleted", 3: "ready"}
    assert svc.answer(TICKETS[1]).index_version == 1  # the live release still answers

class HangingLLM(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that stops answering until `release` is set, then fails."""

    release = threading.Event()

    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.release.wait(60)
        self.send_response(503)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hanging_llm():
    HangingLLM.release = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), HangingLLM)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    HangingLLM.release.set()
    server.shutdown()


def test_live_answers_return_while_the_shadow_is_stuck_and_the_overflow_is_dropped(svc, hanging_llm):
    add_release(svc, "base", "1.0.0")
    add_release(svc, "llm", "1.1.0", assistant_provider="openai", openai_base_url=hanging_llm,
                llm_fallbacks=["extractive"])
    svc.feedback.releases.activate("base", "root")
    svc.feedback.releases.set_shadow("llm", "root")
    answers = [svc.answer(t) for t in TICKETS[:5]]  # the shadow's first job hangs on the LLM
    assert [a.release for a in answers] == ["base"] * 5 and all(a.provider == "extractive" for a in answers)
    stats = svc.shadow.stats()
    assert stats.submitted + stats.dropped == 5 and stats.dropped >= 3  # one running, one queued (size 1)
    assert svc.feedback.shadows.rows("llm") == []  # nothing finished yet
    HangingLLM.release.set()
    assert svc.shadow.drain(timeout=60)
    rows = svc.feedback.shadows.rows("llm")
    assert len(rows) == stats.submitted and {r["request_id"] for r in rows} <= {a.request_id for a in answers}
    assert all(r["live_release"] == "base" and r["decision"] for r in rows)  # answered by the fallback
