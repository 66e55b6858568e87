"""Named providers: a LangChain chat model (built lazily, once) plus its prices, window and token counter."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.providers.budget import cost_of, estimate_tokens
from assistant.providers.errors import ProviderUnavailable
from deflectkit.core.config.providers import LLM_PROVIDERS


class Reply(NamedTuple):
    text: str
    tokens_in: int
    tokens_out: int
    counted: bool  # True when the counts are ours, not the provider's reported usage


@dataclass
class Provider:
    name: str
    model: str
    price_in_per_1k: float
    price_out_per_1k: float
    context_window: int | None
    build: Callable[[], BaseChatModel]
    count: Callable[[BaseChatModel, str], int]
    call_kwargs: Callable[[int, float], dict[str, Any]]
    warm: Callable[[BaseChatModel], None] = lambda chat: None
    _chat: BaseChatModel | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def unit_price(self) -> float:
        return self.price_in_per_1k + self.price_out_per_1k

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return cost_of(tokens_in, tokens_out, self.price_in_per_1k, self.price_out_per_1k)

    def chat(self) -> BaseChatModel:
        """Build (and, for local, load) the model once; raises ProviderUnavailable with a fix to apply."""
        with self._lock:
            if self._chat is None:
                chat = self.build()
                self.warm(chat)
                self._chat = chat
            return self._chat

    def count_tokens(self, text: str) -> int:
        return self.count(self.chat(), text)

    def invoke(self, system: str, user: str, max_tokens: int, temperature: float) -> Reply:
        messages = [SystemMessage(system), HumanMessage(user)]
        msg = self.chat().invoke(messages, **self.call_kwargs(max_tokens, temperature))
        text = msg.content if isinstance(msg.content, str) else "".join(
            p.get("text", "") for p in msg.content if isinstance(p, dict))
        usage = msg.usage_metadata
        if usage and usage.get("input_tokens") is not None:
            return Reply(text.strip(), usage["input_tokens"], usage.get("output_tokens", 0), False)
        return Reply(text.strip(), self.count_tokens(system) + self.count_tokens(user), self.count_tokens(text), True)


def _local(settings: Any) -> Provider:
    from assistant.providers.local import ChatLlamaCpp, find_smollm2_gguf

    def build() -> BaseChatModel:
        path = settings.local_model_path or find_smollm2_gguf()
        return ChatLlamaCpp(model_path=str(path), n_ctx=settings.local_n_ctx, n_threads=settings.local_n_threads,
                            timeout_s=settings.llm_timeout_s)

    name = settings.local_model_path.name.removesuffix(".gguf") if settings.local_model_path else "SmolLM2-135M-Instruct"
    return Provider(
        name="local", model=name,
        price_in_per_1k=settings.local_price_in_per_1k, price_out_per_1k=settings.local_price_out_per_1k,
        context_window=settings.local_n_ctx, build=build,
        count=lambda chat, text: chat.get_num_tokens(text),
        call_kwargs=lambda n, t: {"max_tokens": n, "temperature": t},
        warm=lambda chat: chat.loaded(),
    )


def _openai(settings: Any) -> Provider:
    from assistant.providers.openai_compat import make_chat_openai, needs_key

    # ChatOpenAI sends max_completion_tokens; llama.cpp server and older vLLM/Ollama read only max_tokens.
    legacy = not needs_key(settings.openai_base_url)

    def call_kwargs(n: int, t: float) -> dict[str, Any]:
        return {"max_tokens": n, "temperature": t, **({"extra_body": {"max_tokens": n}} if legacy else {})}

    return Provider(
        name="openai", model=settings.openai_model,
        price_in_per_1k=settings.openai_price_in_per_1k, price_out_per_1k=settings.openai_price_out_per_1k,
        context_window=None, build=lambda: make_chat_openai(settings),
        count=lambda chat, text: estimate_tokens(text),  # tiktoken is not a dependency
        call_kwargs=call_kwargs,
    )


_FACTORIES = {"local": _local, "openai": _openai}


def make_provider(name: str, settings: Any) -> Provider:
    if name not in _FACTORIES:
        raise ProviderUnavailable(f"Unknown LLM provider {name!r}; use one of {', '.join(LLM_PROVIDERS)} or extractive.")
    return _FACTORIES[name](settings)
