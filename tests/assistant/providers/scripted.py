"""Chat models at the system's edge for provider tests: a script of replies and exceptions."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from assistant.providers.budget import estimate_tokens
from assistant.providers.registry import Provider


class ScriptedChat(BaseChatModel):
    """A chat model at the system's edge: replays a script of texts and exceptions, counting calls."""

    script: list[Any]
    calls: int = 0
    report_usage: bool = True

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        step = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        if isinstance(step, BaseException):
            raise step
        usage = {"input_tokens": 100, "output_tokens": 50, "total_tokens": 150} if self.report_usage else None
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=step, usage_metadata=usage))])


def scripted_provider(name: str, script: list[Any], price_in: float = 0.0, price_out: float = 0.0,
                      report_usage: bool = True, context_window: int | None = None) -> tuple[Provider, ScriptedChat]:
    chat = ScriptedChat(script=script, report_usage=report_usage)
    p = Provider(name=name, model=f"{name}-model", price_in_per_1k=price_in, price_out_per_1k=price_out,
                 context_window=context_window, build=lambda: chat, count=lambda c, t: estimate_tokens(t),
                 call_kwargs=lambda n, t: {})
    return p, chat
