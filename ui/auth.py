"""Who is at the screen and which pages they get: local accounts or a trusted SSO header."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from feedback.models import User
from feedback.users import can, user_from_headers
from ui.errors import UiError

# page key -> the permissions that open it (any of them)
PAGE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "desk": ("ask",),
    "admin": ("ingest", "index", "flags", "users", "audit"),
    "evaluator": ("dashboards", "replay", "export"),
}


def allowed_pages(user: User | None) -> list[str]:
    """Page keys the user may open, the agent desk first."""
    return [page for page, actions in PAGE_PERMISSIONS.items() if any(can(user, a) for a in actions)]


def sign_in(store: Any, name: str, password: str, client: str | None = None) -> User:
    """A local account's user, or UiError saying what to do (the store audits both outcomes).

    `client` (the browser's address, when known) is throttled as well as the account: too many
    failures raise LoginThrottled, which says when to try again."""
    name = (name or "").strip()
    if not name or not password:
        raise UiError("Enter your user name and password.")
    user = store.users.authenticate(name, password, client)
    if user is None:
        raise UiError(
            "Wrong user name or password. Ask an admin to reset it with "
            "`deflect users add` (new account) or on the admin page."
        )
    return user


def sso_sign_in(headers: Mapping[str, str], settings: Any, store: Any) -> User | None:
    """The user the trusted proxy header names (None when SSO is off or the header is absent); audited."""
    user = user_from_headers(headers, settings, store)
    if user is not None:
        store.audit.append("login", user.name, details={"via": "sso", "role": user.role})
    return user
