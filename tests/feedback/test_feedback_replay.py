"""Replay verdicts on hand-made Answers (every branch of the documented definitions), then end to end."""

from __future__ import annotations

import json

import pytest

from feedback.models import FeedbackFilter
from feedback.replay import classify, replay
from tests.feedback.conftest import make_answer

A, B = "articles/a.md", "articles/b.md"


def ans(docs=(A,), conf=0.6, decision="answer"):
    return make_answer("x", docs if decision == "answer" else (), confidence=conf, decision=decision)


IN_SCOPE = [
    # (old, new, thumbs_down, agent_escalated, expected)
    (ans((A,)), ans((B,)), True, False, "fixed"),  # different doc
    (ans((A,), 0.5), ans((A,), 0.6), True, False, "fixed"),  # same doc, +0.10 confidence
    (ans((A,), 0.5), ans((A,), 0.52), True, False, "still_wrong"),  # gain below min_gain
    (ans((A,)), ans(decision="escalate"), False, True, "still_wrong"),  # agent escalated, still no answer
    (ans(decision="escalate"), ans((A,)), False, False, "fixed"),  # pipeline escalated, now answers
    (ans((A, B)), ans((B,)), False, False, "unchanged"),  # keeps an accepted doc
    (ans((A,)), ans((B,)), False, False, "regressed"),  # loses every accepted doc
    (ans((A,)), ans(decision="escalate"), False, False, "regressed"),  # stops answering
]
OUT_OF_SCOPE = [
    (ans((A,)), ans(decision="escalate"), "fixed"),
    (ans(decision="escalate"), ans((A,)), "regressed"),
    (ans(decision="escalate"), ans(decision="escalate"), "unchanged"),
    (ans((A,)), ans((B,)), "still_wrong"),
]


@pytest.mark.unit
@pytest.mark.parametrize("old,new,down,escalated,expected", IN_SCOPE)
def test_in_scope_verdicts(old, new, down, escalated, expected):
    assert classify(old, new, thumbs_down=down, agent_escalated=escalated, out_of_scope=False) == expected


@pytest.mark.unit
@pytest.mark.parametrize("old,new,expected", OUT_OF_SCOPE)
def test_out_of_scope_verdicts(old, new, expected):
    assert classify(old, new, thumbs_down=False, agent_escalated=True, out_of_scope=True) == expected


@pytest.fixture
def history(store):
    store.record_interaction(make_answer("down", (A,), confidence=0.5, ticket="T-down"), "ana")
    store.record_feedback("down", "ana", "down", reason="wrong")
    store.record_interaction(make_answer("good", (A,), ticket="T-good"), "ana")
    store.record_sent("good", "ana")
    store.record_interaction(make_answer("oos", (A,), ticket="T-oos"), "ana")
    store.record_escalation("oos", "ana", "out_of_scope")
    store.record_interaction(make_answer("boom", (A,), ticket="T-boom"), "ana")
    store.record_feedback("boom", "ana", "down", reason="not_grounded")
    return store


NEW = {"T-down": make_answer("n1", (B,)), "T-good": make_answer("n2", (B,)),
       "T-oos": make_answer("n3", (), decision="escalate")}


def current_pipeline(ticket: str):
    if ticket == "T-boom":
        raise RuntimeError("LLM timed out")
    return NEW[ticket]


@pytest.mark.integration
def test_replay_side_by_side(history):
    report = replay(history, None, current_pipeline)
    assert report.counts == {"fixed": 2, "still_wrong": 0, "unchanged": 0, "regressed": 1, "unrated": 0,
                             "error": 1}
    by_id = {i.request_id: i for i in report.items}
    assert [i.request_id for i in report.items] == ["down", "good", "oos", "boom"]  # oldest first
    assert (by_id["down"].old.cited_doc_ids, by_id["down"].new.cited_doc_ids) == ([A], [B])
    assert by_id["good"].verdict == "regressed" and by_id["oos"].out_of_scope
    assert by_id["boom"].new is None and "LLM timed out" in by_id["boom"].error
    only_down = replay(history, FeedbackFilter(thumbs="down"), current_pipeline)
    assert [i.request_id for i in only_down.items] == ["down", "boom"]


@pytest.mark.integration
def test_a_ticket_nobody_rated_is_unrated_not_still_wrong(store):
    # The pipeline escalated, no agent voted, sent, edited or escalated it: nobody said it was wrong.
    store.record_interaction(make_answer("quiet", (A,), decision="escalate", ticket="T-quiet"), "ana")
    store.record_interaction(make_answer("quiet-answer", (A,), ticket="T-quiet-answer"), "ana")
    news = {"T-quiet": make_answer("n4", (), decision="escalate"), "T-quiet-answer": make_answer("n5", (B,))}
    report = replay(store, None, lambda t: news[t])
    assert [i.verdict for i in report.items] == ["unrated", "unrated"]
    assert report.counts["unrated"] == 2 and report.counts["still_wrong"] == 0
    assert report.items[0].new.decision == "escalate"  # the new answer is still shown beside the old one


@pytest.mark.integration
def test_redacted_items_are_skipped(history, clock):
    clock.advance(days=100)
    history.apply_retention(30, "redact", actor="t")
    report = replay(history, None, current_pipeline)
    assert report.total == 0 and report.skipped_redacted == 4


@pytest.mark.integration
def test_cli_replay_json(history, cli, monkeypatch):
    from deflectkit.cli import feedback_cmds

    monkeypatch.setenv("DEFLECT_FEEDBACK_DB", str(history.path))
    monkeypatch.setattr(feedback_cmds, "make_answer_fn", lambda cfg: current_pipeline)
    out = cli("replay", "--thumbs", "down", "--json")
    assert out.exit_code == 0, out.output
    got = json.loads(out.stdout)
    assert got["counts"]["fixed"] == 1 and got["counts"]["error"] == 1 and got["total"] == 2
    human = cli("replay", "--reason", "wrong")
    assert human.exit_code == 0 and "fixed=1" in human.stdout
