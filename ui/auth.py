"""Who is at the screen and which pages they get: local accounts (a session that survives a reload) or a
trusted SSO header. The session names a user and never carries a role: `current_user` re-reads the user
from the store on every script run, so a disabled, deleted or demoted user loses access on the next click.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel

from feedback.models import User
from feedback.sso import SsoConfig, header, sso_user
from feedback.users import can
from ui.errors import UiError

# page key -> the permissions that open it (any of them)
PAGE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "desk": ("ask",),
    "escalations": ("escalate",),
    "admin": ("ingest", "index", "flags", "users", "audit"),
    "evaluator": ("dashboards", "replay", "export"),
}


class Session(BaseModel):
    """What one browser tab remembers about its sign-in."""

    name: str
    source: Literal["local", "sso"]
    token: str | None = None  # local accounts: the cookie's token, checked against the store


def allowed_pages(user: User | None) -> list[str]:
    """Page keys the user may open, the agent desk first."""
    return [page for page, actions in PAGE_PERMISSIONS.items() if any(can(user, a) for a in actions)]


def origin_ok(headers: Mapping[str, str], settings: Any) -> bool:
    """Browsers send Origin on every websocket (Streamlit checks its value); a request without one is a
    script, refused when ui_require_origin is on."""
    return not settings.ui_require_origin or header(headers, "Origin") is not None


def sign_in(store: Any, name: str, password: str, hours: float, client: str | None = None) -> Session:
    """A new session for a local account, or UiError saying what to do (the store audits both outcomes).

    `client` (the browser's address, when known) is throttled as well as the account: too many
    failures raise LoginThrottled, which says when to try again."""
    name = (name or "").strip()
    if not name or not password:
        raise UiError("Enter your user name and password.")
    user = store.users.authenticate(name, password, client)
    if user is None:
        raise UiError("Wrong user name or password. Forgot it? Ask an admin to reset it on the Admin page "
                      "(Users tab) or with `deflect users`.")
    return Session(name=user.name, source="local", token=store.sessions.issue(user.name, hours))


def resume(store: Any, token: str | None) -> Session | None:
    """The session a cookie's token stands for, if it is still live."""
    name = store.sessions.resume(token)
    return Session(name=name, source="local", token=token) if name else None


def sso_sign_in(headers: Mapping[str, str], peer: str | None, settings: Any, store: Any) -> Session | None:
    """A session for the user the trusted proxy names (None when SSO is off, the header is absent or not
    believed); the sign-in and any refusal are audited."""
    outcome = sso_user(headers, peer, SsoConfig.from_settings(settings), store.users)
    if outcome.refused:
        store.audit.append("login_refused", header(headers, settings.trusted_user_header) or "",
                           details={"via": "sso", "peer": peer or "", "why": outcome.refused})
        return None
    if outcome.user is None:
        return None
    store.audit.append("login", outcome.user.name, details={"via": "sso", "role": outcome.user.role})
    return Session(name=outcome.user.name, source="sso")


def current_user(session: Session | None, store: Any, headers: Mapping[str, str], peer: str | None,
                 settings: Any) -> User | None:
    """The session's user as the store (or, for SSO, the proxy) says right now; None = signed out."""
    if session is None:
        return None
    if session.source == "sso":
        user = sso_user(headers, peer, SsoConfig.from_settings(settings), store.users).user
        return user if user is not None and user.name == session.name else None
    if store.sessions.resume(session.token) is None:  # expired or revoked (signed out, reset, disabled)
        return None
    user = store.users.get(session.name)
    return None if user is None or user.disabled else user


def sign_out(store: Any, session: Session | None) -> None:
    if session is not None:
        store.sessions.revoke(session.token)
        store.audit.append("logout", session.name, details={"via": session.source})
