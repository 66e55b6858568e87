"""The help-desk store on a real SQLite file: idempotency keys, the outbox, and replays that never take the
same note twice."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest

from feedback.webhook import DeliveryResult
from integrations.models import HelpDeskEvent, Note
from integrations.store import HelpDeskStore

pytestmark = pytest.mark.unit


def event(event_id: str = "ev-1", ticket_id: str = "10", stamp: str = "2025-01-01T00:00:00Z") -> HelpDeskEvent:
    return HelpDeskEvent(helpdesk="zendesk", event_id=event_id, kind="created", ticket_id=ticket_id, stamp=stamp,
                         subject="s", body="b")


@pytest.fixture
def store(tmp_path):
    s = HelpDeskStore(tmp_path / "helpdesk.db")
    yield s
    s.close()


def test_an_event_is_claimed_once_by_event_id_and_once_by_ticket_update(store):
    first = store.claim(event())
    assert first is not None
    assert store.claim(event()) is None  # redelivered
    assert store.claim(event(event_id="ev-2")) is None  # another event about the same ticket update
    assert store.claim(event(event_id="ev-3", stamp="2025-01-02T00:00:00Z")) is not None  # a later update
    assert store.claim(event(event_id="ev-1", ticket_id="11", stamp="x")) is None  # event ids are unique too
    assert store.seen(event(event_id="ev-2")).id == first


def test_a_released_claim_can_be_claimed_again_but_a_drafted_one_cannot_be_released(store):
    row = store.claim(event())
    store.release(row)
    again = store.claim(event())
    assert again is not None
    store.drafted(again, "rid-1", "answer", Note(text="t", tags=["deflect_answered"]))
    store.release(again)
    assert store.get(again).status == "posting"


def test_posted_keeps_the_mapping_and_drops_the_note_text(store, tmp_path):
    row = store.claim(event())
    store.drafted(row, "rid-1", "answer", Note(text="the draft", tags=["deflect_answered"]))
    rec = store.delivered(row, DeliveryResult(True, 2, 200, ""))
    assert (rec.status, rec.attempts, rec.request_id, rec.ticket_id, rec.posted_at is not None) == (
        "posted", 2, "rid-1", "10", True)
    assert store.list(request_id="rid-1")[0].ticket_id == "10" and store.list(ticket_id="10")[0].request_id == "rid-1"
    with sqlite3.connect(tmp_path / "helpdesk.db") as db:
        assert db.execute("SELECT note FROM notes WHERE id = ?", [row]).fetchone() == ("",)


def test_failed_delivery_is_queued_and_concurrent_replays_take_each_note_once(store):
    for i in range(20):
        row = store.claim(event(event_id=f"ev-{i}", ticket_id=str(i)))
        store.drafted(row, f"rid-{i}", "answer", Note(text=f"note {i}", tags=[]))
        assert store.delivered(row, DeliveryResult(False, 3, 503, "HTTP 503")).status == "queued"
    assert [r.last_error for r in store.list("queued")] == ["HTTP 503"] * 20
    taken: list[list] = [[], []]

    def replay(k):
        while batch := store.take_queued(["zendesk"], limit=3):
            taken[k] += [(rec.id, note.text) for rec, note in batch]

    threads = [threading.Thread(target=replay, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [i for i, _ in taken[0] + taken[1]]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 20
    assert {text for _, text in taken[0] + taken[1]} == {f"note {i}" for i in range(20)}
    assert store.list("queued") == [] and len(store.list("posting")) == 20
    assert store.take_queued(["freshdesk"]) == []


def test_a_note_a_crashed_process_left_half_done_is_taken_up_again(tmp_path):
    now = [datetime(2026, 1, 1, 12, 0, tzinfo=UTC)]
    store = HelpDeskStore(tmp_path / "h.db", clock=lambda: now[0], stale_after_s=600)
    drafting = store.claim(event())  # the process dies while drafting: no release, no note
    posting = store.claim(event(event_id="ev-2", ticket_id="11"))
    store.drafted(posting, "rid-2", "answer", Note(text="the draft", tags=[]))  # ... or dies while posting
    now[0] += timedelta(seconds=300)
    assert store.claim(event()) is None  # still fresh: another worker may be drafting it
    assert store.take_queued(["zendesk"]) == []
    now[0] += timedelta(seconds=301)
    assert store.claim(event(event_id="ev-1b")) == drafting  # the help desk's redelivery takes it over
    assert store.claim(event()) is None  # ... once
    [(rec, note)] = store.take_queued(["zendesk"])
    assert (rec.id, note.text) == (posting, "the draft")
    assert store.take_queued(["zendesk"]) == []  # taken again just now: not stale
    store.close()


def test_reopening_the_file_applies_the_migration_once(tmp_path):
    HelpDeskStore(tmp_path / "h.db").close()
    HelpDeskStore(tmp_path / "h.db").close()
    with sqlite3.connect(tmp_path / "h.db") as db:
        assert db.execute("SELECT name FROM _migrations").fetchall() == [("m001_create_notes",)]
