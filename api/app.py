"""`create_app(services)`: the FastAPI app over one composition root.

The edge of the API lives here: a request id for every request (the same id the Answer, the traces and
the feedback store carry), a body-size limit, per-route metrics, CORS closed unless configured, and
one JSON error shape for everything that goes wrong, never a stack trace.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import body, status_of
from api.jobs import JobRunner
from api.metrics import ApiMetrics
from api.models import ERROR_RESPONSES
from api.state import ApiState
from deflectkit.app import Services
from deflectkit.core.config import Settings
from deflectkit.core.errors import DeflectError
from deflectkit.core.observability import request_context, span

log = logging.getLogger(__name__)
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
STATIC = Path(__file__).with_name("static")


@dataclass
class ApiContext:
    """What a route reaches through `request.app.state.ctx`."""

    settings: Settings
    services: Services
    state: ApiState
    metrics: ApiMetrics
    jobs: JobRunner


def new_request_id(incoming: str | None) -> str:
    """A caller's well-formed X-Request-ID is kept (so its logs join ours); anything else gets a fresh id."""
    if incoming and _CLIENT_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


class BodyLimit:
    """413 for a body over `max_bytes` (multipart uploads get their own, larger limit), before it is read whole."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int):
        self.app, self.max_bytes, self.max_upload_bytes = app, max_bytes, max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit = self.max_upload_bytes if headers.get("content-type", "").startswith("multipart/") else self.max_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(scope, send, limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await _too_large(scope, send, limit)


class _TooLarge(Exception):
    pass


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    rid = scope.get("state", {}).get("request_id", "")
    response = JSONResponse(body("too_large", f"The request body is over {limit // 1024} KB: send a shorter ticket "
                                 "or split the upload (DEFLECT_API_MAX_BODY_KB / DEFLECT_API_MAX_UPLOAD_MB).", rid),
                            status_code=413, headers={"X-Request-ID": rid} if rid else None)
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def create_app(services: Services | None = None, settings: Settings | None = None) -> FastAPI:
    """The API app; `services` is the composition root (tests pass one with ready parts)."""
    from api.routes import router
    from api.selfservice import router as selfservice_router
    from integrations.zendesk.routes import router as zendesk_router

    services = services or Services(settings)
    settings = services.settings
    metrics = ApiMetrics()
    state = ApiState(settings.data_dir / "api.db", settings.feedback_busy_timeout_s)
    ctx = ApiContext(settings, services, state, metrics, JobRunner(services, state, metrics))

    app = FastAPI(title="deflectkit API", version="1", description=(
        "Grounded, cited draft replies for support tickets. Authenticate with `Authorization: Bearer <key>` "
        "(create keys with `deflect keys add NAME --scopes draft,feedback`). Every response carries "
        "`X-Request-ID`; errors are `{\"error\": {\"code\", \"message\", \"request_id\"}}`."))
    app.state.ctx = ctx

    # Starlette runs the middleware added last first: the request id wraps the body limit, so a 413 has one too.
    app.add_middleware(BodyLimit, max_bytes=settings.api_max_body_kb * 1024,
                       max_upload_bytes=settings.api_max_upload_mb * 1024 * 1024)

    @app.middleware("http")
    async def request_ids(request: Request, call_next):
        rid = new_request_id(request.headers.get("x-request-id"))
        request.state.request_id = rid
        started = time.perf_counter()
        status = 500
        try:
            with request_context(rid), span("api.request", method=request.method):
                response = await call_next(request)
            status = response.status_code
        finally:
            route = getattr(request.scope.get("route"), "path", None) or "unmatched"
            metrics.observe_request(route, request.method, status, time.perf_counter() - started)
        response.headers.setdefault("X-Request-ID", rid)
        return response

    if settings.api_cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.api_cors_origins),
                           allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type",
                                                                          "Idempotency-Key", "X-API-Key"],
                           expose_headers=["X-Request-ID"])

    def error(request: Request, status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
        rid = getattr(request.state, "request_id", "")
        return JSONResponse(body(code, message, rid), status_code=status,
                            headers={**(headers or {}), "X-Request-ID": rid})

    @app.exception_handler(DeflectError)
    async def deflect_error(request: Request, exc: DeflectError):
        status, code = status_of(exc)
        return error(request, status, code, str(exc), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: {e.get('msg')}"
                             for e in exc.errors()[:5])
        return error(request, 422, "invalid_request", f"The request does not match the schema ({problems}); "
                     "see /docs for the request shapes.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed", 422: "invalid_request",
                503: "unavailable"}.get(exc.status_code, "http_error")
        generic = {404: "No such route: see /docs for the API's routes.",
                   405: "This route does not take that method: see /docs."}
        # Starlette's own 404/405 carry only the status phrase; a route's HTTPException says more.
        message = generic.get(exc.status_code, "") if exc.detail in ("Not Found", "Method Not Allowed") else ""
        message = message or str(exc.detail)
        return error(request, exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception):
        log.exception("unhandled error in the API", extra={"request_id": getattr(request.state, "request_id", "")})
        return error(request, 500, "internal_error", "The server failed on this request; retry, and report the "
                     "request id if it persists.")

    app.include_router(router)
    app.include_router(selfservice_router)
    # Authenticated by the help desk's signature, not an API key.
    app.include_router(zendesk_router, responses=ERROR_RESPONSES)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app



def app_from_env() -> FastAPI:
    """uvicorn's factory for `deflect api` (each worker process calls it once): settings from the environment."""
    from deflectkit.app import start
    from deflectkit.core.config import load_settings

    settings = load_settings()
    start(settings)
    return create_app(Services(settings))
