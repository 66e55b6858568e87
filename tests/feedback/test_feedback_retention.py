"""Retention redacts or deletes ticket, draft and edit text past the cutoff, reports rows per table,
keeps undelivered escalations, and never touches the audit chain."""

from __future__ import annotations

import json
import sqlite3

import pytest

from feedback.models import REDACTED
from feedback.webhook import WebhookConfig
from tests.feedback.conftest import make_answer

pytestmark = pytest.mark.integration


@pytest.fixture
def aged(store, clock):
    """old1 (edited, sent, commented, shadowed) and old2 (escalated) are 40 days old; new1 is fresh."""
    store.record_interaction(make_answer("old1", ticket="alice@example.com wants a refund"), "ana")
    store.shadows.record(make_answer("old1"), "candidate",
                                 make_answer("shadow-old1", ticket="alice@example.com wants a refund"), 1.0)
    store.record_edit("old1", "ana", "Dear Alice, refunded.")
    store.record_feedback("old1", "ana", "down", reason="tone", comment="customer is Alice Smith")
    store.record_interaction(make_answer("old2", decision="escalate"), "ana")
    e = store.record_escalation("old2", "ana", "account_specific")
    store.escalations.resolve(e.id, "lee", "Called Alice Smith back.", in_scope=False)
    clock.advance(days=40)
    store.record_interaction(make_answer("new1"), "bob")
    store.record_sent("new1", "bob")
    return store


def test_redact_blanks_text_and_keeps_metrics(aged, db_path):
    report = aged.apply_retention(30, "redact", actor="cli:test")
    assert report.rows == {"outbox": 0, "feedback": 1, "edits": 1, "sent": 1, "escalations": 1, "shadow_answers": 1,
                           "interactions": 2}
    old = aged.get_interaction("old1")
    assert old.redacted and old.ticket == REDACTED and old.draft == REDACTED and old.final_text == REDACTED
    assert old.answer.ticket == REDACTED and old.answer.citations  # sources are help-center text, kept
    assert "Alice" not in sqlite3.connect(db_path).execute(
        "SELECT group_concat(answer_json) || group_concat(ticket) FROM interactions").fetchone()[0]
    shadow = json.loads(aged.shadows.rows("candidate")[0]["answer_json"])
    assert shadow["ticket"] == REDACTED and shadow["citations"]  # the shadow's answer too
    assert aged.list_edits()[0].diff == REDACTED and aged.list_feedback()[0].comment == REDACTED
    assert aged.list_escalations()[0].resolution == REDACTED  # the resolver's reply is ticket text too
    assert aged.get_interaction("new1").ticket.startswith("ticket new1")
    (total,) = aged.dashboard(by="all")
    assert total.volume == 3 and total.edited == 1  # metrics survive redaction
    again = aged.apply_retention(30, "redact", actor="cli:test")
    assert sum(again.rows.values()) == 0  # already redacted rows are not counted twice
    audit = aged.audit.entries(action="retention")
    assert audit[-1].details["rows"]["interactions"] == 2 and aged.audit.verify().ok


def test_delete_drops_old_rows(aged):
    dry = aged.apply_retention(30, "delete", actor="cli:test", dry_run=True)
    assert dry.rows["interactions"] == 2 and aged.count_interactions() == 3
    report = aged.apply_retention(30, "delete", actor="cli:test")
    assert report.rows == dry.rows == {"outbox": 0, "feedback": 1, "edits": 1, "sent": 1, "escalations": 1,
                                       "shadow_answers": 1, "interactions": 2}
    assert aged.shadows.rows("candidate") == []
    assert [i.request_id for i in aged.list_interactions()] == ["new1"]
    assert aged.list_edits() == [] and len(aged.list_sent()) == 1


def test_zero_days_keeps_everything(aged):
    report = aged.apply_retention(0, "delete", actor="cli:test")
    assert report.cutoff is None and report.rows == {} and aged.count_interactions() == 3


def test_undelivered_escalations_survive_retention(db_path, clock, fast_hasher):
    from feedback.store import FeedbackStore

    dead = WebhookConfig(url="http://127.0.0.1:9/hook", retries=0, timeout_s=0.5, backoff_s=0)
    store = FeedbackStore(db_path, clock=clock, hasher=fast_hasher, webhook=dead)
    store.record_interaction(make_answer("old"), "ana")
    assert store.record_escalation("old", "ana", "bug_report").webhook_status == "queued"
    clock.advance(days=40)
    report = store.apply_retention(30, "delete", actor="cli:test")
    assert report.outbox_pending_kept == 1 and report.rows["escalations"] == 0
    assert len(store.list_outbox("pending")) == 1 and store.list_escalations()[0].ticket.startswith("ticket old")


def test_cli_retention_apply_json(cli, cli_env, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from feedback.store import FeedbackStore

    FeedbackStore(cli_env, clock=lambda: datetime.now(UTC) - timedelta(days=100)).record_interaction(
        make_answer("ancient"), "ana")
    monkeypatch.setenv("DEFLECT_RETENTION_DAYS", "30")
    monkeypatch.setenv("DEFLECT_RETENTION_MODE", "delete")
    out = cli("retention", "apply", "--json")
    assert out.exit_code == 0, out.output
    got = json.loads(out.stdout)
    assert got["mode"] == "delete" and got["days"] == 30 and got["rows"]["interactions"] == 1
    human = cli("retention", "apply", "--mode", "redact")
    assert human.exit_code == 0 and "interactions" in human.stdout
