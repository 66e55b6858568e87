"""Per-key rate limits (429 with Retry-After), counted across the app's workers in SQLite."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import serve

pytestmark = [pytest.mark.server]


def test_a_key_over_its_budget_gets_429_with_retry_after(tmp_path, embedder):
    from api.app import create_app
    from deflectkit.app import Services
    from deflectkit.core.config import Settings

    services = Services(Settings(_env_file=None, data_dir=tmp_path / "data", api_rate_limit_per_minute=3),
                        embedder=embedder)
    key = services.feedback.keys.add("busy", "admin", actor="test").key
    other = services.feedback.keys.add("calm", "admin", actor="test").key
    url, server, thread = serve(create_app(services))
    try:
        codes = [httpx.get(f"{url}/v1/flags", headers={"Authorization": f"Bearer {key}"}).status_code
                 for _ in range(5)]
        limited = httpx.get(f"{url}/v1/flags", headers={"Authorization": f"Bearer {key}"})
        assert codes[:3] == [200, 200, 200] and 429 in codes[3:]
        assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
        assert limited.json()["error"]["code"] == "rate_limited"
        # another key has its own budget
        assert httpx.get(f"{url}/v1/flags", headers={"Authorization": f"Bearer {other}"}).status_code == 200
    finally:
        server.should_exit = True
        thread.join(10)
