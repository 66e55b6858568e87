"""Escalation webhook: retries against a real HTTP server on 127.0.0.1 that fails the first N times;
failures are returned and queued in the outbox, and deliver_pending() sends them later."""

from __future__ import annotations

import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from feedback.store import FeedbackStore
from feedback.webhook import WebhookConfig, post_json
from tests.feedback.conftest import make_answer


class FlakyServer:
    """Answers 503 to the first `fail` POSTs, then 200; records every body and Idempotency-Key."""

    def __init__(self, fail: int):
        self.fail = fail
        self.calls: list[tuple[str, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.calls.append((self.headers["Idempotency-Key"], body))
                ok = len(outer.calls) > outer.fail
                self.send_response(200 if ok else 503)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    servers: list[FlakyServer] = []

    def start(fail: int) -> FlakyServer:
        servers.append(FlakyServer(fail))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def config(url: str, retries: int) -> WebhookConfig:
    return WebhookConfig(url=url, retries=retries, timeout_s=2, backoff_s=0.01)


@pytest.mark.server
def test_retries_until_the_server_recovers(server, db_path, clock):
    srv = server(fail=2)
    store = FeedbackStore(db_path, clock=clock, webhook=config(srv.url, retries=3))
    store.record_interaction(make_answer("r1", ticket="charged twice"), "ana")
    esc = store.record_escalation("r1", "ana", "bug_report", note="urgent")
    assert (esc.webhook_status, esc.webhook_attempts, esc.webhook_error) == ("delivered", 3, "")
    assert len(srv.calls) == 3
    key, body = srv.calls[-1]
    assert key == f"escalation-{esc.id}"
    assert body | {"created_at": None} == {"event": "escalation", "escalation_id": esc.id, "request_id": "r1",
                                           "user": "ana", "created_at": None, "reason": "bug_report",
                                           "note": "urgent", "ticket": "charged twice", "draft": "Step 1 [1]."}
    assert store.list_outbox("delivered")[0].attempts == 3 and store.list_outbox("pending") == []


@pytest.mark.server
def test_failure_is_queued_then_delivered_by_deliver_pending(server, db_path, clock):
    srv = server(fail=3)
    store = FeedbackStore(db_path, clock=clock, webhook=config(srv.url, retries=1))
    store.record_interaction(make_answer("r1"), "ana")
    esc = store.record_escalation("r1", "ana", "policy_exception")
    assert (esc.webhook_status, esc.webhook_attempts, esc.webhook_error) == ("queued", 2, "HTTP 503")
    assert [o.escalation_id for o in store.list_outbox("pending")] == [esc.id]
    first = store.deliver_pending()  # attempts 3 (503) and 4 (200)
    assert (first.attempted, first.delivered, first.pending) == (1, 1, 0)
    assert store.list_escalations()[0].webhook_status == "delivered"
    assert store.deliver_pending().attempted == 0  # nothing left: delivered once, not twice
    assert [k for k, _ in srv.calls] == [f"escalation-{esc.id}"] * 4


@pytest.mark.server
def test_client_error_is_not_retried(server):
    srv = server(fail=0)
    srv.httpd.RequestHandlerClass.do_POST = lambda self: (self.send_response(400), self.end_headers())
    result = post_json(config(srv.url, retries=3), {"x": 1}, idempotency_key="k")
    assert (result.ok, result.attempts, result.status_code) == (False, 1, 400)


@pytest.mark.integration
def test_unreachable_webhook_never_loses_the_escalation(db_path, clock):
    # Port 9 (discard) on loopback refuses connections: a network failure, with no server needed.
    store = FeedbackStore(db_path, clock=clock, webhook=config("http://127.0.0.1:9/hook", retries=1))
    store.record_interaction(make_answer("r1"), "ana")
    esc = store.record_escalation("r1", "ana", "out_of_scope")
    assert esc.webhook_status == "queued" and "ConnectError" in esc.webhook_error
    report = store.deliver_pending()
    assert (report.attempted, report.delivered, report.pending) == (1, 0, 1) and report.errors
    reopened = FeedbackStore(db_path)
    (item,) = reopened.list_outbox("pending")
    assert item.attempts == 4
    payload = sqlite3.connect(db_path).execute("SELECT payload FROM outbox").fetchone()[0]
    assert json.loads(payload)["request_id"] == "r1"
