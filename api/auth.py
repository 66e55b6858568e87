"""Who is calling: an API key (Authorization: Bearer or X-API-Key), or a trusted proxy's user header.

Each route declares the scope it needs with `Depends(require("draft"))`. A missing or wrong key is 401,
a revoked key 401, a key without the scope 403, a key over its per-minute budget 429 with Retry-After.
A trusted proxy's user header is believed by the desk's rules (feedback/sso.py: only from
DEFLECT_TRUSTED_PROXIES, never for a password account, role capped), and the role maps onto scopes.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Request

from api.errors import ApiError
from feedback.sso import SsoConfig, client_address, sso_user

# What a proxy-authenticated user may do through the API, by role (mirrors feedback.users.PERMISSIONS).
ROLE_SCOPES: dict[str, tuple[str, ...]] = {
    "agent": ("draft", "feedback"),
    "evaluator": ("draft", "feedback"),
    "admin": ("admin",),
}


@dataclass(frozen=True)
class Principal:
    name: str
    scopes: tuple[str, ...]
    via: str  # "key" or "proxy"

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes

    @property
    def actor(self) -> str:
        """The name stored with feedback and audit rows: keys are marked so they never pass for a person."""
        return f"key:{self.name}" if self.via == "key" else self.name


def presented_key(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return request.headers.get("x-api-key")


def authenticate(request: Request) -> Principal:
    ctx = request.app.state.ctx
    settings = ctx.settings
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    key = presented_key(request)
    if key:
        # Wrong keys count per caller: behind a trusted proxy, the address it forwarded.
        client = client_address(request.client.host if request.client else None, request.headers,
                                list(settings.trusted_proxies))
        check = ctx.services.feedback.keys.check(key, f"{request.method} {path}", settings.api_rate_limit_per_minute,
                                                 client=client)
        if check.status == "ok":
            return Principal(check.key.name, tuple(check.key.scopes), "key")
        if check.status == "throttled":
            ctx.metrics.auth_failures.labels("throttled").inc()
            raise ApiError(429, "too_many_failures", "Too many wrong API keys from this address: retry after "
                           f"{check.retry_after_s} s with a valid key.", headers={"Retry-After": str(check.retry_after_s)})
        if check.status == "rate_limited":
            ctx.metrics.rate_limited.labels(check.key.name).inc()
            raise ApiError(429, "rate_limited", f"Key {check.key.name!r} made more than "
                           f"{settings.api_rate_limit_per_minute} requests this minute; retry after "
                           f"{check.retry_after_s} s or ask an admin to raise DEFLECT_API_RATE_LIMIT_PER_MINUTE.",
                           headers={"Retry-After": str(check.retry_after_s)})
        ctx.metrics.auth_failures.labels(check.status).inc()
        if check.status == "revoked":
            raise ApiError(401, "key_revoked", "This API key was revoked: ask an admin for a new one "
                           "(deflect keys add NAME --scopes ...).", headers={"WWW-Authenticate": "Bearer"})
        raise ApiError(401, "unauthorized", "The API key is not valid: send it as 'Authorization: Bearer <key>' "
                       "(create one with deflect keys add NAME --scopes draft,feedback).",
                       headers={"WWW-Authenticate": "Bearer"})
    # A reverse proxy that authenticated the user: the same rules as the desk (feedback/sso.py).
    sso = sso_user(request.headers, request.client.host if request.client else None, SsoConfig.from_settings(settings),
                   ctx.services.feedback.users)
    if sso.user is not None:
        return Principal(sso.user.name, ROLE_SCOPES[sso.user.role], "proxy")
    if sso.refused:
        ctx.metrics.auth_failures.labels("proxy_refused").inc()
        raise ApiError(401, "unauthorized", f"The sign-in header was not accepted: {sso.refused}.",
                       headers={"WWW-Authenticate": "Bearer"})
    ctx.metrics.auth_failures.labels("missing").inc()
    raise ApiError(401, "unauthorized", "This route needs an API key: send 'Authorization: Bearer <key>' "
                   "(create one with deflect keys add NAME --scopes draft,feedback).",
                   headers={"WWW-Authenticate": "Bearer"})


def require(scope: str):
    """A dependency that authenticates the caller and checks `scope`; returns the Principal."""

    def check(request: Request) -> Principal:
        principal = authenticate(request)
        if not principal.allows(scope):
            raise ApiError(403, "forbidden", f"This key lacks the {scope!r} scope; its scopes are "
                           f"{', '.join(principal.scopes)}. Ask an admin for a key with --scopes {scope}.")
        return principal

    check.__name__ = f"require_{scope}"
    return Depends(check)
