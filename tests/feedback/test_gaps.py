"""Content gaps: which interactions count, and a seeded set of escalations clustered into its topics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from assistant.decision import not_covered
from feedback.gaps import build_gap_report, choose_clusters, edit_share, failed_asks, gap_signals, topic_terms
from feedback.models import Interaction
from tests.conftest import TINY_KB, write_kb
from tests.feedback.conftest import make_answer

T = datetime(2025, 3, 3, 9, tzinfo=UTC)

EXPORT = [
    "Hi, how can I export all my invoices to Excel? I need a spreadsheet for my accountant. "
    "Reach me at maria.lopez@example.com. Thanks, Maria",
    "Is there a way to download the list of transactions as a CSV file?",
    "I want to export my customer list to a spreadsheet. Where is the export button?",
    "Can I get a CSV export of last year's invoices for my tax advisor?",
]
BANK = [
    "My bank account stopped syncing since Monday, new bank transactions are not imported.",
    "How do I connect my business bank account so bank payments are matched automatically?",
    "The bank feed shows an error when I connect to my bank; the bank sync fails every time.",
    "Transactions from my bank are not importing into the bank feed anymore.",
]
MOBILE = [
    "The iPhone app crashes every time I open it after the update.",
    "Is there an Android app? I want to send invoices from my phone.",
    "The mobile app on my phone logs me out all the time.",
    "Does the phone app work offline on my tablet and phone?",
]


def interaction(rid: str, ticket: str, *, at: datetime = T, **kw) -> Interaction:
    answer = make_answer(rid, ticket=ticket, decision=kw.pop("decision", "answer"),
                         confidence=kw.pop("confidence", 0.8))
    answer.reasons = kw.pop("reasons", [])
    base = {"request_id": rid, "user": "ana", "created_at": at, "decision": answer.decision,
            "confidence": answer.confidence, "confidence_label": answer.confidence_label, "provider": "extractive",
            "prompt_version": "p1", "ticket": ticket, "draft": answer.draft, "answer": answer}
    return Interaction(**(base | kw))


@pytest.mark.unit
def test_each_signal_and_what_does_not_count():
    q = "“how can I export all my invoices to Excel?”"
    cases = {
        "pipeline": interaction("a", "x", decision="escalate", confidence=0.2, reasons=[not_covered([q], 1)]),
        "agent_oos": interaction("b", "x", escalated=True, out_of_scope=True),
        "feedback_oos": interaction("c", "x", out_of_scope=True, thumbs="down"),
        "outdated": interaction("d", "x", thumbs="down", reason="outdated_source"),
        "edited": interaction("e", "x", edited=True, sent=True, final_text="A completely different reply."),
        "light_edit": interaction("f", "x", edited=True, sent=True, final_text="Step 1."),
        "bug": interaction("g", "x", escalated=True),  # escalated, but not for content
        "wrong": interaction("h", "x", thumbs="down", reason="wrong"),
    }
    got = {k: gap_signals(v, 0.5) for k, v in cases.items()}
    assert got == {"pipeline": ["not_covered", "low_confidence"], "agent_oos": ["not_covered"],
                   "feedback_oos": ["not_in_docs"], "outdated": ["outdated_source"], "edited": ["heavily_edited"],
                   "light_edit": [], "bug": [], "wrong": []}
    two = not_covered(["“how do I export?”", "“is there a dark mode?”"], 3)
    assert failed_asks(interaction("i", "x", reasons=[two])) == ["“how do I export?”", "“is there a dark mode?”"]
    assert failed_asks(interaction("j", "Hello,\n\nCan I pay by bank transfer?\n\nBest, Jo")) == [
        "“Can I pay by bank transfer?”"]


@pytest.mark.unit
def test_edit_share_ignores_citation_markers():
    assert edit_share("Open Payments [1].", "Open Payments.") == 0.0
    assert edit_share("abcd", "abxy") == pytest.approx(0.5)
    assert edit_share("abc", "") == 1.0


@pytest.mark.unit
def test_clusters_are_seeded_and_k_is_chosen_by_silhouette():
    rng = np.random.default_rng(0)
    centres = np.eye(4)[:3]
    pts = np.vstack([c + 0.05 * rng.standard_normal((5, 4)) for c in centres])
    labels = choose_clusters(pts)
    assert len(set(labels.tolist())) == 3
    assert [len(set(labels[i:i + 5].tolist())) for i in (0, 5, 10)] == [1, 1, 1]
    assert (choose_clusters(pts) == labels).all()
    assert len(set(choose_clusters(pts, k=2).tolist())) == 2 and set(choose_clusters(pts[:2]).tolist()) == {0}


@pytest.mark.unit
def test_topic_terms_prefer_what_sets_a_cluster_apart():
    terms = topic_terms([["export invoices to csv", "csv export please"], ["bank sync fails", "bank feed sync"]])
    assert terms[0][:2] == ["csv", "export"] and terms[1][:2] == ["bank", "sync"]
    assert topic_terms([["the and of"]]) == [[]]


@pytest.mark.integration
@pytest.mark.slow  # ingest, embedding model and Presidio: about 15 s
def test_seeded_escalations_cluster_into_their_topics(make_services):
    svc = make_services(redact_pii=False)
    svc.ingest([write_kb(svc.settings.data_dir.parent / "kb", TINY_KB)])
    items = []
    for n, (name, texts) in enumerate((("export", EXPORT), ("bank", BANK), ("mobile", MOBILE))):
        for i, text in enumerate(texts):
            at = T + timedelta(days=2 * i + n)  # export tickets come later in the period
            if name == "export":
                at = T + timedelta(days=10 + i)
            kind = i % 4
            kw = ({"decision": "escalate", "confidence": 0.2, "reasons": [not_covered([f"“{text[:30]}”"], 1)]}
                  if kind == 0 else {"escalated": True, "out_of_scope": True} if kind == 1
                  else {"thumbs": "down", "reason": "outdated_source"} if kind == 2 else {"out_of_scope": True})
            items.append(interaction(f"{name}{i}", text, at=at, **kw))
    items.append(interaction("fine", "How do I refund a payment?", at=T, sent=True))  # no signal
    items.append(interaction("gone", "[redacted]", at=T, out_of_scope=True, redacted=True))

    from assistant.redaction import shared_redactor

    redactor = shared_redactor()
    report = build_gap_report(items, svc.embedder.embed, lambda q: svc.searcher.search(q, k=10),
                              lambda t: redactor.redact(t)[0], start=T.date(), end=(T + timedelta(days=13)).date())
    assert (report.interactions, report.candidates, report.skipped_redacted) == (14, 12, 1)
    assert [c.count for c in report.clusters] == [4, 4, 4]
    members = [{r.request_id[:-1] for r in c.representatives} for c in report.clusters]
    assert sorted(map(sorted, members)) == [["bank"], ["export"], ["mobile"]]
    by_topic = {next(iter(m)): c for m, c in zip(members, report.clusters, strict=True)}
    assert "export" in by_topic["export"].topic and "bank" in by_topic["bank"].topic
    assert by_topic["export"].trend == "rising" and by_topic["export"].first_half == 0
    assert all(len(c.representatives) == 3 and len(c.nearest_articles) == 3 for c in report.clusters)
    assert by_topic["export"].signals == {"not_covered": 2, "low_confidence": 1, "outdated_source": 1,
                                          "not_in_docs": 1}
    assert f"“{EXPORT[0][:30]}”" in by_topic["export"].failed_asks  # the pipeline's quote of the ask
    excerpts = " ".join(r.excerpt for c in report.clusters for r in c.representatives)
    assert "maria.lopez@example.com" not in excerpts and "Thanks, Maria" not in excerpts  # signature cut too
    assert not {"fine", "gone"} & {r.request_id for c in report.clusters for r in c.representatives}
