"""Every route through a real uvicorn on loopback: auth, scopes, the error shape, idempotency, SSE order."""

from __future__ import annotations

import json
import time

import httpx
import pytest

pytestmark = [pytest.mark.server, pytest.mark.integration]

TICKET = {"subject": "Refund", "body": "Hi, how do I refund a payment to my customer? Thanks, Sam"}


def assert_error(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "request_id"}
    assert body["error"]["code"] == code
    assert body["error"]["request_id"] == r.headers["X-Request-ID"]
    assert "Traceback" not in r.text and 'File "' not in r.text
    return body["error"]


def test_healthz_is_open_and_carries_a_request_id(api_server):
    r = httpx.get(f"{api_server.url}/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert len(r.headers["X-Request-ID"]) >= 8


@pytest.mark.parametrize("method,path", [
    ("POST", "/v1/drafts"), ("POST", "/v1/drafts/x/use"), ("POST", "/v1/drafts/x/edit"),
    ("POST", "/v1/drafts/x/escalate"), ("POST", "/v1/drafts/x/feedback"), ("GET", "/v1/drafts/x"),
    ("GET", "/v1/search?q=refund"), ("POST", "/v1/ingest"), ("GET", "/v1/jobs/x"), ("GET", "/v1/index/versions"),
    ("POST", "/v1/index/activate"), ("POST", "/v1/index/rollback"), ("GET", "/v1/flags"), ("PUT", "/v1/flags"),
    ("GET", "/readyz"), ("GET", "/metrics"), ("POST", "/v1/deflect"), ("POST", "/v1/deflect/x/resolved"),
])
def test_no_route_but_healthz_is_open_without_a_key(api_server, method, path):
    r = httpx.request(method, api_server.url + path, json={})
    assert_error(r, 401, "unauthorized")
    r = httpx.request(method, api_server.url + path, json={}, headers={"Authorization": "Bearer dk_000000000000_nope-nope-nope-nope-nope"})
    assert_error(r, 401, "unauthorized")


def test_wrong_scope_is_403(api_server):
    with api_server.client("draft") as c:
        assert_error(c.get("/v1/index/versions"), 403, "forbidden")
        assert_error(c.post("/v1/drafts/x/use"), 403, "forbidden")
    with api_server.client("feedback") as c:
        assert_error(c.post("/v1/drafts", json=TICKET), 403, "forbidden")
    with api_server.client("selfservice") as c:
        assert_error(c.get("/v1/search", params={"q": "refund"}), 403, "forbidden")


def test_revoked_key_is_401(api_server):
    new = api_server.services.feedback.keys.add("temp", "draft", actor="test")
    assert httpx.get(f"{api_server.url}/v1/search", params={"q": "refund"},
                     headers={"Authorization": f"Bearer {new.key}"}).status_code == 200
    api_server.services.feedback.keys.revoke("temp", actor="test")
    r = httpx.get(f"{api_server.url}/v1/search", params={"q": "refund"}, headers={"X-API-Key": new.key})
    assert_error(r, 401, "key_revoked")


def test_draft_returns_a_cited_answer_under_the_response_request_id(api_server):
    with api_server.client("draft") as c:
        r = c.post("/v1/drafts", json=TICKET)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["request_id"] == r.headers["X-Request-ID"]
    assert answer["decision"] in ("answer", "escalate") and 0 <= answer["confidence"] <= 1
    assert answer["citations"] and answer["citations"][0]["doc_id"] == "billing/refunds.md"
    assert answer["citations"][0]["quote"]
    stored = api_server.services.feedback.get_interaction(answer["request_id"])
    assert stored is not None and stored.user == "key:draft"
    # the key's use is audited
    assert any(e.action == "api_key_use" and e.actor == "draft" for e in api_server.services.feedback.audit.entries())


def test_actions_on_a_draft_and_unknown_ids(api_server):
    with api_server.client("all") as c:
        rid = c.post("/v1/drafts", json=TICKET).json()["request_id"]
        assert c.post(f"/v1/drafts/{rid}/use").status_code == 200
        r = c.post(f"/v1/drafts/{rid}/edit", json={"final_text": "Open Payments and choose Refund."})
        assert r.status_code == 200 and "+Open Payments" in r.json()["diff"]
        r = c.post(f"/v1/drafts/{rid}/feedback", json={"thumbs": "down"})
        assert_error(r, 422, "reason_required")
        assert c.post(f"/v1/drafts/{rid}/feedback", json={"thumbs": "down", "reason": "incomplete"}).status_code == 200
        r = c.post(f"/v1/drafts/{rid}/escalate", json={"reason": "bug_report", "note": "customer insists"})
        assert r.status_code == 200 and r.json()["reason"] == "bug_report"
        assert c.get(f"/v1/drafts/{rid}").json()["request_id"] == rid
        assert_error(c.post("/v1/drafts/nope/use"), 404, "not_found")
        assert_error(c.get("/v1/drafts/nope"), 404, "not_found")
        assert_error(c.post(f"/v1/drafts/{rid}/feedback", json={"thumbs": "sideways"}), 422, "invalid_request")
    fb = api_server.services.feedback
    assert [f.reason for f in fb.list_feedback(rid)] == ["incomplete"]
    assert len(fb.list_sent(rid)) == 2 and len(fb.list_escalations(rid)) == 1


def test_idempotency_key_replays_the_first_answer(api_server):
    headers = {"Idempotency-Key": "ticket-4711"}
    with api_server.client("draft") as c:
        first = c.post("/v1/drafts", json=TICKET, headers=headers)
        again = c.post("/v1/drafts", json=TICKET, headers=headers)
        other = c.post("/v1/drafts", json={**TICKET, "body": "Something else"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json()["request_id"] == first.json()["request_id"] == again.headers["X-Request-ID"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert_error(other, 422, "idempotency_conflict")
    rows = api_server.services.feedback.list_interactions()
    assert sum(r.request_id == first.json()["request_id"] for r in rows) == 1


def sse_events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [ln for ln in block.split("\n") if ln and not ln.startswith(":")]
        name = next((ln[6:].strip() for ln in lines if ln.startswith("event:")), "message")
        data = "\n".join(ln[5:].lstrip() for ln in lines if ln.startswith("data:"))
        if data:
            events.append((name, json.loads(data)))
    return events


def test_stream_sends_stages_then_the_draft_then_the_answer(api_server):
    with api_server.client("draft") as c:
        r = c.post("/v1/drafts", params={"stream": "true"}, json=TICKET)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    names = [n for n, _ in events]
    assert names[0] == "stage" and names[-1] == "answer"
    first_draft = names.index("draft") if "draft" in names else len(names) - 1
    assert set(names[:first_draft]) == {"stage"} and set(names[first_draft:-1]) <= {"draft"}
    stages = [d["stage"] for n, d in events if n == "stage"]
    assert "retrieve" in stages or len(stages) >= 2
    answer = events[-1][1]
    assert answer["request_id"] == r.headers["X-Request-ID"]
    assert "".join(d["text"] for n, d in events if n == "draft") == answer["draft"]


def test_search(api_server):
    with api_server.client("draft") as c:
        hits = c.get("/v1/search", params={"q": "two-factor authentication", "k": 2}).json()
        assert hits and hits[0]["doc_id"] == "account/two-factor.md" and len(hits) <= 2
        assert_error(c.get("/v1/search", params={"q": "x", "k": 0}), 422, "invalid_request")


def test_admin_ingest_job_versions_activate_rollback_flags(api_server, tmp_path):
    from tests.conftest import write_kb

    kb = write_kb(api_server.services.settings.data_dir.parent / "kb_more",
                  {"shipping/returns.md": "# Return an item\n\nReturns are accepted within 30 days."})
    with api_server.client("admin") as c:
        before = c.get("/v1/index/versions").json()["active"]
        job = c.post("/v1/ingest", json={"path": str(kb)})
        assert job.status_code == 202, job.text
        job_id = job.json()["id"]
        deadline = time.monotonic() + 120
        while (state := c.get(f"/v1/jobs/{job_id}").json())["status"] in ("queued", "running"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert state["status"] == "succeeded", state
        assert state["report"]["index_version"] > before
        versions = c.get("/v1/index/versions").json()
        assert versions["active"] == state["report"]["index_version"]
        assert c.post("/v1/index/rollback").json()["active"] == before
        assert c.post("/v1/index/activate", json={"version": versions["active"]}).json()["active"] == versions["active"]
        assert_error(c.post("/v1/index/activate", json={"version": 999}), 404, "not_found")
        assert_error(c.post("/v1/ingest", json={"path": "/etc"}), 403, "folder_not_allowed")
        assert_error(c.get("/v1/jobs/nope"), 404, "not_found")
        flags = c.put("/v1/flags", json={"generation_enabled": False}).json()
        assert flags["generation_enabled"] is False and c.get("/v1/flags").json()["generation_enabled"] is False
        c.put("/v1/flags", json={"generation_enabled": True})
    actions = [e.action for e in api_server.services.feedback.audit.entries()]
    assert {"ingest", "index_rollback", "index_activate"} <= set(actions)


def test_upload_ingest(api_server):
    files = [("files", ("faq.md", b"# Opening hours\n\nSupport answers from 9 to 17 on weekdays.", "text/markdown"))]
    with api_server.client("admin") as c:
        job = c.post("/v1/ingest", files=files).json()
        deadline = time.monotonic() + 120
        while (state := c.get(f"/v1/jobs/{job['id']}").json())["status"] in ("queued", "running"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert state["status"] == "succeeded", state


def test_body_limit_and_unknown_routes(api_server):
    with api_server.client("draft") as c:
        assert_error(c.post("/v1/drafts", json={"body": "x" * 70_000}), 413, "too_large")
        assert_error(c.get("/v1/nothing-here"), 404, "not_found")
        assert_error(c.post("/v1/drafts", content=b"{not json", headers={"content-type": "application/json"}),
                     422, "invalid_request")


def test_cors_is_closed_by_default(api_server):
    r = httpx.options(f"{api_server.url}/v1/drafts", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in {k.lower() for k in r.headers}


def test_readyz_and_metrics(api_server):
    with api_server.client("all") as c:
        c.post("/v1/drafts", json=TICKET)
        ready = c.get("/readyz")
        assert ready.status_code == 200 and all(ready.json()["checks"].values())
        text = c.get("/metrics").text
    for name in ("deflect_http_requests_total", "deflect_http_request_seconds_bucket", "deflect_draft_decisions_total",
                 "deflect_draft_confidence_bucket", "deflect_llm_tokens_total", "deflect_ingest_seconds_bucket"):
        assert name in text, name
    assert 'route="/v1/drafts"' in text


def test_selfservice_answers_or_hands_off_and_records_resolution(api_server):
    with api_server.client("selfservice") as c:
        r = c.post("/v1/deflect", json={"body": "How do I refund a payment?"})
        assert r.status_code == 200, r.text
        reply = r.json()
        assert set(reply) == {"request_id", "answered", "reply", "sources", "message"}
        assert "reasons" not in r.text and "confidence" not in r.text
        off = c.post("/v1/deflect", json={"body": "Can you ship my order to the moon by Tuesday?"}).json()
        assert off["answered"] is False and off["message"] and not off["sources"]
        done = c.post(f"/v1/deflect/{reply['request_id']}/resolved", json={"resolved": True})
        assert done.status_code == 200 and done.json()["resolved"] is True
    fb = api_server.services.feedback
    assert fb.list_escalations(off["request_id"])  # the hand-off became an escalation
    rows = fb.selfservice.deflection()
    assert sum(r.asked for r in rows) >= 2 and sum(r.resolved for r in rows) >= 1
