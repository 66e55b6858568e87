"""Request ids, JSON logs without raw text, and spans exported to <data_dir>/traces.jsonl."""

from __future__ import annotations

import io
import json
import logging

import pytest

from deflectkit.core import observability as obs

pytestmark = pytest.mark.unit

TICKET = "My card 4111 1111 1111 1111 was charged twice"


def test_request_context_binds_and_restores():
    assert obs.current_request_id() is None
    with obs.request_context("abc") as rid:
        assert rid == "abc" == obs.current_request_id()
        with obs.request_context() as inner:
            assert len(inner) == 16 and obs.current_request_id() == inner
        assert obs.current_request_id() == "abc"
    assert obs.current_request_id() is None


def test_json_log_has_fields_and_no_raw_text():
    logger = logging.getLogger("test.obs.json")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(obs.JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with obs.request_context("req-7"):
            obs.log_event(logger, "llm.call", provider="local", tokens_in=12, ticket=TICKET, name="clash")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["msg"] == "llm.call" and line["event"] == "llm.call" and line["request_id"] == "req-7"
    assert line["provider"] == "local" and line["tokens_in"] == 12 and line["field_name"] == "clash"
    assert line["ticket"] == f"<{len(TICKET)} chars>"
    assert "4111" not in stream.getvalue()


def test_span_is_a_no_op_before_setup():
    with obs.span("stage", k=1) as s:
        assert not s.is_recording()


def test_file_exporter_writes_spans_with_request_id(psettings):
    s = psettings(tracing_exporter="file")
    provider = obs.setup_tracing(s, set_global=False)
    try:
        with obs.request_context("req-9"), obs.span("assistant.answer", ticket=TICKET, hits=5), obs.span("retrieve"):
            pass
    finally:
        provider.shutdown()
        obs.setup_tracing(psettings(tracing_exporter="none"), set_global=False)
    spans = [json.loads(line) for line in s.traces_path.read_text().splitlines()]
    by_name = {sp["name"]: sp for sp in spans}
    assert set(by_name) == {"assistant.answer", "retrieve"}
    assert by_name["retrieve"]["parent_id"] == by_name["assistant.answer"]["context"]["span_id"]
    assert by_name["assistant.answer"]["attributes"] == {
        "ticket": f"<{len(TICKET)} chars>", "hits": 5, "request_id": "req-9"}
    assert "4111" not in s.traces_path.read_text()


def test_span_records_errors(psettings):
    s = psettings(tracing_exporter="file")
    provider = obs.setup_tracing(s, set_global=False)
    try:
        with pytest.raises(RuntimeError), obs.span("boom"):
            raise RuntimeError("x")
    finally:
        provider.shutdown()
        obs.setup_tracing(psettings(tracing_exporter="none"), set_global=False)
    (span,) = [json.loads(line) for line in s.traces_path.read_text().splitlines()]
    assert span["status"]["status_code"] == "ERROR" and span["events"][0]["name"] == "exception"


def test_none_exporter_sets_nothing_up(psettings):
    assert obs.setup_tracing(psettings(tracing_exporter="none"), set_global=False) is None


def test_otlp_exporter_builds_without_connecting(psettings):
    provider = obs.setup_tracing(psettings(tracing_exporter="otlp"), set_global=False)
    try:
        assert provider is not None
    finally:
        obs.setup_tracing(psettings(tracing_exporter="none"), set_global=False)
        provider.shutdown()
