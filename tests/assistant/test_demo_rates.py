"""The whole demo help center: answer and escalation rates the product promises (slow: full ingest)."""

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration]

QUESTIONS = [json.loads(x) for x in (Path(__file__).parents[2] / "demo" / "questions.jsonl").read_text().splitlines()
             if x.strip()]


@pytest.fixture(scope="module")
def demo_answers(demo_assistant):
    return [(q, demo_assistant.answer(q["question"])) for q in QUESTIONS]


def test_out_of_scope_questions_escalate(demo_answers):
    oos = [(q, a) for q, a in demo_answers if q["category"] == "out_of_scope"]
    escalated = [a.decision == "escalate" for _, a in oos]
    # Measured 10 of 10 with the packaged calibration (9 below the threshold, 1 by the unknown-terms
    # scope rule); >= 9 leaves room for one borderline case (self-hosting retrieves on-topic-looking text).
    assert sum(escalated) >= 9, [(q["question"], a.confidence) for q, a in oos if a.decision == "answer"]
    assert all(a.reasons for _, a in oos)


def test_in_scope_questions_mostly_answer_with_relevant_citations(demo_answers):
    ins = [(q, a) for q, a in demo_answers if q["category"] == "in_scope"]
    answered = [(q, a) for q, a in ins if a.decision == "answer"]
    # Measured 30/52 at the 0.875 threshold (set by TechQA's out-of-fold out-of-scope target; 41/52 at the
    # old 0.75): the demo's overlapping articles (two on password resets, an outdated rate-limit page)
    # leave no clear winner among articles, and the confidence model reads that as risk.
    assert len(answered) / len(ins) >= 0.5, len(answered)
    relevant = [a.citations[0].doc_id in q["relevant_doc_ids"] for q, a in answered]
    assert sum(relevant) / len(relevant) >= 0.9, sum(relevant)  # measured 29/30
