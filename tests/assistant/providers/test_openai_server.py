"""The openai provider against a real `python -m llama_cpp.server` on loopback, and losing that server."""

from __future__ import annotations

import threading
import time

import pytest

from assistant.generation import Generation, GenerationRequest
from assistant.providers import GenerationUnavailable, build_generator

pytestmark = [pytest.mark.server, pytest.mark.slow]

SYSTEM = "You are a support agent. Answer in one sentence."
USER = "<ticket>\nHow do I reset my password?\n</ticket>"


def request(n: int, max_tokens: int = 16) -> GenerationRequest:
    return GenerationRequest(system=SYSTEM, user=USER, max_tokens=max_tokens, request_id=f"srv-{n}")


def test_openai_provider_against_llama_cpp_server(psettings, llama_server_factory, record_property):
    server = llama_server_factory()
    s = psettings(assistant_provider="openai", llm_fallbacks=[], openai_base_url=server.base_url,
                  openai_price_in_per_1k=0.15, openai_price_out_per_1k=0.6)
    gen = build_generator(s)
    t0 = time.perf_counter()
    g = gen.generate(request(1))
    record_property("server_latency_s", round(time.perf_counter() - t0, 2))
    assert g.provider == "openai" and g.model == "SmolLM2-135M-Instruct" and g.text.strip()
    assert 0 < g.tokens_out <= 16, "max_tokens reaches a server that reads only max_tokens"
    assert g.tokens_in > 10 and g.cost == pytest.approx(g.tokens_in * 0.00015 + g.tokens_out * 0.0006)
    assert gen.ledger.today().tokens == g.tokens_in + g.tokens_out


def test_killed_server_falls_back_then_breaker_skips_it(psettings, llama_server_factory, gguf):
    server = llama_server_factory()
    s = psettings(assistant_provider="openai", llm_fallbacks=["local"], openai_base_url=server.base_url,
                  llm_retries=1, llm_breaker_fail_max=2, llm_breaker_reset_s=300, llm_timeout_s=60)
    flags = {"generation_enabled": True, "disabled_providers": []}
    gen = build_generator(s, flags=lambda: flags)
    assert gen.generate(request(0)).provider == "openai"

    # Kill the server while a long request is in flight: the caller still gets a draft.
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(_call(gen, request(1, max_tokens=200))))
    worker.start()
    time.sleep(1.0)
    server.proc.kill()
    server.proc.wait(timeout=15)
    worker.join(timeout=300)
    assert not worker.is_alive()
    (first,) = outcome
    assert isinstance(first, Generation), f"only GenerationUnavailable may reach the caller, got {first!r}"

    seen = [first]
    for n in range(2, 6):  # bounded: the breaker must be open within fail_max failed calls
        g = gen.generate(request(n, max_tokens=8))
        seen.append(g)
        assert g.provider == "local" and g.text
        if [(f.provider, f.kind) for f in g.fallbacks] == [("openai", "circuit_open")]:
            break
    else:
        pytest.fail(f"breaker never opened: {[x.fallbacks for x in seen]}")
    assert gen.status()["openai"] == "open"
    reasons = [r for x in seen for r in x.fallbacks]
    assert any("ConnectionError" in r.detail for r in reasons), reasons

    t0 = time.perf_counter()
    flags["disabled_providers"] = ["local"]
    with pytest.raises(GenerationUnavailable) as e:
        gen.generate(request(9))
    assert time.perf_counter() - t0 < 1.0, "nothing left: fails fast, no network wait"
    assert [(r.provider, r.kind) for r in e.value.reasons] == [("openai", "circuit_open"), ("local", "disabled")]


def _call(gen, req):
    try:
        return gen.generate(req)
    except Exception as e:  # noqa: BLE001 - the test inspects whatever came out
        return e
