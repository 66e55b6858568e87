"""Request ids, structured JSON logs and OpenTelemetry spans for the assistant.

Nothing is set up at import: entry points call `setup_tracing(settings)` and `setup_logging()` once.
Until then `span()` records nothing (OpenTelemetry's no-op tracer) and logs go wherever logging is configured.
Raw text never leaves through here: fields named like ticket/prompt/draft are replaced by their length.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("deflect_request_id", default=None)

# Field names whose values are customer or model text: logged and traced only as a length.
TEXT_FIELDS = frozenset({"ticket", "text", "body", "subject", "prompt", "system", "user", "draft", "query",
                         "reply", "content", "message_text"})
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_provider = None  # the TracerProvider installed by setup_tracing, if any


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def current_request_id() -> str | None:
    return request_id_var.get()


@contextmanager
def request_context(request_id: str | None = None) -> Iterator[str]:
    """Bind a request id for logs and spans inside the block (a new one when None)."""
    rid = request_id or new_request_id()
    token = request_id_var.set(rid)
    try:
        yield rid
    finally:
        request_id_var.reset(token)


def safe_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Text-bearing fields become '<N chars>'; everything else passes."""
    return {k: (f"<{len(str(v))} chars>" if k in TEXT_FIELDS and v is not None else v) for k, v in fields.items()}


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """logger.log(event) with the request id and `fields` as structured extras (text fields redacted)."""
    extra = {("field_" + k if k in _RECORD_ATTRS else k): v for k, v in safe_fields(fields).items()}
    extra.setdefault("event", event)
    extra.setdefault("request_id", current_request_id())
    logger.log(level, event, extra=extra)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and every extra field."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": round(record.created, 3), "level": record.levelname, "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in _RECORD_ATTRS and not k.startswith("_")})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


def setup_logging(level: int | str = logging.INFO, stream=None) -> logging.Handler:
    """Entry points only: JSON lines on stderr (stdout stays free for --json output)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(level)  # libraries that set their own logger to DEBUG at import stay quiet too
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return handler


class JsonlSpanExporter(SpanExporter):
    """Appends finished spans as JSON lines to a file (the default exporter: inspectable, no collector)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()

    def export(self, spans: Sequence[Any]) -> SpanExportResult:
        lines = "".join(s.to_json(indent=None) + "\n" for s in spans)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(lines)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def setup_tracing(settings: Any, set_global: bool = True):
    """Install a TracerProvider exporting to settings.tracing_exporter; returns it (or None for 'none').

    Call once from an entry point and `shutdown()` the result at exit to flush batched spans.
    """
    global _provider
    kind = settings.tracing_exporter
    if kind == "none":
        _provider = None
        return None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "deflectkit"}))
    if kind == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=sys.stderr)))
    elif kind == "file":
        provider.add_span_processor(SimpleSpanProcessor(JsonlSpanExporter(settings.data_dir / "traces.jsonl")))
    elif kind == "otlp":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        endpoint = settings.tracing_otlp_endpoint
        insecure = endpoint.startswith("http://")
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, insecure=insecure)))
    else:
        raise ValueError(f"tracing_exporter must be none, console, file or otlp, got {kind!r}")
    _provider = provider
    if set_global:
        trace.set_tracer_provider(provider)  # OpenTelemetry allows this once per process; later calls warn
    return provider


def _attr(v: Any) -> Any:
    if isinstance(v, str | bool | int | float):
        return v
    if isinstance(v, list | tuple) and all(isinstance(x, str | bool | int | float) for x in v):
        return list(v)
    return str(v)


@contextmanager
def span(name: str, **attrs: Any) -> Iterator[Any]:
    """A span around one stage; attributes are the request id plus `attrs` (text fields as lengths).

    Exceptions are recorded on the span and re-raised. Yields the span for attributes known only later.
    """
    tracer = (_provider.get_tracer("deflectkit") if _provider is not None else trace.get_tracer("deflectkit"))
    fields = {k: _attr(v) for k, v in safe_fields(attrs).items() if v is not None}
    if (rid := current_request_id()) is not None:
        fields.setdefault("request_id", rid)
    with tracer.start_as_current_span(name, attributes=fields) as s:
        yield s
