"""Sign-in and role-gated pages, local accounts and the trusted SSO header."""

from __future__ import annotations

import pytest

from tests.ui.conftest import user
from ui import auth
from ui.errors import UiError

pytestmark = pytest.mark.unit


def test_each_role_sees_its_pages_desk_first():
    assert auth.allowed_pages(user("ana")) == ["desk"]
    assert auth.allowed_pages(user("root")) == ["desk", "admin"]
    assert auth.allowed_pages(user("eva")) == ["desk", "evaluator"]
    assert auth.allowed_pages(None) == []
    assert auth.allowed_pages(user("root").model_copy(update={"disabled": True})) == []


def test_sign_in_checks_the_password_and_audits(store):
    store.users.add("ana", "agent", password="agent-pass-1")
    assert auth.sign_in(store, " ana ", "agent-pass-1").role == "agent"
    with pytest.raises(UiError, match="Wrong user name or password"):
        auth.sign_in(store, "ana", "nope-nope-nope")
    with pytest.raises(UiError, match="Enter your user name"):
        auth.sign_in(store, "", "")
    assert [e.action for e in store.audit.entries()][:2] == ["login_failed", "login"]


def test_sign_in_throttles_the_browser_address(store):
    from feedback.errors import LoginThrottled

    store.users.add("ana", "agent", password="agent-pass-1")
    for i in range(20):  # the default limit per address, each attempt on another account
        with pytest.raises(UiError, match="Wrong user name"):
            auth.sign_in(store, f"guess{i}", "nope-nope-nope", client="203.0.113.9")
    with pytest.raises(LoginThrottled, match="from this address"):  # shown on the form like any DeflectError
        auth.sign_in(store, "ana", "agent-pass-1", client="203.0.113.9")
    assert auth.sign_in(store, "ana", "agent-pass-1", client="198.51.100.7").name == "ana"


class SSO:
    trusted_user_header = "X-Forwarded-User"
    trusted_role_header = None
    trusted_default_role = "agent"


def test_sso_header_signs_in_only_when_trusted(store):
    store.users.add("eva", "evaluator")
    u = auth.sso_sign_in({"x-forwarded-user": "eva"}, SSO(), store)
    assert (u.name, u.role, u.source) == ("eva", "evaluator", "sso")
    assert store.audit.entries()[0].details == {"via": "sso", "role": "evaluator"}
    assert auth.sso_sign_in({}, SSO(), store) is None

    class Off(SSO):
        trusted_user_header = None

    assert auth.sso_sign_in({"X-Forwarded-User": "eva"}, Off(), store) is None
