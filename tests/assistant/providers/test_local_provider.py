"""The local provider with the real SmolLM2-135M-Instruct GGUF (about 100 MB, loaded once per session)."""

from __future__ import annotations

import time

import pytest

from assistant.generation import GenerationRequest
from assistant.providers import ProviderTimeout, build_generator

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SYSTEM = "You are a support agent. Answer from the sources in one or two sentences."
USER = (
    '<sources>\n<source n="1" title="Reset your password">\n'
    "Click Forgot password on the sign-in page. The reset link expires after 30 minutes.\n</source>\n</sources>\n\n"
    "<ticket>\nHow do I reset my password?\n</ticket>"
)


@pytest.fixture
def local_chat(gguf):
    from assistant.providers.local import ChatLlamaCpp

    return ChatLlamaCpp(model_path=str(gguf), n_ctx=2048, n_threads=1, timeout_s=120)


def test_local_generates_text_with_exact_usage(psettings, gguf, record_property):
    gen = build_generator(psettings(assistant_provider="local", llm_fallbacks=[]))
    t0 = time.perf_counter()
    g = gen.generate(GenerationRequest(system=SYSTEM, user=USER, max_tokens=24, request_id="local-1"))
    latency = time.perf_counter() - t0
    record_property("local_latency_s", round(latency, 2))
    assert g.provider == "local" and g.model == "SmolLM2-135M-Instruct" and g.fallbacks == []
    assert g.text.strip() and 0 < g.tokens_out <= 24
    assert g.tokens_in > 60, "reported by llama.cpp for the templated prompt"
    assert latency < 180


def test_same_prompt_same_draft_at_temperature_zero(psettings, gguf):
    gen = build_generator(psettings(assistant_provider="local", llm_fallbacks=[]))
    r = GenerationRequest(system=SYSTEM, user=USER, max_tokens=12, request_id="det")
    assert gen.generate(r).text == gen.generate(r).text


def test_counts_with_the_models_tokenizer(local_chat):
    n = local_chat.get_num_tokens("Refunds reach the card in 5 to 10 business days.")
    assert 8 <= n <= 20


def test_timeout_stops_generation_and_the_model_stays_usable(local_chat):
    from langchain_core.messages import HumanMessage

    t0 = time.perf_counter()
    with pytest.raises(ProviderTimeout, match="DEFLECT_LLM_TIMEOUT_S"):
        local_chat.invoke([HumanMessage("Write a long story about a cat.")], max_tokens=400, timeout_s=0.2)
    assert time.perf_counter() - t0 < 30, "stopped at the deadline, not after 400 tokens"
    msg = local_chat.invoke([HumanMessage("Say hello.")], max_tokens=6)
    assert msg.content and msg.usage_metadata["output_tokens"] <= 6


def test_long_context_is_trimmed_to_the_window(psettings, gguf):
    sources = "\n".join(
        f'<source n="{i}" title="Doc {i}">\n' + "Refunds reach the card in 5 to 10 business days. " * 60 + "\n</source>"
        for i in range(1, 7)
    )
    user = f"<sources>\n{sources}\n</sources>\n\n<ticket>\nWhere is my refund?\n</ticket>"
    gen = build_generator(psettings(assistant_provider="local", llm_fallbacks=[], llm_max_prompt_tokens=1000))
    g = gen.generate(GenerationRequest(system=SYSTEM, user=user, max_tokens=8, request_id="long"))
    assert g.tokens_in <= 1000
    assert g.fallbacks and (g.fallbacks[0].provider, g.fallbacks[0].kind) == ("local", "trimmed")
