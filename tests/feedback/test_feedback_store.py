"""The repository API: every record_* method round-trips and the derived outcome follows what agents did."""

from __future__ import annotations

import pytest

from feedback.errors import FeedbackError, UnknownInteraction
from tests.feedback.conftest import make_answer

pytestmark = pytest.mark.integration


def test_record_interaction_keeps_answer_and_versions(store):
    a = make_answer("r1", ("a.md", "b.md", "a.md"), latency=2.0, cost=0.03)
    it = store.record_interaction(a, "ana")
    assert it.answer == a
    assert (it.index_version, it.provider, it.prompt_version, it.calibration_version) == (1, "extractive", "p1", "c1")
    assert it.cited_doc_ids == ["a.md", "b.md"]
    assert it.latency_s == pytest.approx(2.0) and it.cost == pytest.approx(0.03)
    assert it.outcome == "unused" and it.thumbs is None
    # recording the same request twice keeps the first
    store.record_interaction(make_answer("r1", confidence=0.1), "bob")
    assert store.get_interaction("r1").user == "ana" and store.count_interactions() == 1


def test_feedback_edit_send_and_outcomes(store):
    for rid in ("asis", "edit", "esc", "none"):
        store.record_interaction(make_answer(rid), "ana")
    store.record_sent("asis", "ana")
    edit = store.record_edit("edit", "ana", "Step 1 [1]. And click Confirm.")
    store.record_escalation("esc", "ana", "account_specific", note="needs billing access")
    store.record_feedback("edit", "ana", "down", reason="incomplete", comment="missed the confirm step")
    store.record_feedback("edit", "bob", "up")  # latest vote wins
    assert "-Step 1 [1].\n+Step 1 [1]. And click Confirm.\n" in edit.diff
    got = {it.request_id: it for it in store.list_interactions()}
    assert {k: v.outcome for k, v in got.items()} == {"asis": "used_as_is", "edit": "edited", "esc": "escalated",
                                                       "none": "unused"}
    assert got["asis"].final_text == "Step 1 [1]." and got["edit"].final_text.endswith("Confirm.")
    assert got["edit"].thumbs == "up" and got["edit"].reason is None
    assert [f.reason for f in store.list_feedback("edit")] == ["incomplete", None]
    assert [s.edited for s in store.list_sent()] == [False, True]


def test_escalation_carries_ticket_and_latest_draft(store):
    store.record_interaction(make_answer("r1", ticket="My card was charged twice"), "ana")
    store.record_edit("r1", "ana", "Edited reply", sent=False)
    esc = store.record_escalation("r1", "ana", "bug_report")
    assert (esc.ticket, esc.draft, esc.webhook_status) == ("My card was charged twice", "Edited reply", "disabled")
    assert store.audit.entries(action="escalation")[0].target == "r1"


def test_unknown_request_and_bad_codes_are_refused(store):
    with pytest.raises(UnknownInteraction, match="record_interaction"):
        store.record_feedback("nope", "ana", "up")
    store.record_interaction(make_answer("r1"), "ana")
    with pytest.raises(FeedbackError, match="wrong, incomplete"):
        store.record_feedback("r1", "ana", "down", reason="meh")
    with pytest.raises(FeedbackError, match="out_of_scope"):
        store.record_escalation("r1", "ana", "because")
    assert store.list_feedback() == [] and store.list_escalations() == []


def test_store_works_from_many_threads(store):
    from concurrent.futures import ThreadPoolExecutor

    store.record_interaction(make_answer("r1"), "ana")
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: store.get_interaction("r1").request_id, range(8)))
    assert got == ["r1"] * 8


def test_connections_of_finished_threads_are_released(store):
    import gc
    import threading

    for _ in range(20):  # like Streamlit, which runs each script rerun in a fresh thread
        t = threading.Thread(target=store.flags.get_all)
        t.start()
        t.join()
    gc.collect()
    assert store._conns.open_connections <= 2
