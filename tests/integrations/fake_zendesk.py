"""A small Zendesk on 127.0.0.1 for the tests: the REST routes deflectkit calls, with API-token auth as
Zendesk documents it, and the signed ticket-event webhooks Zendesk sends. It records every request it
receives, raw bytes included, so a test can check what reached the help desk.

    PUT /api/v2/tickets/{id}.json   {"ticket": {"comment": {"body", "public"}}}   (public defaults to true)
    PUT /api/v2/tickets/{id}/tags   {"tags": [...]}                               (adds)
    Authorization: Basic base64("{email}/token:{api_token}")  else 401
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

NOTE = re.compile(r"^/api/v2/tickets/(\d+)\.json$")
TAGS = re.compile(r"^/api/v2/tickets/(\d+)/tags$")


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class FakeTicket:
    subject: str
    description: str
    comments: list[dict] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


class FakeZendesk:
    def __init__(self, email: str = "agent@example.test", api_token: str = "tok-123",
                 webhook_secret: str = "whsec-fake-zendesk"):
        self.email, self.api_token, self.webhook_secret = email, api_token, webhook_secret
        self.tickets: dict[str, FakeTicket] = {}
        self.received: list[Received] = []
        self.fail_next = 0  # answer this many API requests with 503 (an outage), then recover
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, reply = outer._handle(self.path, dict(self.headers), body)
                with outer._lock:
                    outer.received.append(Received("PUT", self.path, dict(self.headers), body, status))
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- the REST side -------------------------------------------------------------------------
    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        expected = base64.b64encode(f"{self.email}/token:{self.api_token}".encode()).decode()
        if headers.get("Authorization") != f"Basic {expected}":
            return 401, {"error": "Couldn't authenticate you"}
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, {"error": "ServiceUnavailable"}
        if not headers.get("Content-Type", "").startswith("application/json"):
            return 400, {"error": "Content-Type must be application/json"}
        m_note, m_tags = NOTE.match(path), TAGS.match(path)
        ticket_id = (m_note or m_tags).group(1) if (m_note or m_tags) else None
        if ticket_id is None or ticket_id not in self.tickets:
            return 404, {"error": "RecordNotFound", "description": "Not found"}
        ticket, data = self.tickets[ticket_id], json.loads(body)
        with self._lock:
            if m_tags:
                ticket.tags += [t for t in data["tags"] if t not in ticket.tags]
                return 200, {"tags": ticket.tags}
            comment = data["ticket"].get("comment")
            if comment is not None:
                ticket.comments.append({"body": comment["body"], "public": comment.get("public", True)})
            return 200, {"ticket": {"id": int(ticket_id), "subject": ticket.subject, "tags": ticket.tags},
                         "audit": {"events": [{"type": "Comment"}] if comment else []}}

    def notes(self, ticket_id: str) -> list[dict]:
        """Comments deflectkit added to the ticket (the customer's description is not one of them)."""
        return list(self.tickets[ticket_id].comments)

    # --- the webhook side ----------------------------------------------------------------------
    def create_ticket(self, ticket_id: str, subject: str, description: str) -> dict:
        """Open a ticket; returns the `zen:event-type:ticket.created` event Zendesk would send for it."""
        self.tickets[ticket_id] = FakeTicket(subject, description)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"account_id": 1, "id": str(uuid.uuid4()), "subject": f"zen:ticket:{ticket_id}", "time": now,
                "type": "zen:event-type:ticket.created", "zendesk_event_version": "2022-11-06", "event": {},
                "detail": {"id": ticket_id, "subject": subject, "description": description, "status": "NEW",
                           "created_at": now, "updated_at": now, "requester_id": "42", "tags": []}}

    def send_webhook(self, url: str, event: dict, *, secret: str | None = None, at: datetime | None = None,
                     headers: dict[str, str] | None = None) -> httpx.Response:
        """POST the event as Zendesk does: JSON body, signed with the webhook's secret at `at` (default now)."""
        body = json.dumps(event).encode()
        timestamp = (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        # Zendesk's documented scheme, written out here rather than imported, so the test checks ours.
        mac = hmac.new((secret or self.webhook_secret).encode(), timestamp.encode() + body, hashlib.sha256)
        signed = {"X-Zendesk-Webhook-Signature": base64.b64encode(mac.digest()).decode(),
                  "X-Zendesk-Webhook-Signature-Timestamp": timestamp}
        return httpx.post(url, content=body, timeout=30,
                          headers={"Content-Type": "application/json", **signed, **(headers or {})})
