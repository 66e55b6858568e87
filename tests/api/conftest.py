"""API fixtures: one ingested tiny help center, the real app served by uvicorn on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import TINY_KB, write_kb


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    url: str
    services: object
    app: object
    keys: dict[str, str]

    def client(self, key: str | None = "all", **kw) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[key]}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120, **kw)


def serve(app) -> tuple[str, object, threading.Thread]:
    """Run `app` under a real uvicorn server on 127.0.0.1 in a thread; returns (url, server, thread)."""
    import uvicorn

    port = free_port()
    # proxy_headers off, as `deflect api` runs it: the app itself decides which forwarded address to believe.
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


@pytest.fixture(scope="module")
def api_server(tmp_path_factory, embedder) -> Iterator[Served]:
    """The tiny KB ingested, keys per scope, the app on loopback. Module scope: the ingest costs seconds."""
    from api.app import create_app
    from deflectkit.app import Services
    from deflectkit.core.config import Settings

    root = tmp_path_factory.mktemp("api")
    kb = write_kb(root / "kb", TINY_KB)
    settings = Settings(_env_file=None, data_dir=root / "data", api_rate_limit_per_minute=10_000,
                        api_max_body_kb=64, api_ingest_roots=[root], api_cors_origins=[],
                        login_client_max_failures=1000)  # the auth tests send many wrong keys from one address
    services = Services(settings, embedder=embedder)
    services.ingest([kb], actor="test")
    keys = {name: services.feedback.keys.add(name, scopes, actor="test").key for name, scopes in {
        "all": "draft,feedback,admin", "draft": "draft", "feedback": "feedback", "admin": "admin",
        "selfservice": "selfservice"}.items()}
    app = create_app(services)
    url, server, thread = serve(app)
    yield Served(url, services, app, keys)
    server.should_exit = True
    thread.join(10)
