"""The response cache in the provider chain: a repeated request is served without a model call and
says so (Generation.cached, Answer.cached); bypass, other sources, fallbacks and kill switches miss."""

from __future__ import annotations

import re
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from assistant.generation import GenerationRequest
from assistant.providers import ChainPolicy, GenerationUnavailable, ResilientGenerator, ResponseCache
from assistant.providers.budget import estimate_tokens
from assistant.providers.registry import Provider
from assistant.sentences import units


class EdgeChat(BaseChatModel):
    """A chat model at the system's edge: `reply(user_turn)` or an exception; counts calls."""

    reply: Any
    calls: int = 0
    seen: list = []

    @property
    def _llm_type(self) -> str:
        return "edge"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.calls += 1
        self.seen.append(messages[-1].content)
        out = self.reply(messages[-1].content) if callable(self.reply) else self.reply
        if isinstance(out, BaseException):
            raise out
        usage = {"input_tokens": 200, "output_tokens": 20, "total_tokens": 220}
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=out, usage_metadata=usage))])


def provider(name: str, chat: EdgeChat) -> Provider:
    return Provider(name=name, model=f"{name}-m", price_in_per_1k=1.0, price_out_per_1k=1.0, context_window=None,
                    build=lambda: chat, count=lambda c, t: estimate_tokens(t), call_kwargs=lambda n, t: {})


def chain(tmp_path, *providers: Provider, flags=None) -> ResilientGenerator:
    return ResilientGenerator(list(providers), ChainPolicy(retries=0, breaker_fail_max=5),
                              flags or (lambda: {}), None, ResponseCache(tmp_path / "cache.db"))


def req(ticket: str | None = "How do I refund?", sources: str = "c1|c2", bypass: bool = False) -> GenerationRequest:
    return GenerationRequest(system="s", user="u", request_id="r", ticket=ticket, index_version=3,
                             prompt_version="p1", sources_key=sources, cache_bypass=bypass)


@pytest.mark.unit
def test_repeated_request_is_served_from_the_cache(tmp_path):
    chat = EdgeChat(reply="Open Payments and click Refund [1].")
    gen = chain(tmp_path, provider("openai", chat))
    first = gen.generate(req())
    again = gen.generate(req(ticket="  how do I REFUND? "))  # same ticket once normalised
    assert chat.calls == 1
    assert not first.cached and first.tokens_in == 200 and first.cost > 0
    assert again.cached and again.text == first.text and again.provider == "openai" and again.model == "openai-m"
    assert again.tokens_in == again.tokens_out == 0 and again.cost == 0.0  # nothing billed for this call


@pytest.mark.unit
def test_bypass_other_sources_and_uncached_requests_call_the_model(tmp_path):
    chat = EdgeChat(reply="text [1].")
    gen = chain(tmp_path, provider("openai", chat))
    gen.generate(req())
    assert not gen.generate(req(bypass=True)).cached and chat.calls == 2
    assert gen.generate(req()).cached and chat.calls == 2  # the bypassed call refreshed the entry
    assert not gen.generate(req(sources="c9")).cached and chat.calls == 3  # other filters, other passages
    gen.generate(req(ticket=None))
    assert not gen.generate(req(ticket=None)).cached and chat.calls == 5  # no ticket: never cached


@pytest.mark.unit
def test_fallback_drafts_are_not_cached_and_kill_switches_win(tmp_path):
    down = EdgeChat(reply=ConnectionError("refused"))
    local = EdgeChat(reply="local text [1].")
    flags = {"disabled_providers": []}
    gen = chain(tmp_path, provider("openai", down), provider("local", local), flags=lambda: flags)
    assert gen.generate(req()).provider == "local"
    second = gen.generate(req())
    assert second.provider == "local" and not second.cached and local.calls == 2

    up = EdgeChat(reply="openai text [1].")
    gen = chain(tmp_path, provider("openai", up), flags=lambda: flags)
    gen.generate(req(ticket="other question"))
    flags["disabled_providers"] = ["openai"]
    with pytest.raises(GenerationUnavailable):
        gen.generate(req(ticket="other question"))  # a cached draft does not outlive the kill switch


@pytest.mark.integration
def test_answer_shows_the_cache_hit(make_assistant, tmp_path):
    def cite_source_one(user: str) -> str:
        body = re.search(r'<source n="1"[^>]*>\n(.*?)\n</source>', user, re.S).group(1)
        return " ".join(f"{u.text} [1]" for u in units(body)[:2])

    chat = EdgeChat(reply=cite_source_one)
    assistant = make_assistant(chain(tmp_path, provider("openai", chat)))
    ticket = "How do I refund a customer? My email is jane.doe@example.com"
    first = assistant.answer(ticket, provider="openai")
    second = assistant.answer(ticket, provider="openai")
    assert chat.calls == 1 and first.provider == second.provider == "openai"
    assert not first.cached and first.tokens_in == 200
    assert second.cached and second.tokens_in == 0 and second.cost == 0.0
    assert second.draft == first.draft and second.request_id != first.request_id
    fresh = assistant.answer(ticket, provider="openai", cache_bypass=True)
    assert chat.calls == 2 and not fresh.cached
    # The model and the cache see the redacted ticket only: the raw email reaches neither.
    assert "jane.doe" not in chat.seen[0] and "jane.doe" not in first.ticket
    stored = [f.read_bytes() for f in tmp_path.glob("cache.db*")]  # the database and its WAL
    assert stored and not any(b"jane.doe" in b for b in stored)


@pytest.mark.unit
def test_a_changed_system_prompt_or_token_limit_misses_the_cache(tmp_path):
    chat = EdgeChat(reply="Open Payments and click Refund [1].")
    gen = chain(tmp_path, provider("openai", chat))
    gen.generate(req())
    assert gen.generate(req()).cached and chat.calls == 1
    changed_system = req().model_copy(update={"system": "s with a new canary"})
    assert not gen.generate(changed_system).cached and chat.calls == 2
    fewer_tokens = req().model_copy(update={"max_tokens": 120})
    assert not gen.generate(fewer_tokens).cached and chat.calls == 3


@pytest.mark.unit
def test_failovers_leave_out_prompt_trim_notes():
    from assistant.generation import Fallback, failovers

    reasons = [Fallback(provider="openai", kind="failed", detail="APIConnectionError: Connection error."),
               Fallback(provider="local", kind="trimmed", detail="prompt 2100 > cap 1536 tokens: kept 3 of 6 sources"),
               Fallback(provider="local", kind="circuit_open")]
    assert failovers(reasons) == [reasons[0], reasons[2]]
