"""Single sign-on through an authenticating reverse proxy: who a trusted header says is at the screen.

The header is believed only when the connection comes from a configured proxy address; it never signs in as a
local account that has a password (unless allowed), and a role header never grants more than a maximum role.

    config = SsoConfig.from_settings(settings)
    outcome = sso_user(headers, peer="10.0.0.5", config=config, users=store.users)
    outcome.user or outcome.refused       # a User, or why the header was not believed
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, NamedTuple

from pydantic import BaseModel, Field

from deflectkit.core.config.feedback import Role
from feedback.models import User

# Roles in order of what they open, for the cap on a role header (admins read what evaluators read).
ROLE_RANK: dict[str, int] = {"agent": 0, "evaluator": 1, "admin": 2}


class SsoConfig(BaseModel):
    user_header: str | None = None
    role_header: str | None = None
    default_role: Role = "agent"
    proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    max_role: Role = "agent"
    password_accounts: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> SsoConfig:
        return cls(user_header=settings.trusted_user_header, role_header=settings.trusted_role_header,
                   default_role=settings.trusted_default_role, proxies=list(settings.trusted_proxies),
                   max_role=settings.trusted_max_role, password_accounts=settings.trusted_header_password_accounts)


class SsoOutcome(NamedTuple):
    user: User | None
    refused: str = ""  # why a header that was sent was not believed (empty: SSO off, or no header)


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, names compared case-insensitively; None if absent or blank."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value.strip() or None
    return None


def from_proxy(peer: str | None, proxies: list[str]) -> bool:
    """True if `peer` (the TCP peer's address) is one of the proxy addresses or networks."""
    if not peer:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:  # "::ffff:127.0.0.1" (dual-stack)
        address = address.ipv4_mapped
    for entry in proxies:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_address(peer: str | None, headers: Mapping[str, str], proxies: list[str]) -> str | None:
    """The caller's address: the TCP peer, or, when the peer is a trusted proxy, the nearest address in
    X-Forwarded-For that is not one (proxies append, so the right end is the one we can believe).
    Behind a proxy every caller shares its address: one client's wrong keys would lock out all."""
    if not from_proxy(peer, proxies):
        return peer
    chain = [a.strip() for a in (header(headers, "x-forwarded-for") or "").split(",") if a.strip()]
    for address in reversed(chain):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            return peer  # a malformed hop: trust nothing to its left
        if not from_proxy(address, proxies):
            return address
    return peer


def capped(role: str, max_role: str) -> str:
    return role if ROLE_RANK[role] <= ROLE_RANK[max_role] else max_role


def sso_user(headers: Mapping[str, str], peer: str | None, config: SsoConfig, users: Any) -> SsoOutcome:
    """The user the proxy vouches for. Reads the user store, never writes it.

    Role: the role header if sent and valid (capped at config.max_role), else the local account's role,
    else config.default_role. Refused: a peer that is not a proxy, a disabled account, and an account with
    a password (its owner signs in with it) unless config.password_accounts.
    """
    if not config.user_header:
        return SsoOutcome(None)
    name = header(headers, config.user_header)
    if not name:
        return SsoOutcome(None)
    if not from_proxy(peer, config.proxies):
        return SsoOutcome(None, f"the {config.user_header} header came from {peer or 'an unknown address'}, "
                                "not from a trusted proxy (DEFLECT_TRUSTED_PROXIES)")
    local = users.get(name)
    if local is not None and local.disabled:
        return SsoOutcome(None, f"the account {local.name} is disabled")
    if local is not None and local.has_password and not config.password_accounts:
        return SsoOutcome(None, f"{local.name} is a local account with a password: sign in with it "
                                "(or set DEFLECT_TRUSTED_HEADER_PASSWORD_ACCOUNTS)")
    claimed = (header(headers, config.role_header) or "").lower() if config.role_header else ""
    if claimed in ROLE_RANK:
        role = capped(claimed, config.max_role)
    else:
        role = local.role if local else config.default_role
    return SsoOutcome(User(name=local.name if local else name, role=role, source="sso",
                           created_at=local.created_at if local else None))
