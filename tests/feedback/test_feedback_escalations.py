"""The escalation queue: one escalation per request, claim and resolve audited and idempotent."""

from __future__ import annotations

import sqlite3

import pytest

from feedback.errors import EscalationError
from feedback.migrations import MIGRATIONS
from tests.feedback.conftest import make_answer

pytestmark = pytest.mark.integration


def escalated(store, rid: str = "r1"):
    store.record_interaction(make_answer(rid), "ana")
    return store.record_escalation(rid, "ana", "account_specific", note="needs billing access")


def test_a_double_click_records_one_escalation(store):
    first = escalated(store)
    again = store.record_escalation("r1", "ana", "bug_report", note="second click")
    assert again.id == first.id and again.reason == "account_specific"
    assert len(store.list_escalations("r1")) == 1
    assert len(store.audit.entries(action="escalation")) == 1
    assert first.status == "open" and first.note == "needs billing access"


def test_claim_and_resolve_store_the_reply_as_a_labeled_example(store):
    e = escalated(store)
    assert [x.id for x in store.escalations.list("open")] == [e.id]
    claimed = store.escalations.claim(e.id, "lee")
    assert (claimed.status, claimed.claimed_by) == ("claimed", "lee")
    assert store.escalations.claim(e.id, "lee") == claimed  # a double click changes nothing
    with pytest.raises(EscalationError, match="already claimed by lee"):
        store.escalations.claim(e.id, "kim")
    with pytest.raises(EscalationError, match="claimed by lee"):
        store.escalations.resolve(e.id, "kim", "Done.", in_scope=False)
    with pytest.raises(EscalationError, match="Write the reply"):
        store.escalations.resolve(e.id, "lee", "  ", in_scope=False)
    done = store.escalations.resolve(e.id, "lee", "We refunded it manually.", in_scope=False)
    assert (done.status, done.resolved_by, done.resolution, done.resolution_in_scope) == (
        "resolved", "lee", "We refunded it manually.", False)
    assert store.escalations.resolve(e.id, "lee", "other text", in_scope=True).resolution == done.resolution
    assert store.escalations.counts() == {"open": 0, "claimed": 0, "resolved": 1}
    audited = [(a.action, a.actor) for a in reversed(store.audit.entries()) if a.action.startswith("escalation_")]
    assert audited == [("escalation_claim", "lee"), ("escalation_resolve", "lee")]


def test_resolving_an_open_escalation_claims_it(store):
    e = escalated(store)
    done = store.escalations.resolve(e.id, "kim", "Answered by phone.", in_scope=True)
    assert (done.claimed_by, done.resolved_by, done.resolution_in_scope) == ("kim", "kim", True)
    with pytest.raises(EscalationError, match="No escalation 99"):
        store.escalations.claim(99, "kim")
    with pytest.raises(EscalationError, match="Unknown queue status"):
        store.escalations.list("closed")


def test_migration_keeps_the_first_of_earlier_double_clicks(db_path):
    from deflectkit.core.db import Connections
    from deflectkit.core.migrations import run_migrations
    from feedback.store import FeedbackStore

    conns = Connections(db_path)
    before = MIGRATIONS[:3]  # the schema as it was, where a double click stored two rows
    run_migrations(conns.db, before, write=conns.write)
    conns.db.conn.executescript("""
        INSERT INTO interactions (request_id, user, created_at, decision, provider, prompt_version)
            VALUES ('r1', 'ana', '2025-01-01', 'escalate', 'extractive', 'p1');
        INSERT INTO escalations (request_id, user, created_at, reason, note, ticket, draft, webhook_status,
                                 webhook_error, webhook_attempts) VALUES
            ('r1', 'ana', '2025-01-01', 'bug_report', '', 't', 'd', 'disabled', '', 0),
            ('r1', 'ana', '2025-01-01', 'bug_report', '', 't', 'd', 'disabled', '', 0);""")
    conns.close()
    store = FeedbackStore(db_path)
    try:
        assert [(x.id, x.status) for x in store.list_escalations("r1")] == [(1, "open"), (2, "duplicate")]
        assert [x.id for x in store.escalations.list()] == [1]
    finally:
        store.close()
    with pytest.raises(sqlite3.IntegrityError):
        sqlite3.connect(db_path).execute("UPDATE escalations SET status = 'open' WHERE id = 2")
