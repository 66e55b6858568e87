"""Hybrid search through each fusion method over a real index of the tiny corpus."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

QUERY = "how many partial refunds can I issue per payment"


@pytest.fixture
def svc(make_services, tiny_kb):
    s = make_services()
    s.ingest([tiny_kb])
    return s


def test_default_hybrid_is_minmax_with_scores_from_zero_to_one(svc):
    assert svc.settings.fusion_method == "minmax"
    hits = svc.searcher.search(QUERY, k=5)
    assert hits[0].doc_id == "billing/refunds.md" and "partial refunds" in hits[0].text.lower()
    scores = [h.scores.fused for h in hits]
    assert all(0.0 <= s <= 1.0 for s in scores) and scores == sorted(scores, reverse=True)
    # First in both rankings scores exactly 1; the hit's own ranks say whether it was.
    top = hits[0].scores
    assert (top.fused == pytest.approx(1.0)) == (top.bm25_rank == 1 and top.dense_rank == 1)


def test_rrf_can_still_be_chosen(svc, make_settings):
    from retrieval.search import HybridSearcher, SearchConfig

    settings = make_settings(fusion_method="rrf", rrf_k=60, weight_bm25=1.0, weight_dense=1.0)
    rrf = HybridSearcher(SearchConfig.from_settings(settings), svc.catalog, svc.store, svc.embedder)
    hits = rrf.search(QUERY, k=3)
    assert hits[0].doc_id == "billing/refunds.md"
    s = hits[0].scores
    expected = sum(1 / (60 + r) for r in (s.bm25_rank, s.dense_rank) if r is not None)
    assert s.fused == pytest.approx(expected)


def test_bad_fusion_method_is_refused_by_settings(make_settings):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="fusion_method"):
        make_settings(fusion_method="combsum")
