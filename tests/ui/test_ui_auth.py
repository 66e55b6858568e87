"""Sign-in, sessions and role-gated pages: local accounts, reload-proof sessions and the trusted SSO header."""

from __future__ import annotations

import pytest

from tests.ui.conftest import user
from ui import auth
from ui.errors import UiError

pytestmark = pytest.mark.unit


def test_each_role_sees_its_pages_desk_first():
    assert auth.allowed_pages(user("ana")) == ["desk", "escalations"]
    assert auth.allowed_pages(user("root")) == ["desk", "escalations", "admin", "evaluator"]
    assert auth.allowed_pages(user("eva")) == ["desk", "escalations", "evaluator"]
    assert auth.allowed_pages(None) == []
    assert auth.allowed_pages(user("root").model_copy(update={"disabled": True})) == []


def test_sign_in_checks_the_password_audits_and_starts_a_session(store):
    store.users.add("ana", "agent", password="agent-pass-1")
    session = auth.sign_in(store, " ana ", "agent-pass-1", hours=1)
    assert (session.name, session.source) == ("ana", "local") and store.sessions.resume(session.token) == "ana"
    with pytest.raises(UiError, match="reset it on the Admin page"):
        auth.sign_in(store, "ana", "nope-nope-nope", hours=1)
    with pytest.raises(UiError, match="Enter your user name"):
        auth.sign_in(store, "", "", hours=1)
    assert [e.action for e in store.audit.entries()][:2] == ["login_failed", "login"]


def test_sign_in_throttles_the_browser_address(store):
    from feedback.errors import LoginThrottled

    store.users.add("ana", "agent", password="agent-pass-1")
    for i in range(20):  # the default limit per address, each attempt on another account
        with pytest.raises(UiError, match="Wrong user name"):
            auth.sign_in(store, f"guess{i}", "nope-nope-nope", hours=1, client="203.0.113.9")
    with pytest.raises(LoginThrottled, match="from this address"):  # shown on the form like any DeflectError
        auth.sign_in(store, "ana", "agent-pass-1", hours=1, client="203.0.113.9")
    assert auth.sign_in(store, "ana", "agent-pass-1", hours=1, client="198.51.100.7").name == "ana"


class Settings:
    trusted_user_header = None
    trusted_role_header = None
    trusted_default_role = "agent"
    trusted_proxies = ["127.0.0.1", "::1"]
    trusted_max_role = "agent"
    trusted_header_password_accounts = False
    ui_require_origin = True


class SSO(Settings):
    trusted_user_header = "X-Forwarded-User"


def test_a_reload_resumes_the_session_and_every_action_rereads_the_user(store):
    store.users.add("root", "admin", password="admin-pass-1")
    store.users.add("boss", "admin", password="admin-pass-2")
    session = auth.sign_in(store, "root", "admin-pass-1", hours=1)
    resumed = auth.resume(store, session.token)  # F5: a new tab state, the cookie's token
    assert resumed == session
    assert auth.current_user(resumed, store, {}, None, Settings()).role == "admin"
    store.users.update("root", actor="boss", role="agent")  # demoted while signed in
    assert auth.current_user(resumed, store, {}, None, Settings()).role == "agent"
    store.users.update("root", actor="boss", disabled=True)
    assert auth.current_user(resumed, store, {}, None, Settings()) is None
    store.users.update("root", actor="boss", disabled=False)
    store.users.delete("root", actor="boss")
    assert auth.current_user(resumed, store, {}, None, Settings()) is None
    assert auth.resume(store, "forged-token") is None and auth.resume(store, None) is None


def test_sessions_expire_and_sign_out_revokes_them(store):
    from datetime import UTC, datetime, timedelta

    now = {"t": datetime(2025, 1, 1, tzinfo=UTC)}
    store.sessions._clock = lambda: now["t"]
    store.users.add("ana", "agent", password="agent-pass-1")
    session = auth.sign_in(store, "ana", "agent-pass-1", hours=8)
    now["t"] += timedelta(hours=7)
    assert auth.current_user(session, store, {}, None, Settings()).name == "ana"
    now["t"] += timedelta(hours=2)
    assert auth.current_user(session, store, {}, None, Settings()) is None
    fresh = auth.sign_in(store, "ana", "agent-pass-1", hours=8)
    auth.sign_out(store, fresh)
    assert auth.resume(store, fresh.token) is None and store.audit.entries()[0].action == "logout"


def test_sso_header_signs_in_only_from_a_trusted_proxy(store):
    store.users.add("eva", "evaluator")
    store.users.add("boss", "admin", password="admin-pass-1")
    s = auth.sso_sign_in({"x-forwarded-user": "eva"}, "127.0.0.1", SSO(), store)
    assert (s.name, s.source) == ("eva", "sso")
    assert store.audit.entries()[0].details == {"via": "sso", "role": "evaluator"}
    assert auth.current_user(s, store, {"X-Forwarded-User": "eva"}, "127.0.0.1", SSO()).role == "evaluator"
    # the reproductions: a header from anyone who reaches the app; a local admin with a password; a role claim
    assert auth.sso_sign_in({"X-Forwarded-User": "eva"}, "203.0.113.7", SSO(), store) is None
    assert store.audit.entries()[0].action == "login_refused"
    assert auth.sso_sign_in({"X-Forwarded-User": "boss"}, "127.0.0.1", SSO(), store) is None

    class WithRole(SSO):
        trusted_role_header = "X-Forwarded-Role"

    mallory = auth.sso_sign_in({"X-Forwarded-User": "mallory", "X-Forwarded-Role": "admin"}, "::1", WithRole(), store)
    headers = {"X-Forwarded-User": "mallory", "X-Forwarded-Role": "admin"}
    assert auth.current_user(mallory, store, headers, "::1", WithRole()).role == "agent"
    assert auth.sso_sign_in({}, "127.0.0.1", SSO(), store) is None
    assert auth.sso_sign_in({"X-Forwarded-User": "eva"}, "127.0.0.1", Settings(), store) is None


def test_a_websocket_without_origin_is_refused_unless_allowed():
    assert auth.origin_ok({"Origin": "http://127.0.0.1:8501"}, Settings())
    assert not auth.origin_ok({"Host": "127.0.0.1:8501"}, Settings())

    class Off(Settings):
        ui_require_origin = False

    assert auth.origin_ok({}, Off())
