"""Typed outcomes on the Answer: fallbacks and guard findings are records, and answers stored before they
were typed still load."""

from assistant.generation import Fallback
from assistant.models import Answer, GuardFinding

BASE = {"request_id": "r1", "ticket": "t", "draft": "", "confidence": 0.5, "confidence_label": "medium",
        "decision": "escalate", "provider": "extractive", "prompt_version": "p"}


def test_answers_stored_with_text_fallbacks_and_guardrail_dicts_load_as_records():
    legacy = Answer.model_validate_json(Answer.model_construct(**BASE).model_dump_json()[:-1] + (
        ', "fallbacks": ["openai: failed (ConnectError: refused)"], "guardrails": {"pii": ["EMAIL: 1 redacted"], '
        '"sources": ["articles/a.md: override: ignore previous"]}}'))
    assert legacy.fallbacks == [Fallback(provider="openai", kind="failed", detail="failed (ConnectError: refused)")]
    assert legacy.findings("pii") == [GuardFinding(stage="pii", detail="EMAIL: 1 redacted")]
    assert legacy.findings("sources") == [GuardFinding(stage="sources", detail="override: ignore previous",
                                                       doc_id="articles/a.md")]


def test_records_round_trip_as_readable_json():
    a = Answer(**BASE, fallbacks=[Fallback(provider="openai", kind="circuit_open")],
               guardrails=[GuardFinding(stage="grounding", detail="1 sentence(s) not supported by their citations")])
    again = Answer.model_validate_json(a.model_dump_json())
    assert again == a
    assert '"kind":"circuit_open"' in a.model_dump_json() and '"stage":"grounding"' in a.model_dump_json()
    assert str(a.fallbacks[0]) == "openai: skipped, circuit open after repeated failures"
    assert [f.failover for f in (Fallback(provider="x", kind="trimmed"), a.fallbacks[0])] == [False, True]
