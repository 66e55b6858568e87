"""Trusted SSO headers: believed only from a proxy address, never for password accounts, roles capped."""

from __future__ import annotations

import pytest

from feedback.sso import SsoConfig, client_address, from_proxy, sso_user

pytestmark = pytest.mark.integration

PROXY = "10.0.0.5"


def config(**kw) -> SsoConfig:
    return SsoConfig(**{"user_header": "X-Forwarded-User", "proxies": ["10.0.0.0/24"], **kw})


def test_header_is_believed_only_from_a_proxy_address(store):
    store.users.add("eve", "evaluator")
    headers = {"x-forwarded-user": "eve"}
    assert sso_user(headers, PROXY, config(), store.users).user.role == "evaluator"
    for peer in ("203.0.113.9", None, "not-an-ip"):
        outcome = sso_user(headers, peer, config(), store.users)
        assert outcome.user is None and "not from a trusted proxy" in outcome.refused
    assert sso_user(headers, PROXY, config(user_header=None), store.users) == (None, "")
    assert sso_user({}, PROXY, config(), store.users) == (None, "")


def test_header_never_signs_in_as_a_local_account_with_a_password(store):
    store.users.add("boss", "admin", password="boss-pass-01")
    outcome = sso_user({"X-Forwarded-User": "boss"}, PROXY, config(), store.users)
    assert outcome.user is None and "with a password" in outcome.refused
    allowed = sso_user({"X-Forwarded-User": "boss"}, PROXY, config(password_accounts=True), store.users)
    assert (allowed.user.name, allowed.user.role, allowed.user.source) == ("boss", "admin", "sso")


def test_role_header_is_capped_at_the_maximum_role(store):
    with_role = {"role_header": "X-Forwarded-Role"}
    mallory = {"X-Forwarded-User": "mallory", "X-Forwarded-Role": "admin"}
    assert sso_user(mallory, PROXY, config(**with_role), store.users).user.role == "agent"
    assert sso_user(mallory, PROXY, config(**with_role, max_role="evaluator"), store.users).user.role == "evaluator"
    assert sso_user(mallory, PROXY, config(**with_role, max_role="admin"), store.users).user.role == "admin"
    # an unknown claim falls back to the account's role or the default, never to something broader
    unknown = {"X-Forwarded-User": "mallory", "X-Forwarded-Role": "root"}
    assert sso_user(unknown, PROXY, config(**with_role, max_role="admin"), store.users).user.role == "agent"
    store.users.add("ana", "admin")  # password-less: the admin gave this SSO account its role
    assert sso_user({"X-Forwarded-User": "ana"}, PROXY, config(**with_role), store.users).user.role == "admin"
    lowered = {"X-Forwarded-User": "ana", "X-Forwarded-Role": "Agent"}
    assert sso_user(lowered, PROXY, config(**with_role), store.users).user.role == "agent"


def test_disabled_account_is_refused(store):
    store.users.add("ana", "agent")
    store.users.update("ana", actor="admin", disabled=True)
    outcome = sso_user({"X-Forwarded-User": "ana"}, PROXY, config(), store.users)
    assert outcome.user is None and "disabled" in outcome.refused


@pytest.mark.unit
def test_from_proxy_accepts_addresses_and_networks():
    assert from_proxy("127.0.0.1", ["127.0.0.1", "::1"]) and from_proxy("::1", ["127.0.0.1", "::1"])
    assert from_proxy("::ffff:127.0.0.1", ["127.0.0.1"])  # how a dual-stack server reports an IPv4 peer
    assert not from_proxy("::ffff:10.0.0.1", ["127.0.0.1"])
    assert from_proxy("10.1.2.3", ["10.0.0.0/8"]) and not from_proxy("11.0.0.1", ["10.0.0.0/8"])
    assert not from_proxy("10.1.2.3", ["bad entry"]) and not from_proxy("", ["0.0.0.0/0"])


def test_the_callers_address_is_forwarded_only_by_a_trusted_proxy():
    proxies = ["10.0.0.0/24"]
    fwd = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9, 10.0.0.7"}
    assert client_address(PROXY, fwd, proxies) == "203.0.113.9"  # the nearest hop that is not a proxy
    assert client_address("203.0.113.50", fwd, proxies) == "203.0.113.50"  # anyone else's header is ignored
    assert client_address(PROXY, {}, proxies) == PROXY
    assert client_address(PROXY, {"x-forwarded-for": "10.0.0.8"}, proxies) == PROXY  # only proxies in the chain
    assert client_address(PROXY, {"x-forwarded-for": "1.2.3.4, junk"}, proxies) == PROXY  # malformed: not believed
    assert client_address(None, fwd, proxies) is None
