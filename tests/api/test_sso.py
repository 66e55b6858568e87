"""The trusted-proxy header in the API follows the desk's rules: only from DEFLECT_TRUSTED_PROXIES, never a
password account, and a role header never above DEFLECT_TRUSTED_MAX_ROLE."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import serve

pytestmark = [pytest.mark.server]


def app_with(tmp_path, embedder, proxies):
    from api.app import create_app
    from deflectkit.app import Services
    from deflectkit.core.config import Settings

    settings = Settings(_env_file=None, data_dir=tmp_path / "data", trusted_user_header="X-Forwarded-User",
                        trusted_role_header="X-Forwarded-Role", trusted_proxies=proxies, trusted_max_role="agent")
    services = Services(settings, embedder=embedder)
    services.feedback.users.add("boss", "admin", password="boss-password-1", actor="test")
    return serve(create_app(services))


def test_header_from_a_non_proxy_address_is_refused(tmp_path, embedder):
    url, server, thread = app_with(tmp_path, embedder, ["10.9.9.9"])
    try:
        r = httpx.get(f"{url}/v1/flags", headers={"X-Forwarded-User": "mallory", "X-Forwarded-Role": "admin"})
    finally:
        server.should_exit = True
        thread.join(10)
    assert r.status_code == 401 and "trusted proxy" in r.json()["error"]["message"]


def test_role_header_is_capped_and_password_accounts_are_refused(tmp_path, embedder):
    url, server, thread = app_with(tmp_path, embedder, ["127.0.0.1"])
    try:
        as_admin = {"X-Forwarded-User": "mallory", "X-Forwarded-Role": "admin"}
        flags = httpx.get(f"{url}/v1/flags", headers=as_admin)
        ready = httpx.get(f"{url}/readyz", headers=as_admin)
        boss = httpx.get(f"{url}/v1/flags", headers={"X-Forwarded-User": "boss"})
    finally:
        server.should_exit = True
        thread.join(10)
    assert flags.status_code == 403  # the role header asked for admin; the cap is agent
    assert ready.status_code in (200, 503)  # signed in as an agent (no index yet: not ready)
    assert boss.status_code == 401 and "password" in boss.json()["error"]["message"]
