"""Done-when, end to end: the OpenAI-compatible server dies mid-run, answers keep coming.

A real Assistant (real index, embedder, redactor, calibration) drafts through the real provider
chain openai -> extractive against a real `python -m llama_cpp.server` on loopback. After the
server is killed no error reaches the caller: the extractive path serves, every Answer says why
in `fallbacks`, the openai breaker opens, and from then on openai is skipped without a network wait.
"""

from __future__ import annotations

import time

import pytest

from tests.llama_server import SERVER_MODEL

pytestmark = [pytest.mark.server, pytest.mark.slow]

TIMEOUT_S = 30.0  # per-call timeout: only a hung server would wait this long
FAIL_MAX = 2
TICKETS = [
    "How do I refund a payment?",
    "How long does a refund take to reach the card?",
    "The password reset link says it expired, what now?",
    "How do I turn on two-factor authentication?",
    "Which currencies can I invoice in?",
    "Can I issue more than one partial refund?",
]
OPEN = ("openai", "circuit_open")


class TimedGenerator:
    """Measures each call of the real generator (the Assistant's only route to the LLM)."""

    def __init__(self, inner):
        self.inner, self.seconds = inner, []

    def generate(self, req):
        t0 = time.perf_counter()
        try:
            return self.inner.generate(req)
        finally:
            self.seconds.append(time.perf_counter() - t0)


def test_killing_the_llm_server_falls_back_to_extractive(make_services, tiny_kb, llama_server_factory):
    from assistant.pipeline import Assistant
    from assistant.providers import build_generator

    server = llama_server_factory()
    svc = make_services(
        assistant_provider="openai", llm_fallbacks=["extractive"], openai_base_url=server.base_url,
        llm_timeout_s=TIMEOUT_S, llm_retries=1, llm_backoff_s=0.01, llm_backoff_max_s=0.05,
        llm_breaker_fail_max=FAIL_MAX, llm_breaker_reset_s=600, answer_max_tokens=48)
    assert svc.ingest([tiny_kb]).index_version is not None
    chain = build_generator(svc.settings)
    timed = TimedGenerator(chain)
    assistant = Assistant(svc.settings, svc.searcher, svc.embedder, svc.redactor, timed)

    first = assistant.answer(TICKETS[0])
    assert first.provider.startswith("openai") and first.model == SERVER_MODEL, first.guardrails
    assert first.tokens_out > 0 and first.fallbacks == [] and not first.cached
    assert chain.status()["openai"] == "closed"

    server.proc.kill()
    server.proc.wait(timeout=15)

    after = [assistant.answer(t) for t in TICKETS[1:]]  # any exception here fails the test
    for a in after:
        assert a.provider == "extractive" and a.model == "" and a.tokens_out == 0
        assert a.sentences and a.citations and a.draft, a.reasons
        assert a.fallbacks and all(f.provider == "openai" for f in a.fallbacks)
        assert "extractive draft used" in [g.detail for g in a.findings("generation")]
    why = [a.fallbacks[0] for a in after]
    assert "ConnectionError" in why[0].detail and not why[0].detail.endswith("circuit opened"), why
    assert "ConnectionError" in why[FAIL_MAX - 1].detail and why[FAIL_MAX - 1].detail.endswith("circuit opened"), why
    assert [(f.provider, f.kind) for f in why[FAIL_MAX:]] == [OPEN] * (len(after) - FAIL_MAX), why
    assert chain.status()["openai"] == "open"

    # With the circuit open, openai costs no network wait: each skip is far below the call timeout.
    skipped = timed.seconds[1 + FAIL_MAX:]
    assert len(skipped) == len(after) - FAIL_MAX
    assert max(skipped) < TIMEOUT_S / 100, skipped
