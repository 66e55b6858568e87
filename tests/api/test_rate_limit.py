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


def test_wrong_keys_from_one_address_are_throttled_but_valid_keys_still_work(tmp_path, embedder):
    from api.app import create_app
    from deflectkit.app import Services
    from deflectkit.core.config import Settings

    services = Services(Settings(_env_file=None, data_dir=tmp_path / "data", login_client_max_failures=3),
                        embedder=embedder)
    key = services.feedback.keys.add("ops", "admin", actor="test").key
    url, server, thread = serve(create_app(services))
    wrong = {"Authorization": "Bearer dk_000000000000_guessguessguessguessguess"}
    try:
        codes = [httpx.get(f"{url}/v1/flags", headers=wrong).status_code for _ in range(5)]
        locked = httpx.get(f"{url}/v1/flags", headers=wrong)
        ok = httpx.get(f"{url}/v1/flags", headers={"Authorization": f"Bearer {key}"})
    finally:
        server.should_exit = True
        thread.join(10)
    assert codes[:3] == [401, 401, 401] and set(codes[3:]) == {429}
    assert locked.json()["error"]["code"] == "too_many_failures" and int(locked.headers["Retry-After"]) > 0
    assert ok.status_code == 200  # a shared proxy address does not lock out callers with a valid key



def test_behind_the_proxy_wrong_keys_count_against_the_forwarded_caller(tmp_path, embedder):
    from api.app import create_app
    from deflectkit.app import Services
    from deflectkit.core.config import Settings

    # The test client connects from 127.0.0.1, a trusted proxy by default.
    services = Services(Settings(_env_file=None, data_dir=tmp_path / "data", login_client_max_failures=3),
                        embedder=embedder)
    url, server, thread = serve(create_app(services))
    wrong = {"Authorization": "Bearer dk_000000000000_guessguessguessguessguess"}
    try:
        guesser = [httpx.get(f"{url}/v1/flags", headers={**wrong, "X-Forwarded-For": "203.0.113.9"}).status_code
                   for _ in range(5)]
        other = httpx.get(f"{url}/v1/flags", headers={**wrong, "X-Forwarded-For": "198.51.100.7"})
    finally:
        server.should_exit = True
        thread.join(10)
    assert set(guesser[3:]) == {429}
    assert other.status_code == 401  # another caller behind the same proxy is not locked out
