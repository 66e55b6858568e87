"""`feedback export` writes JSONL the eval harness loads like demo/questions.jsonl, labeled from agent actions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel

from feedback.export import export_dataset
from feedback.models import FeedbackFilter
from tests.feedback.conftest import make_answer

pytestmark = pytest.mark.integration
A, B = "articles/a.md", "hc-4101"
DEMO_QUESTIONS = Path(__file__).resolve().parents[2] / "demo" / "questions.jsonl"


class Question(BaseModel):
    """The fields the eval harness reads from demo/questions.jsonl."""

    id: str
    question: str
    relevant_doc_ids: list[str]
    answer: str
    category: Literal["in_scope", "out_of_scope"]


def load(path: Path) -> list[Question]:
    return [Question.model_validate_json(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def labeled(store, clock):
    def add(rid, docs=(A, B), **kw):
        store.record_interaction(make_answer(rid, docs, ticket=f"question {rid}", **kw), "ana")

    add("up")
    store.record_feedback("up", "ana", "up")
    add("asis")
    store.record_sent("asis", "ana")
    add("edited")
    store.record_edit("edited", "ana", "Only this part holds [2].")
    add("edited_down")
    store.record_feedback("edited_down", "ana", "down", reason="wrong")
    store.record_edit("edited_down", "ana", "Rewritten from scratch.")
    add("down")
    store.record_feedback("down", "ana", "down", reason="outdated_source")
    clock.advance(days=2)
    add("oos", index_version=2)
    store.record_escalation("oos", "ana", "out_of_scope")
    return store


def test_labels_follow_agent_actions(labeled, tmp_path):
    report = export_dataset(labeled, None, tmp_path / "set.jsonl", actor="cli:t")
    assert report.written == 6
    rows = {r["request_id"]: r for r in map(json.loads, (tmp_path / "set.jsonl").read_text().splitlines())}
    assert {k: r["relevant_doc_ids"] for k, r in rows.items()} == {
        "up": [A, B], "asis": [A, B], "edited": [B], "edited_down": [], "down": [], "oos": []}
    assert rows["edited"]["answer"] == "Only this part holds."  # markers stripped
    assert rows["asis"]["answer"] == "Step 1. Step 2." and rows["down"]["answer"] == ""
    assert rows["oos"]["category"] == "out_of_scope" and rows["up"]["category"] == "in_scope"
    assert rows["down"]["feedback_reason"] == "outdated_source" and rows["up"]["question"] == "question up"
    assert rows["up"]["id"] == "fb-up"
    assert labeled.audit.entries(action="export")[0].details["written"] == 6


def test_export_loads_like_the_demo_questions(labeled, tmp_path):
    export_dataset(labeled, None, tmp_path / "set.jsonl", actor="cli:t")
    exported = load(tmp_path / "set.jsonl")
    assert len(exported) == 6
    if DEMO_QUESTIONS.exists():  # same loader, same required fields
        demo_keys = set(json.loads(DEMO_QUESTIONS.read_text().splitlines()[0]))
        assert load(DEMO_QUESTIONS) and demo_keys <= set(json.loads((tmp_path / "set.jsonl").read_text().splitlines()[0]))


def test_filters_apply(labeled, tmp_path):
    export_dataset(labeled, FeedbackFilter(thumbs="down"), tmp_path / "down.jsonl", actor="cli:t")
    assert [q.id for q in load(tmp_path / "down.jsonl")] == ["fb-edited_down", "fb-down"]


def test_cli_export_with_filters(labeled, cli, monkeypatch, tmp_path):
    monkeypatch.setenv("DEFLECT_FEEDBACK_DB", str(labeled.path))
    out = cli("feedback", "export", "--index-version", "2", "-o", str(tmp_path / "v2.jsonl"), "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["written"] == 1 and [q.id for q in load(tmp_path / "v2.jsonl")] == ["fb-oos"]
    out = cli("feedback", "export", "--edited", "--since", "2025-03-03", "--until", "2025-03-03",
              "-o", str(tmp_path / "e.jsonl"))
    assert out.exit_code == 0 and [q.id for q in load(tmp_path / "e.jsonl")] == ["fb-edited", "fb-edited_down"]
    assert cli("feedback", "export", "--reason", "bogus", "-o", str(tmp_path / "x.jsonl")).exit_code != 0
    assert cli("feedback", "export", "--thumbs", "sideways", "-o", str(tmp_path / "x.jsonl")).exit_code != 0


def test_labels_from_what_was_learned(store, tmp_path):
    """Each way an agent teaches the assistant becomes its label: approved -> the cited docs are relevant;
    any escalation or "not in the docs" -> out of scope; an edit (even unsent) -> the reference answer."""
    def add(rid, **kw):
        store.record_interaction(make_answer(rid, (A, B), ticket=f"question {rid}", **kw), "ana")

    add("thumbs_up")
    store.record_feedback("thumbs_up", "ana", "up")
    add("as_is")
    store.record_sent("as_is", "ana")
    add("escalated")
    store.record_escalation("escalated", "ana", "account_specific", note="needs the billing team")
    add("not_in_docs")
    store.record_feedback("not_in_docs", "ana", "down", reason="not_in_docs")
    add("edit_unsent")
    store.record_edit("edit_unsent", "ana", "Use Refund on the payment [1]. Call +44 7700 900123 if stuck.", sent=False)
    export_dataset(store, None, tmp_path / "set.jsonl", actor="t")
    rows = {r["request_id"]: r for r in map(json.loads, (tmp_path / "set.jsonl").read_text().splitlines())}
    labels = {k: (r["category"], r["relevant_doc_ids"]) for k, r in rows.items()}
    assert labels == {"thumbs_up": ("in_scope", [A, B]), "as_is": ("in_scope", [A, B]),
                      "escalated": ("out_of_scope", []), "not_in_docs": ("out_of_scope", []),
                      "edit_unsent": ("in_scope", [A])}
    assert rows["escalated"]["answer"] == rows["not_in_docs"]["answer"] == ""
    assert rows["edit_unsent"]["answer"] == "Use Refund on the payment. Call [PHONE] if stuck."
    assert store.get_interaction("not_in_docs").out_of_scope  # replay and dashboards see it too


def test_export_redacts_rows_stored_before_redaction(store, tmp_path):
    store.record_interaction(make_answer("old", ticket="Refund card 4111 1111 1111 1111, mail jane.doe@example.com"),
                             "ana")
    store.record_feedback("old", "ana", "up")
    export_dataset(store, None, tmp_path / "set.jsonl", actor="t")
    text = (tmp_path / "set.jsonl").read_text()
    assert "4111" not in text and "jane.doe" not in text and "[CARD]" in text and "[EMAIL]" in text
