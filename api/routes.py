"""The v1 routes. Each is a few lines around a Services or store call; `drafting` holds the shared steps."""

from __future__ import annotations

import asyncio
import contextvars
import json
from pathlib import Path

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sse_starlette.sse import EventSourceResponse

from api.auth import Principal, authenticate, require
from api.errors import ApiError
from api.models import (
    ERROR_RESPONSES,
    ActivateRequest,
    DraftRequest,
    EditRequest,
    EscalateRequest,
    FeedbackRequest,
    FlagsUpdate,
    Health,
    IndexVersions,
    IngestRequest,
)
from api.state import Job, body_hash
from assistant.models import Answer
from deflectkit.core.observability import request_context
from feedback.flags import Flags
from feedback.models import Edit, Escalation, Feedback, SentDraft
from retrieval.models import Filters, Hit

router = APIRouter(responses=ERROR_RESPONSES)


def ctx_of(request: Request):
    return request.app.state.ctx


def request_id(request: Request) -> str:
    return request.state.request_id


# --- drafting ------------------------------------------------------------------------------------
def draft_answer(ctx, req: DraftRequest, rid: str, actor: str) -> Answer:
    """Draft, record the interaction under the request id, count it: the one path both modes share."""
    filters = Filters(locale=req.locale) if req.locale else None
    with request_context(rid):
        answer = ctx.services.answer(req.ticket(), filters=filters, request_id=rid)
    ctx.services.feedback.record_interaction(answer, actor)
    ctx.metrics.observe_answer(answer)
    return answer


def stored_answer(ctx, rid: str) -> Answer:
    it = ctx.services.feedback.get_interaction(rid)
    if it is None or it.answer is None:
        raise ApiError(404, "not_found", f"No draft with request id {rid!r}.")
    return it.answer


def idempotent(ctx, who: Principal, key: str | None, req: DraftRequest, rid: str):
    """(replayed Answer or None, key to finish). A replay returns the first request's Answer."""
    if not key:
        return None, None
    claim = ctx.state.claim(who.actor, key, body_hash(req.model_dump(mode="json")), rid)
    if claim.status == "conflict":
        raise ApiError(422, "idempotency_conflict", "This Idempotency-Key was used with a different ticket: "
                       "use a new key for a new ticket.")
    if claim.status == "pending" and not ctx.state.wait_done(who.actor, key, ctx.settings.api_idempotency_wait_s):
        raise ApiError(409, "idempotency_pending", "A request with this Idempotency-Key is still running or "
                       "failed: retry in a few seconds.", headers={"Retry-After": "2"})
    if claim.status in ("done", "pending"):
        return stored_answer(ctx, claim.request_id), None
    return None, key


def draft_pieces(draft: str) -> list[str]:
    """The draft in the pieces the stream sends: lines, so the pieces joined are exactly the draft."""
    return draft.splitlines(keepends=True)


@router.post("/v1/drafts", response_model=Answer, tags=["drafts"], responses={200: {"content": {
    "text/event-stream": {"schema": {
        "type": "object", "description": "With ?stream=true: `stage` events, then `draft` pieces, then one `answer` "
        "event (or one `error` event); each event's data is JSON.",
        "properties": {"event": {"type": "string", "enum": ["stage", "draft", "answer", "error"]},
                       "data": {"type": "string"}}}}}}},
             summary="Draft a cited reply to a ticket (add ?stream=true for Server-Sent Events)")
def create_draft(req: DraftRequest, request: Request, response: Response,
                 stream: bool = Query(False, description="Stream stage progress, the draft, then the Answer."),
                 idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
                 who: Principal = require("draft")):
    ctx, rid = ctx_of(request), request_id(request)
    replay, key = idempotent(ctx, who, idempotency_key, req, rid)
    if stream:
        return EventSourceResponse(_events(ctx, req, rid, who, replay, key), headers={
            "X-Request-ID": replay.request_id if replay else rid})
    if replay is not None:
        response.headers["X-Request-ID"] = replay.request_id
        response.headers["Idempotent-Replayed"] = "true"
        return replay
    try:
        answer = draft_answer(ctx, req, rid, who.actor)
    except BaseException:
        if key:
            ctx.state.finish(who.actor, key, ok=False)
        raise
    if key:
        ctx.state.finish(who.actor, key, ok=True)
    return answer


async def _events(ctx, req: DraftRequest, rid: str, who: Principal, replay: Answer | None, key: str | None):
    """stage… → draft (line by line) → answer; an error ends the stream with an `error` event."""
    from api.errors import body, status_of
    from assistant.pipeline import listen_stages
    from deflectkit.core.errors import DeflectError

    if replay is None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()

        def work() -> Answer:
            with listen_stages(lambda stage: loop.call_soon_threadsafe(queue.put_nowait, stage)):
                return draft_answer(ctx, req, rid, who.actor)

        future = loop.run_in_executor(None, contextvars.copy_context().run, work)
        while True:
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getter, future}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            yield {"event": "stage", "data": json.dumps({"stage": getter.result()})}
        while not queue.empty():
            yield {"event": "stage", "data": json.dumps({"stage": queue.get_nowait()})}
        try:
            answer = future.result()
        except DeflectError as e:
            if key:
                ctx.state.finish(who.actor, key, ok=False)
            status, code = status_of(e)
            yield {"event": "error", "data": json.dumps({**body(code, str(e), rid), "status": status})}
            return
        except Exception:  # noqa: BLE001 - the stream ends with our error shape, never a trace
            if key:
                ctx.state.finish(who.actor, key, ok=False)
            yield {"event": "error", "data": json.dumps(body("internal_error", "Drafting failed on the server; "
                                                              "retry, or report this request id.", rid))}
            return
        if key:
            ctx.state.finish(who.actor, key, ok=True)
    else:
        answer = replay
    for piece in draft_pieces(answer.draft):
        yield {"event": "draft", "data": json.dumps({"text": piece})}
    yield {"event": "answer", "data": answer.model_dump_json()}


# --- actions on a draft ----------------------------------------------------------------------------
@router.post("/v1/drafts/{draft_id}/use", response_model=SentDraft, tags=["drafts"],
             summary="The agent sent the draft as it is")
def use_draft(draft_id: str, request: Request, who: Principal = require("feedback")):
    return ctx_of(request).services.feedback.record_sent(draft_id, who.actor)


@router.post("/v1/drafts/{draft_id}/edit", response_model=Edit, tags=["drafts"],
             summary="The agent sent an edited reply (the diff against the draft is stored)")
def edit_draft(draft_id: str, req: EditRequest, request: Request, who: Principal = require("feedback")):
    return ctx_of(request).services.feedback.record_edit(draft_id, who.actor, req.final_text)


@router.post("/v1/drafts/{draft_id}/escalate", response_model=Escalation, tags=["drafts"],
             summary="Hand the ticket to a person, with a reason")
def escalate_draft(draft_id: str, req: EscalateRequest, request: Request, who: Principal = require("feedback")):
    return ctx_of(request).services.feedback.record_escalation(draft_id, who.actor, req.reason, note=req.note)


@router.post("/v1/drafts/{draft_id}/feedback", response_model=Feedback, tags=["drafts"],
             summary="Thumbs up or down, with a reason code for thumbs down")
def rate_draft(draft_id: str, req: FeedbackRequest, request: Request, who: Principal = require("feedback")):
    if req.thumbs == "down" and not req.reason:
        raise ApiError(422, "reason_required", "A thumbs down needs a reason code: one of wrong, incomplete, "
                       "outdated_source, not_grounded, tone, other.")
    return ctx_of(request).services.feedback.record_feedback(draft_id, who.actor, req.thumbs, reason=req.reason,
                                                             comment=req.comment)


@router.get("/v1/drafts/{draft_id}", response_model=Answer, tags=["drafts"], summary="A recorded draft")
def get_draft(draft_id: str, request: Request, who: Principal = require("draft")):
    return stored_answer(ctx_of(request), draft_id)


# --- search ----------------------------------------------------------------------------------------
@router.get("/v1/search", response_model=list[Hit], tags=["search"], summary="Search the help center")
def search(request: Request, q: str = Query(min_length=1, max_length=2_000), k: int = Query(5, ge=1, le=50),
           mode: str | None = Query(None, pattern="^(hybrid|bm25|dense)$"),
           locale: str | None = Query(None, max_length=35), who: Principal = require("draft")):
    ctx = ctx_of(request)
    if not q.strip():
        raise ApiError(422, "empty_query", "The query is empty: send ?q=<words>.")
    filters, _ = ctx.services.request_options(filters=Filters(locale=locale) if locale else None)
    with request_context(request_id(request)):
        return ctx.services.searcher.search(q, k=k, mode=mode, filters=filters)


# --- admin -----------------------------------------------------------------------------------------
_INGEST_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": IngestRequest.model_json_schema()},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}, "required": ["files"]}}}}}


@router.post("/v1/ingest", response_model=Job, status_code=202, tags=["admin"], openapi_extra=_INGEST_BODY,
             summary="Ingest a server folder (JSON {path}) or uploaded files (multipart 'files'); returns a job")
async def ingest(request: Request, who: Principal = require("admin")):
    ctx = ctx_of(request)
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        from ingest.uploads import save_uploads

        form = await request.form(max_files=10_000)
        files = [(f.filename or "upload", await f.read()) for f in form.getlist("files") if hasattr(f, "read")]
        if not files:
            raise ApiError(422, "no_files", "Send the files as multipart form fields named 'files'.")
        folder = await asyncio.to_thread(save_uploads, files, ctx.settings.data_dir)
    else:
        try:
            req = IngestRequest.model_validate(await request.json())
        except (ValueError, ValidationError) as e:
            raise ApiError(422, "invalid_request", 'Send JSON {"path": "<folder on the server>"} or multipart '
                           "files.") from e
        folder = ingest_folder(req.path, ctx.settings.api_ingest_roots)
    return ctx.jobs.start_ingest([folder], who.actor)


def ingest_folder(text: str, roots: list[Path]) -> Path:
    """The folder to ingest, checked: it exists, and lies under one of `roots` when any are set."""
    path = Path(text).expanduser()
    if not path.is_dir():
        raise ApiError(422, "not_a_folder", f"No folder at {text!r} on the server: give a folder path the server "
                       "can read, or upload the files instead.")
    real = path.resolve()
    if roots and not any(real.is_relative_to(Path(r).expanduser().resolve()) for r in roots):
        raise ApiError(403, "folder_not_allowed", f"{text!r} is outside the folders this server may ingest "
                       "(DEFLECT_API_INGEST_ROOTS): upload the files, or ask the operator to allow the folder.")
    return path


@router.get("/v1/jobs/{job_id}", response_model=Job, tags=["admin"], summary="Progress and report of a job")
def get_job(job_id: str, request: Request, who: Principal = require("admin")):
    job = ctx_of(request).state.job(job_id)
    if job is None:
        raise ApiError(404, "not_found", f"No job {job_id!r}: use the job_id that POST /v1/ingest returned.")
    return job


def _versions(ctx) -> IndexVersions:
    catalog = ctx.services.catalog
    return IndexVersions(active=catalog.active_version(), versions=catalog.versions())


@router.get("/v1/index/versions", response_model=IndexVersions, tags=["admin"], summary="Index versions")
def index_versions(request: Request, who: Principal = require("admin")):
    return _versions(ctx_of(request))


@router.post("/v1/index/activate", response_model=IndexVersions, tags=["admin"], summary="Make a version live")
def index_activate(req: ActivateRequest, request: Request, who: Principal = require("admin")):
    ctx = ctx_of(request)
    ctx.services.activate(req.version, actor=who.actor)
    return _versions(ctx)


@router.post("/v1/index/rollback", response_model=IndexVersions, tags=["admin"],
             summary="Go back to the previous index version")
def index_rollback(request: Request, who: Principal = require("admin")):
    ctx = ctx_of(request)
    ctx.services.rollback(actor=who.actor)
    return _versions(ctx)


@router.get("/v1/flags", response_model=Flags, tags=["admin"], summary="Feature flags and kill switches")
def get_flags(request: Request, who: Principal = require("admin")):
    return ctx_of(request).services.live_flags()


@router.put("/v1/flags", response_model=Flags, tags=["admin"],
            summary="Change flags (only the fields sent; each change audited)")
def put_flags(changes: FlagsUpdate, request: Request, who: Principal = require("admin")):
    flags = ctx_of(request).services.feedback.flags
    result = flags.get_all()
    for key, value in changes.model_dump(exclude_unset=True).items():
        result = flags.set(key, value, actor=who.actor)
    return result


# --- operations ------------------------------------------------------------------------------------
@router.get("/healthz", response_model=Health, tags=["ops"], summary="The process is up (no key needed)")
def healthz():
    return Health(status="ok")


@router.get("/readyz", response_model=Health, tags=["ops"], summary="An index is live and the stores are writable")
def readyz(request: Request, who: Principal = Depends(authenticate)):
    ctx = ctx_of(request)
    checks = {"index_loaded": _index_loaded(ctx), "feedback_writable": _writable(ctx.services.feedback),
              "api_state_writable": ctx.state.writable()}
    ready = all(checks.values())
    return JSONResponse(Health(status="ready" if ready else "not_ready", checks=checks).model_dump(),
                        status_code=200 if ready else 503)


def _index_loaded(ctx) -> bool:
    try:
        return ctx.services.catalog.active_version() is not None
    except Exception:  # noqa: BLE001 - not ready is the answer
        return False


def _writable(store) -> bool:
    try:
        store.flags.get_all()
        store._conns.write(lambda db: db.execute("SELECT 1").fetchone())
        return True
    except Exception:  # noqa: BLE001
        return False


@router.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=Response)
def metrics(request: Request, who: Principal = Depends(authenticate)):
    ctx = ctx_of(request)
    ctx.metrics.observe_breakers(ctx.services.breaker_states())
    ctx.metrics.observe_slos(check_slos(ctx))
    return Response(ctx.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


def check_slos(ctx) -> list:
    """The SLOs now; on a fast burn, trip the generation kill switch when the operator opted in (audited)."""
    from feedback.slo import SloConfig, slos_from_store

    store = ctx.services.feedback
    statuses = slos_from_store(store, SloConfig.from_settings(ctx.settings), list(ctx.metrics.outcomes))
    burning = [st.name for st in statuses if st.fast_burn]
    if burning and ctx.settings.slo_trip_kill_switch and store.flags.get_all()["generation_enabled"]:
        store.flags.set("generation_enabled", False, actor=f"slo:{','.join(burning)}")
    return statuses
