"""Fallback order, retries, circuit breakers, kill switches and budget downgrade of the resilient generator."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

from assistant.generation import GenerationRequest
from assistant.providers import GenerationUnavailable, UsageLedger
from assistant.providers.chain import ChainPolicy, ResilientGenerator, resolve_chain
from tests.assistant.providers.scripted import scripted_provider

pytestmark = pytest.mark.unit

FAST = ChainPolicy(retries=0, backoff_s=0.001, backoff_max_s=0.001, breaker_fail_max=2, breaker_reset_s=0.3)


def req(n: int = 0, user: str = "<ticket>\nHow do I reset my password?\n</ticket>") -> GenerationRequest:
    return GenerationRequest(system="Answer from the sources.", user=user, request_id=f"req-{n}", max_tokens=50)


def connection_error() -> openai.APIConnectionError:
    return openai.APIConnectionError(request=httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions"))


def generator(providers, policy=FAST, flags=None, ledger=None) -> ResilientGenerator:
    return ResilientGenerator(providers, policy, flags or (lambda: {}), ledger)


def test_resolve_chain_dedupes_and_stops_at_extractive():
    assert resolve_chain("openai", ["local", "openai"]) == ["openai", "local"]
    assert resolve_chain("local", ["extractive", "openai"]) == ["local"]
    assert resolve_chain("extractive", ["local"]) == []


def test_first_provider_wins_when_healthy():
    (a, ca), (b, cb) = scripted_provider("openai", ["from a"]), scripted_provider("local", ["from b"])
    g = generator([a, b]).generate(req())
    assert (g.text, g.provider, g.model, g.fallbacks) == ("from a", "openai", "openai-model", [])
    assert (ca.calls, cb.calls) == (1, 0)
    assert (g.tokens_in, g.tokens_out) == (100, 50)


def test_falls_back_in_order_and_records_why():
    a, _ = scripted_provider("openai", [ValueError("bad gateway html")])
    b, _ = scripted_provider("local", [""])  # empty text is a failure too
    c, _ = scripted_provider("third", ["from c"])
    g = generator([a, b, c]).generate(req())
    assert g.provider == "third"
    assert [(f.provider, f.kind) for f in g.fallbacks] == [("openai", "failed"), ("local", "failed")]
    assert g.fallbacks[0].detail == "ValueError: bad gateway html"
    assert g.fallbacks[1].detail.startswith("EmptyCompletion")
    assert str(g.fallbacks[0]) == "openai: failed (ValueError: bad gateway html)"  # readable for people


def test_nothing_left_raises_generation_unavailable_with_every_reason():
    a, _ = scripted_provider("openai", [ValueError("down")])
    b, _ = scripted_provider("local", [RuntimeError("oom")])
    with pytest.raises(GenerationUnavailable) as e:
        generator([a, b]).generate(req())
    assert [r.provider for r in e.value.reasons] == ["openai", "local"]
    assert "oom" in str(e.value)


def test_empty_chain_is_unavailable():
    with pytest.raises(GenerationUnavailable, match="no provider configured"):
        generator([]).generate(req())


def test_transient_errors_are_retried_with_backoff():
    a, ca = scripted_provider("openai", [connection_error(), connection_error(), "third time"])
    policy = ChainPolicy(retries=2, backoff_s=0.01, backoff_max_s=0.02)
    g = generator([a], policy=policy).generate(req())
    assert g.text == "third time" and ca.calls == 3


def test_permanent_errors_are_not_retried():
    a, ca = scripted_provider("openai", [ValueError("400 bad request"), "never reached"])
    b, _ = scripted_provider("local", ["from b"])
    g = generator([a, b], policy=ChainPolicy(retries=3, backoff_s=0.01)).generate(req())
    assert g.provider == "local" and ca.calls == 1


def test_breaker_opens_after_fail_max_and_skips_instantly_then_half_opens():
    a, ca = scripted_provider("openai", [connection_error(), connection_error(), "recovered"])
    b, cb = scripted_provider("local", ["from b"])
    gen = generator([a, b])
    first, second = gen.generate(req(1)), gen.generate(req(2))
    assert first.fallbacks[0].kind == "failed" and first.fallbacks[0].detail.startswith("APIConnectionError")
    assert second.fallbacks[0].kind == "failed" and "circuit opened" in second.fallbacks[0].detail
    assert gen.status()["openai"] == "open"

    t0 = time.perf_counter()
    third = gen.generate(req(3))
    assert time.perf_counter() - t0 < 0.2
    assert ca.calls == 2, "an open breaker must not call the provider"
    assert [(f.provider, f.kind) for f in third.fallbacks] == [("openai", "circuit_open")]
    assert third.provider == "local" and cb.calls == 3

    time.sleep(FAST.breaker_reset_s + 0.05)
    fourth = gen.generate(req(4))  # half-open trial call succeeds and closes the circuit
    assert fourth.provider == "openai" and fourth.text == "recovered"
    assert gen.status()["openai"] == "closed"


def test_kill_switch_applies_on_next_call_without_rebuilding():
    a, ca = scripted_provider("openai", ["from a"])
    b, cb = scripted_provider("local", ["from b"])
    flags = {"generation_enabled": True, "disabled_providers": []}
    gen = generator([a, b], flags=lambda: flags)
    assert gen.generate(req(1)).provider == "openai"

    flags["generation_enabled"] = False
    with pytest.raises(GenerationUnavailable, match="kill switch"):
        gen.generate(req(2))
    assert (ca.calls, cb.calls) == (1, 0)

    flags.update(generation_enabled=True, disabled_providers=["openai"])
    g = gen.generate(req(3))
    assert g.provider == "local" and [(f.provider, f.kind) for f in g.fallbacks] == [("openai", "disabled")]

    flags["disabled_providers"] = "openai, local"  # a flags store may keep a comma string
    with pytest.raises(GenerationUnavailable, match="local: skipped, disabled"):
        gen.generate(req(4))


def test_kill_switch_from_settings_object(psettings):
    from assistant.providers.chain import flags_from_settings

    s = psettings(generation_enabled=True)
    a, _ = scripted_provider("openai", ["from a"])
    gen = generator([a], flags=flags_from_settings(s))
    assert gen.generate(req(1)).text == "from a"
    s.generation_enabled = False
    with pytest.raises(GenerationUnavailable):
        gen.generate(req(2))


def test_cost_from_prices_and_reported_usage(tmp_path):
    a, _ = scripted_provider("openai", ["paid"], price_in=0.5, price_out=1.5)
    ledger = UsageLedger(tmp_path / "usage.db")
    g = generator([a], ledger=ledger).generate(req())
    assert g.cost == pytest.approx(100 / 1000 * 0.5 + 50 / 1000 * 1.5)
    assert ledger.today() == (150, pytest.approx(g.cost))


def test_tokens_counted_when_provider_reports_none():
    a, _ = scripted_provider("openai", ["x" * 40], report_usage=False)
    r = req()
    g = generator([a]).generate(r)
    assert g.tokens_out == 10
    assert g.tokens_in == len(r.system) // 4 + len(r.user) // 4 + (len(r.system) % 4 > 0) + (len(r.user) % 4 > 0)


def test_cost_budget_downgrades_to_cheaper_provider(tmp_path):
    a, ca = scripted_provider("openai", ["paid"], price_in=1.0, price_out=1.0)
    b, cb = scripted_provider("local", ["free"])
    ledger = UsageLedger(tmp_path / "usage.db")
    gen = generator([a, b], policy=ChainPolicy(budget_cost=0.1), ledger=ledger)
    assert gen.generate(req(1)).provider == "openai"  # costs 0.15, over the 0.1 budget from now on
    g = gen.generate(req(2))
    assert g.provider == "local" and ca.calls == 1
    assert [(f.provider, f.kind, f.detail) for f in g.fallbacks] == [
        ("openai", "over_budget", "daily cost budget used (0.1500 of 0.1000)")]
    assert str(g.fallbacks[0]) == "openai: skipped, daily cost budget used (0.1500 of 0.1000)"
    assert gen.generate(req(3)).provider == "local", "a free provider adds no cost, so it stays"


def test_token_budget_with_one_price_tier_leaves_extractive(tmp_path):
    a, _ = scripted_provider("openai", ["one"])
    b, _ = scripted_provider("local", ["two"])
    ledger = UsageLedger(tmp_path / "usage.db")
    gen = generator([a, b], policy=ChainPolicy(budget_tokens=100), ledger=ledger)
    gen.generate(req(1))  # 150 tokens
    with pytest.raises(GenerationUnavailable) as e:
        gen.generate(req(2))
    assert [(r.provider, r.kind, r.detail) for r in e.value.reasons] == [
        ("openai", "over_budget", "daily token budget used (150 of 100 tokens)"),
        ("local", "over_budget", "daily token budget used (150 of 100 tokens)"),
    ]


def test_budget_resets_on_a_new_utc_day(tmp_path):
    now = [1_700_000_000.0]
    ledger = UsageLedger(tmp_path / "usage.db", clock=lambda: now[0])
    ledger.record(request_id="r", provider="openai", model="m", tokens_in=90, tokens_out=20, cost=0.2)
    assert ledger.breach(100, None) is not None
    now[0] += 86400
    assert ledger.breach(100, None) is None and ledger.today() == (0, 0.0)


def test_oversized_prompt_is_trimmed_and_reported():
    a, _ = scripted_provider("openai", ["ok"], context_window=None)
    sources = "\n".join(f'<source n="{i}" title="t">\n{"word " * 200}\n</source>' for i in range(1, 5))
    user = f"<sources>\n{sources}\n</sources>\n\n<ticket>\nHelp\n</ticket>"
    gen = generator([a], policy=ChainPolicy(max_prompt_tokens=600))
    g = gen.generate(req(user=user))
    assert g.fallbacks and (g.fallbacks[0].provider, g.fallbacks[0].kind) == ("openai", "trimmed")
    assert not g.fallbacks[0].failover and "kept 2 of 4 sources" in g.fallbacks[0].detail


def test_prompt_too_long_skips_without_tripping_the_breaker():
    a, ca = scripted_provider("openai", ["never"])
    gen = generator([a], policy=ChainPolicy(max_prompt_tokens=50, breaker_fail_max=1))
    for i in range(3):
        with pytest.raises(GenerationUnavailable, match="PromptTooLong"):
            gen.generate(req(i, user="<ticket>\n" + "long ticket " * 100 + "\n</ticket>"))
    assert ca.calls == 0 and gen.status()["openai"] == "closed"


def test_context_window_leaves_room_for_the_reply():
    a, _ = scripted_provider("local", ["ok"], context_window=200)
    sources = "\n".join(f'<source n="{i}" title="t">\n{"word " * 40}\n</source>' for i in range(1, 4))
    user = f"<sources>\n{sources}\n</sources>\n\n<ticket>\nHelp\n</ticket>"
    g = generator([a], policy=ChainPolicy(max_prompt_tokens=10_000)).generate(req(user=user))  # cap = 200 - 50
    assert "cap 150 tokens" in g.fallbacks[0].detail


def test_transient_classification():
    from langchain_core.exceptions import ModelAuthenticationError, ModelRateLimitError

    from assistant.providers.errors import ProviderTimeout
    from assistant.providers.resilience import is_transient

    assert is_transient(connection_error()) and is_transient(ModelRateLimitError("slow down"))
    assert is_transient(httpx.ConnectError("refused"))
    assert not is_transient(ModelAuthenticationError("bad key"))
    assert not is_transient(ProviderTimeout("local model too slow"))
    assert not is_transient(ValueError("bad request"))
