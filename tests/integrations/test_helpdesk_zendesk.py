"""The Zendesk adapter's pure parts: webhook signatures, event parsing, the REST calls, config errors,
and the note text every adapter shares."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest

from integrations.base import TAG_ANSWERED, TAG_ESCALATED, note_text
from integrations.errors import BadEvent, BadSignature, MissingSetting, StaleEvent
from integrations.models import Note
from integrations.zendesk.adapter import ZendeskAdapter, ZendeskConfig
from integrations.zendesk.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify
from tests.feedback.conftest import make_answer

pytestmark = pytest.mark.unit

SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="  # the example secret of Zendesk's verification page
BODY = b'{"say": "hello"}'
NOW = datetime(2021, 7, 25, 10, 0, 30, tzinfo=UTC)
TS = "2021-07-25T10:00:00Z"


def headers(signature: str, timestamp: str = TS) -> httpx.Headers:
    return httpx.Headers({SIGNATURE_HEADER: signature, TIMESTAMP_HEADER: timestamp})


def adapter(**overrides) -> ZendeskAdapter:
    cfg = {"base_url": "https://acme.zendesk.com", "email": "bot@acme.test", "api_token": "t0k",
           "webhook_secret": SECRET, **overrides}
    return ZendeskAdapter(ZendeskConfig(**cfg))


# --- signatures ------------------------------------------------------------------------------------
def test_signature_is_base64_hmac_sha256_of_timestamp_then_body():
    expected = base64.b64encode(hmac.new(SECRET.encode(), (TS + BODY.decode()).encode(), hashlib.sha256).digest())
    assert sign(SECRET, TS, BODY) == expected.decode()
    verify(SECRET, headers(expected.decode()), BODY, NOW, tolerance_s=300)  # no exception


@pytest.mark.parametrize("change", ["body", "secret", "timestamp", "missing"])
def test_a_signature_that_does_not_match_is_refused(change):
    good = sign(SECRET, TS, BODY)
    body, secret, hdrs = BODY, SECRET, headers(good)
    if change == "body":
        body = b'{"say": "hellO"}'
    elif change == "secret":
        secret = "another-secret"
    elif change == "timestamp":
        hdrs = headers(good, "2021-07-25T10:00:01Z")
    else:
        hdrs = httpx.Headers({TIMESTAMP_HEADER: TS})
    with pytest.raises(BadSignature) as e:
        verify(secret, hdrs, body, NOW, tolerance_s=300)
    assert not isinstance(e.value, StaleEvent)


@pytest.mark.parametrize("skew", [-301, 301, 86400])
def test_a_timestamp_outside_the_tolerance_is_refused_even_when_signed(skew):
    at = NOW + timedelta(seconds=skew)
    ts = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    with pytest.raises(StaleEvent, match="TOLERANCE_S"):
        verify(SECRET, headers(sign(SECRET, ts, BODY), ts), BODY, NOW, tolerance_s=300)
    verify(SECRET, headers(sign(SECRET, ts, BODY), ts), BODY, at, tolerance_s=300)  # fine when it is fresh


def test_header_names_are_case_insensitive_and_a_bad_timestamp_is_refused():
    lower = httpx.Headers({SIGNATURE_HEADER.lower(): sign(SECRET, TS, BODY), TIMESTAMP_HEADER.lower(): TS})
    verify(SECRET, lower, BODY, NOW, tolerance_s=300)
    with pytest.raises(BadSignature, match="ISO 8601"):
        verify(SECRET, headers(sign(SECRET, "yesterday", BODY), "yesterday"), BODY, NOW, tolerance_s=300)


def test_verify_without_a_secret_names_the_variable():
    with pytest.raises(MissingSetting, match="DEFLECT_ZENDESK_WEBHOOK_SECRET"):
        adapter(webhook_secret=None).verify(headers(sign(SECRET, TS, BODY)), BODY, NOW)


# --- events --------------------------------------------------------------------------------------
def created(**detail) -> dict:
    return {"id": "ev-1", "type": "zen:event-type:ticket.created", "time": "2025-01-08T10:12:07Z",
            "subject": "zen:ticket:5158", "event": {},
            "detail": {"id": "5158", "subject": "Refund", "description": "How do I refund?",
                       "updated_at": "2025-01-08T10:12:07Z", **detail}}


def test_ticket_created_event_becomes_a_helpdesk_event():
    ev = adapter().parse_event(created())
    assert (ev.helpdesk, ev.event_id, ev.kind, ev.ticket_id, ev.stamp, ev.subject, ev.body) == (
        "zendesk", "ev-1", "created", "5158", "2025-01-08T10:12:07Z", "Refund", "How do I refund?")
    assert adapter().parse_event(created(id=5158)).ticket_id == "5158"  # numbers as Zendesk may send them


def test_a_customer_comment_is_an_update_and_internal_or_agent_comments_are_ignored():
    def comment(**c):
        return {**created(), "type": "zen:event-type:ticket.comment_added",
                "event": {"comment": {"id": 1, "body": "Still no refund", "is_public": True,
                                      "author": {"id": 7, "is_staff": False}, **c}}}

    ev = adapter().parse_event(comment())
    assert (ev.kind, ev.body) == ("updated", "Still no refund")
    assert adapter().parse_event(comment(is_public=False)) is None  # an internal note, ours among them
    assert adapter().parse_event(comment(author={"id": 8, "is_staff": True})) is None  # an agent's reply


def test_other_event_types_are_ignored_and_a_trigger_body_without_id_keys_on_ticket_and_update():
    assert adapter().parse_event({**created(), "type": "zen:event-type:ticket.status_changed"}) is None
    trigger = {"type": "ticket.updated", "detail": {"id": "77", "subject": "Hi", "description": "Help",
                                                     "updated_at": "2025-02-01T09:00:00Z"}}
    ev = adapter().parse_event(trigger)
    assert (ev.kind, ev.event_id, ev.stamp) == ("updated", "77@2025-02-01T09:00:00Z", "2025-02-01T09:00:00Z")


@pytest.mark.parametrize("payload", [{"type": "zen:event-type:ticket.created"}, created(id="5158/../../users"),
                                     {"detail": {"id": "1"}}])
def test_a_body_that_is_not_a_ticket_event_is_refused(payload):
    with pytest.raises(BadEvent, match="Not a Zendesk ticket event"):
        adapter().parse_event(payload)


# --- posting -------------------------------------------------------------------------------------
def test_tags_are_added_first_and_the_note_is_internal_and_last():
    calls = adapter().requests("5158", Note(text="draft", tags=[TAG_ANSWERED]))
    assert calls[0] == ("PUT", "/api/v2/tickets/5158/tags", {"tags": [TAG_ANSWERED]})
    assert calls[-1] == ("PUT", "/api/v2/tickets/5158.json",
                         {"ticket": {"comment": {"body": "draft", "public": False}}})


def test_api_token_auth_is_email_slash_token():
    request = httpx.Request("PUT", "https://acme.zendesk.com/api/v2/tickets/1.json")
    request = next(adapter().auth().auth_flow(request))
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"bot@acme.test/token:t0k").decode()


def settings(**kw) -> SimpleNamespace:
    base = {"zendesk_base_url": None, "zendesk_subdomain": "acme", "zendesk_email": "bot@acme.test",
            "zendesk_api_token": "t0k", "zendesk_webhook_secret": None, "helpdesk_retries": 1,
            "helpdesk_backoff_s": 0.1, "helpdesk_timeout_s": 3.0, "helpdesk_signature_tolerance_s": 60.0}
    return SimpleNamespace(**{**base, **kw})


def test_config_from_settings_and_missing_settings_name_their_variable():
    cfg = ZendeskConfig.from_settings(settings())
    assert (cfg.base_url, cfg.retries, cfg.signature_tolerance_s) == ("https://acme.zendesk.com", 1, 60.0)
    local = ZendeskConfig.from_settings(settings(zendesk_base_url="http://127.0.0.1:9"))
    assert local.base_url == "http://127.0.0.1:9"  # the base URL wins over the subdomain
    for missing, variable in (("zendesk_subdomain", "DEFLECT_ZENDESK_SUBDOMAIN"),
                              ("zendesk_email", "DEFLECT_ZENDESK_EMAIL"),
                              ("zendesk_api_token", "DEFLECT_ZENDESK_API_TOKEN")):
        with pytest.raises(MissingSetting, match=variable):
            ZendeskConfig.from_settings(settings(**{missing: None}))


# --- the note ------------------------------------------------------------------------------------
def test_note_for_an_answer_has_the_draft_sources_with_passages_and_the_confidence():
    answer = make_answer("rid-1", ("billing/refunds.md", "billing/partial.md"), confidence=0.83)
    answer.citations[0].url = "https://help.example.test/refunds"
    answer.citations[1].quote = "x" * 400
    text = note_text(answer)
    assert text.startswith("deflectkit suggested reply (confidence 0.83, high). Internal note")
    assert "Step 1 [1]. Step 2 [2]." in text
    assert ("[1] billing/refunds.md (https://help.example.test/refunds)\n"
            "    “passage from billing/refunds.md”") in text
    assert "[2] billing/partial.md (billing/partial.md)\n    “" + "x" * 280 + "…”" in text
    assert text.rstrip().endswith("deflectkit request rid-1")
    assert adapter().note(answer).tags == [TAG_ANSWERED]


def test_note_for_an_escalation_gives_the_reason_and_related_articles_but_no_draft():
    answer = make_answer("rid-2", decision="escalate", confidence=0.2).model_copy(
        update={"reasons": ["no article covers “the printer”"]})
    text = note_text(answer)
    assert "deflectkit suggests a person handles this ticket (confidence 0.20, low)" in text
    assert "Escalate because: no article covers “the printer”." in text
    assert "Related articles:\n[1] articles/refund-a-payment.md" in text and "Sources:" not in text
    assert adapter().note(answer).tags == [TAG_ESCALATED]
