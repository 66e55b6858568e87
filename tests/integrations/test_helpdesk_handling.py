"""A Zendesk ticket event through the real Services to the fake Zendesk on loopback: exactly one internal
note with citations, retries on a 5xx, the outbox and `deflect helpdesk replay`, and no PII from the ticket
in anything stored or posted."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from integrations.handling import handle_event

pytestmark = pytest.mark.server

REFUND = ("Refund question", "Hi, how do I refund a payment to a customer?\n\nThanks, Jane")


def test_an_event_ends_as_exactly_one_internal_note_with_citations(desk, fake_zendesk):
    d = desk()
    event = d.adapter.parse_event(fake_zendesk.create_ticket("101", *REFUND))
    outcome = handle_event(d.services, d.adapter, d.store, event)

    assert (outcome.status, outcome.decision, outcome.ticket_id) == ("posted", "answer", "101")
    [note] = fake_zendesk.notes("101")
    assert note["public"] is False
    assert "Refund a payment (billing/refunds.md)" in note["body"]  # the cited article ...
    assert "“Open Payments, pick the payment and choose Refund." in note["body"]  # ... and its passage
    assert "confidence 0." in note["body"] and f"deflectkit request {outcome.request_id}" in note["body"]
    assert fake_zendesk.tickets["101"].tags == ["deflect_answered"]
    # The mapping ticket <-> request id, and the interaction where actions and metrics find it.
    [row] = d.store.list(ticket_id="101")
    assert (row.request_id, row.status, row.helpdesk) == (outcome.request_id, "posted", "zendesk")
    interaction = d.services.feedback.get_interaction(outcome.request_id)
    assert (interaction.user, interaction.decision) == ("helpdesk:zendesk", "answer")


def test_a_redelivered_event_or_a_second_event_about_the_same_update_posts_nothing(desk, fake_zendesk):
    d = desk()
    payload = fake_zendesk.create_ticket("102", *REFUND)
    first = handle_event(d.services, d.adapter, d.store, d.adapter.parse_event(payload))
    again = handle_event(d.services, d.adapter, d.store, d.adapter.parse_event(payload))
    same_update = {**payload, "id": "another-event-id", "type": "zen:event-type:ticket.comment_added",
                   "event": {"comment": {"body": REFUND[1], "is_public": True, "author": {"is_staff": False}}}}
    third = handle_event(d.services, d.adapter, d.store, d.adapter.parse_event(same_update))

    assert (first.status, again.status, third.status) == ("posted", "duplicate", "duplicate")
    assert again.request_id == third.request_id == first.request_id
    assert len(fake_zendesk.notes("102")) == 1
    assert len(d.services.feedback.list_interactions()) == 1


def test_a_ticket_below_the_threshold_is_tagged_escalated_with_the_reason_and_related_articles(desk, fake_zendesk):
    d = desk(answer_threshold=0.99)
    event = d.adapter.parse_event(fake_zendesk.create_ticket("103", *REFUND))
    outcome = handle_event(d.services, d.adapter, d.store, event)
    assert (outcome.status, outcome.decision) == ("posted", "escalate")
    [note] = fake_zendesk.notes("103")
    assert note["public"] is False and "suggests a person handles this ticket" in note["body"]
    assert "Escalate because: " in note["body"] and "below the answer threshold 0.99" in note["body"]
    assert "Related articles:\n[1] Refund a payment" in note["body"]
    assert fake_zendesk.tickets["103"].tags == ["deflect_escalated"]


def test_a_5xx_from_the_help_desk_is_retried(desk, fake_zendesk):
    d = desk()
    event = d.adapter.parse_event(fake_zendesk.create_ticket("104", *REFUND))
    fake_zendesk.fail_next = 2  # helpdesk_retries=2: the tags call succeeds on its third attempt
    outcome = handle_event(d.services, d.adapter, d.store, event)
    assert (outcome.status, outcome.attempts) == ("posted", 4)  # 3 for the tags, 1 for the note
    assert [r.status for r in fake_zendesk.received] == [503, 503, 200, 200]
    assert len(fake_zendesk.notes("104")) == 1


@pytest.fixture
def cli(monkeypatch, tmp_path, zendesk_settings):
    """`deflect` as installed, with the same data dir and Zendesk settings as the test's Services."""
    from deflectkit.cli import app

    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DEFLECT_DATA_DIR", str(tmp_path / "data"))
    for key, value in zendesk_settings.items():
        monkeypatch.setenv(f"DEFLECT_{key.upper()}", str(value))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_an_outage_queues_the_note_and_replay_posts_it_once(desk, fake_zendesk, cli):
    d = desk()
    event = d.adapter.parse_event(fake_zendesk.create_ticket("105", *REFUND))
    fake_zendesk.fail_next = 1000
    outcome = handle_event(d.services, d.adapter, d.store, event)
    assert (outcome.status, outcome.attempts) == ("queued", 3)
    assert "HTTP 503" in outcome.error and fake_zendesk.notes("105") == []

    listed = cli("helpdesk", "outbox", "--json")
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert (row["ticket_id"], row["status"], row["request_id"], row["attempts"]) == (
        "105", "queued", outcome.request_id, 3)

    still_down = cli("helpdesk", "replay", "--json")
    assert still_down.exit_code == 1 and json.loads(still_down.stdout)["queued"] == 1
    fake_zendesk.fail_next = 0
    replayed = cli("helpdesk", "replay", "--json")
    assert replayed.exit_code == 0, replayed.output
    assert json.loads(replayed.output) == {"attempted": 1, "posted": 1, "queued": 0, "errors": []}
    assert json.loads(cli("helpdesk", "replay", "--json").output)["attempted"] == 0
    [note] = fake_zendesk.notes("105")
    assert note["public"] is False and outcome.request_id in note["body"]
    assert json.loads(cli("helpdesk", "outbox", "--json").output) == []
    assert json.loads(cli("helpdesk", "outbox", "--all", "--json").output)[0]["status"] == "posted"


PII = {"email": "jane.doe@example.com", "phone": "+1 415 555 0123", "card": "4111 1111 1111 1111",
       "iban": "DE89 3704 0044 0532 0130 00"}


def test_pii_in_the_ticket_never_reaches_the_help_desk_or_the_sqlite_files(desk, fake_zendesk, tmp_path, caplog):
    d = desk()
    body = (f"How do I refund a payment? The customer paid with card {PII['card']} and wants the money on "
            f"IBAN {PII['iban']}. Write to me at {PII['email']} or call {PII['phone']}.")
    event = d.adapter.parse_event(fake_zendesk.create_ticket("106", f"Refund for {PII['email']}", body))
    fake_zendesk.fail_next = 1  # one failed attempt: the note also passes through a retry
    with caplog.at_level("DEBUG"):
        outcome = handle_event(d.services, d.adapter, d.store, event)
    assert outcome.status == "posted" and len(fake_zendesk.notes("106")) == 1

    sent = b"".join(r.body for r in fake_zendesk.received) + json.dumps(fake_zendesk.notes("106")).encode()
    stored = b"".join(p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file())
    assert d.services.feedback.get_interaction(outcome.request_id).ticket.count("[EMAIL]") == 2  # it was stored
    for kind, value in PII.items():
        for form in {value, value.replace(" ", "")}:
            assert form.encode() not in sent, f"{kind} reached the help desk"
            assert form.encode() not in stored, f"{kind} landed in a file under the data dir"
            assert form not in caplog.text, f"{kind} was logged"
