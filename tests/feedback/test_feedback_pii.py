"""What agents type reaches the feedback database redacted: comments, edited replies, escalation
notes and drafts, and the webhook payload queued in the outbox."""

from __future__ import annotations

import json

import pytest

from feedback.store import FeedbackStore
from feedback.webhook import WebhookConfig
from tests.feedback.conftest import make_answer
from tests.feedback.test_feedback_webhook import FlakyServer

pytestmark = pytest.mark.integration

CARD, CVC, PHONE, EMAIL, IBAN = "4111 1111 1111 1111", "cvv 739", "+44 7700 900123", "sam.carter@example.com", \
    "gb82west12345698765432"
RAW = (CARD, "4111111111111111", CVC, PHONE, "7700 900123", EMAIL, IBAN)


def stored_bytes(store: FeedbackStore) -> bytes:
    """The database file and its WAL, as they are on disk."""
    return b"".join(p.read_bytes() for p in store.path.parent.glob(store.path.name + "*"))


@pytest.fixture
def server():
    s = FlakyServer(fail=1000)  # never delivers: the payload stays queued in the outbox
    yield s
    s.close()


def test_free_text_is_redacted_on_the_way_in(db_path, clock, server):
    store = FeedbackStore(db_path, clock=clock, webhook=WebhookConfig(url=server.url, retries=0, timeout_s=2))
    store.record_interaction(make_answer("r1"), "ana")
    fb = store.record_feedback("r1", "ana", "down", reason="wrong", comment=f"Customer's card {CARD} {CVC}")
    edit = store.record_edit("r1", "ana", f"Hi, we will call you on {PHONE} today.")
    esc = store.record_escalation("r1", "ana", "account_specific", note=f"Mail {EMAIL}, IBAN {IBAN}",
                                  draft=f"Refund to {IBAN} [1]")
    assert "[CARD]" in fb.comment and "[CVC]" in fb.comment
    assert "[PHONE]" in edit.final_text and "[PHONE]" in edit.diff
    assert "[EMAIL]" in esc.note and "[IBAN]" in esc.note and esc.draft == "Refund to [IBAN] [1]"
    sent = store.list_sent("r1")[0]
    assert "[PHONE]" in sent.text and store.get_interaction("r1").final_text == sent.text
    payload = json.loads(store._conns.query("SELECT payload FROM outbox")[0]["payload"])
    assert "[EMAIL]" in payload["note"] and "[IBAN]" in payload["draft"]
    assert server.calls and all(EMAIL not in json.dumps(body) for _, body in server.calls)
    store.close()
    on_disk = stored_bytes(store)
    assert [v for v in RAW if v.encode() in on_disk] == []


def test_blank_text_needs_no_redactor(db_path, clock):
    class Refuse:
        def redact(self, text):
            raise AssertionError("the redactor ran on blank text")

    store = FeedbackStore(db_path, clock=clock, redactor=Refuse())
    store.record_interaction(make_answer("r1"), "ana")
    store.record_feedback("r1", "ana", "up", comment="  ")
    store.record_escalation("r1", "ana", "other")
    assert store.list_escalations()[0].note == ""
