"""The Zendesk webhook route under a real uvicorn on loopback, fed by the fake Zendesk's signed deliveries:
one note per ticket update, 401 for a bad or stale signature with nothing posted, 200 'duplicate' for a
redelivery."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.server


class Server:
    """The real API app (which mounts the router) served by uvicorn on loopback."""

    def __init__(self, services):
        from api.app import create_app
        from tests.api.conftest import serve

        self.app = create_app(services)
        base, self.server, self.thread = serve(self.app)
        self.url = f"{base}/v1/integrations/zendesk/webhook"

    def close(self):
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def served(desk):
    servers = []

    def start(ingest: bool = True, **overrides):
        d = desk(ingest, **overrides)
        servers.append(Server(d.services))
        d.url = servers[-1].url
        return d

    yield start
    for s in servers:
        s.close()


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_signed_webhook_ends_as_one_internal_note_and_a_redelivery_as_none(served, fake_zendesk):
    d = served()
    event = fake_zendesk.create_ticket("201", "Refund question", "How do I refund a payment to a customer?")
    r = fake_zendesk.send_webhook(d.url, event)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "accepted" and r.json()["ticket_id"] == "201"
    wait_for(lambda: d.store.list(ticket_id="201") and d.store.list(ticket_id="201")[0].status == "posted")

    again = fake_zendesk.send_webhook(d.url, event)  # Zendesk redelivers the same event
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert again.json()["request_id"] == d.store.list(ticket_id="201")[0].request_id
    [note] = fake_zendesk.notes("201")
    assert note["public"] is False and "Refund a payment (billing/refunds.md)" in note["body"]


def test_duplicates_racing_each_other_still_make_one_note(served, fake_zendesk):
    d = served()
    event = fake_zendesk.create_ticket("202", "Refund question", "How do I refund a payment to a customer?")
    replies = [None] * 4

    def send(i):
        replies[i] = fake_zendesk.send_webhook(d.url, event)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status_code in (200, 202) for r in replies), [r.text for r in replies]
    wait_for(lambda: d.store.list(ticket_id="202") and d.store.list(ticket_id="202")[0].status == "posted")
    time.sleep(0.5)  # any straggler drafting in the background would post by now
    assert len(fake_zendesk.notes("202")) == 1 and len(d.store.list()) == 1


@pytest.mark.parametrize("how", ["wrong secret", "forged", "stale", "unsigned"])
def test_a_bad_or_stale_signature_is_401_and_nothing_is_posted(served, fake_zendesk, how):
    d = served(ingest=False)
    event = fake_zendesk.create_ticket("203", "Refund question", "How do I refund a payment to a customer?")
    if how == "wrong secret":
        r = fake_zendesk.send_webhook(d.url, event, secret="not-the-secret")
    elif how == "forged":  # a signature made up by the sender
        r = fake_zendesk.send_webhook(d.url, event, headers={"X-Zendesk-Webhook-Signature": "AAAA"})
    elif how == "stale":  # a captured delivery replayed ten minutes later
        r = fake_zendesk.send_webhook(d.url, event, at=datetime.now(UTC) - timedelta(minutes=10))
    else:
        import httpx

        r = httpx.post(d.url, json=event, timeout=10)
    assert r.status_code == 401, r.text
    assert "signature" in r.text.lower() or "signed" in r.text.lower()
    time.sleep(0.3)
    assert fake_zendesk.received == [] and d.store.list() == []


def test_events_we_do_not_draft_for_are_ignored_and_a_non_event_is_422(served, fake_zendesk):
    d = served(ingest=False)
    event = fake_zendesk.create_ticket("204", "Refund question", "How do I refund a payment to a customer?")
    ignored = fake_zendesk.send_webhook(d.url, {**event, "type": "zen:event-type:ticket.priority_changed"})
    assert ignored.status_code == 200 and ignored.json()["status"] == "ignored"
    bad = fake_zendesk.send_webhook(d.url, {"hello": "world"})
    assert bad.status_code == 422 and "Not a Zendesk ticket event" in bad.text
    assert fake_zendesk.received == [] and d.store.list() == []


def test_a_missing_secret_is_404_naming_the_variable(served, fake_zendesk):
    d = served(ingest=False, zendesk_webhook_secret=None)
    r = fake_zendesk.send_webhook(d.url, fake_zendesk.create_ticket("205", "Hi", "How do I refund?"))
    assert r.status_code == 404 and "DEFLECT_ZENDESK_WEBHOOK_SECRET" in r.text
