"""Search modes, filters and the LangChain adapter over a real index of the tiny corpus."""

from __future__ import annotations

import json

import pytest

from tests.conftest import write_kb

pytestmark = pytest.mark.integration


@pytest.fixture
def svc(make_services, tiny_kb, tmp_path):
    export = tmp_path / "kb" / "export.jsonl"
    export.write_text("\n".join(json.dumps(r) for r in [
        {"id": "hc-1", "title": "Rechnung stornieren", "body": "<p>Eine Rechnung stornieren Sie unter Rechnungen.</p>",
         "url": "https://help.example/hc-1", "updated_at": "2026-01-01T00:00:00Z", "locale": "de", "labels": ["billing"]},
        {"id": "hc-2", "title": "API keys", "body": "<p>Create API keys under Settings &gt; Developers.</p>",
         "url": "https://help.example/hc-2", "updated_at": "2026-01-01T00:00:00Z", "locale": "en-us", "labels": ["api", "developers"]},
    ]) + "\n")
    s = make_services()
    s.ingest([tiny_kb])
    return s


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_every_mode_finds_the_obvious_document(svc, mode):
    hits = svc.searcher.search("turn on two-factor authentication", k=3, mode=mode)
    assert hits and hits[0].doc_id == "account/two-factor.md"
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_hybrid_carries_both_score_components(svc):
    h = svc.searcher.search("partial refunds per payment", k=1)[0]
    assert h.scores.bm25 is not None and h.scores.dense is not None
    assert h.heading_path == ["Refund a payment", "Partial refunds"]
    assert h.index_version == 1


def test_filters_by_locale_label_and_source(svc):
    from retrieval.models import Filters

    de = svc.searcher.search("Rechnung", k=5, filters=Filters(locale="de"))
    assert [h.doc_id for h in de] == ["hc-1"]
    api = svc.searcher.search("keys", k=5, filters=Filters(labels=["api"]))
    assert {h.doc_id for h in api} == {"hc-2"}
    acct = svc.searcher.search("security settings", k=5, filters=Filters(sources=["account/"]))
    assert acct and all(h.source.startswith("account/") for h in acct)
    no_acct = svc.searcher.search("security settings", k=5, filters=Filters(exclude_sources=["account/"]))
    assert all(not h.source.startswith("account/") for h in no_acct)
    assert svc.searcher.search("keys", k=5, filters=Filters(labels=["nope"])) == []


def test_empty_query_is_a_clear_error(svc):
    from retrieval.errors import RetrievalError

    with pytest.raises(RetrievalError, match="empty"):
        svc.searcher.search("   ")


def test_no_index_yet_says_what_to_run(make_services):
    from retrieval.errors import NoActiveIndex

    with pytest.raises(NoActiveIndex, match="deflect ingest"):
        make_services().searcher.search("anything")


def test_switch_is_seen_by_a_running_searcher(svc, tiny_kb):
    before = svc.searcher.search("currencies supported", k=1)[0]
    write_kb(tiny_kb, {"billing/currencies.md": "# Multi-currency invoices\n\nLedgerly supports 51 currencies now."})
    svc.ingest([tiny_kb])
    after = svc.searcher.search("currencies supported", k=1)[0]
    assert before.index_version == 1 and after.index_version == 2 and "51" in after.text


def test_langchain_retriever_returns_documents(svc):
    from retrieval.langchain import HybridRetriever

    docs = HybridRetriever(searcher=svc.searcher, k=2).invoke("reset link expiry")
    assert docs[0].metadata["doc_id"] == "account/password.md"
    assert docs[0].id and "30 minutes" in docs[0].page_content
