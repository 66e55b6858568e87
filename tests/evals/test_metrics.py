"""Retrieval metrics on tiny cases computed by hand."""

import math

import pytest

from evals.metrics import (
    CHUNK_METRICS,
    answer_chunks,
    answer_coverage,
    doc_ranking,
    first_relevant_rank,
    mean_metrics,
    ranking_metrics,
)
from retrieval.models import Hit, Scores

pytestmark = pytest.mark.unit


def hit(chunk_id: str, doc_id: str, also_in=()) -> Hit:
    return Hit(rank=1, chunk_id=chunk_id, doc_id=doc_id, title="t", text="x", source=doc_id,
               also_in=list(also_in), score=1.0, scores=Scores(), index_version=1)


def test_doc_ranking_dedupes_in_first_occurrence_order_and_counts_also_in():
    hits = [hit("c1", "x", also_in=["a"]), hit("c2", "x"), hit("c3", "b"), hit("c4", "a")]
    assert doc_ranking(hits) == ["x", "a", "b"]


def test_first_relevant_rank():
    assert first_relevant_rank(["x", "a", "b"], {"b", "zz"}) == 3
    assert first_relevant_rank(["x"], {"b"}) is None
    assert first_relevant_rank([], []) is None


def test_binary_single_relevant_at_rank_two():
    m = ranking_metrics({"q": {"a": 1}}, {"q": ["x", "a", "y"]})["q"]
    assert m["hit@1"] == 0 and m["hit@5"] == 1 and m["hit@10"] == 1
    assert m["mrr@10"] == pytest.approx(0.5)
    assert m["ndcg@10"] == pytest.approx(1 / math.log2(3))
    assert m["recall@10"] == 1


def test_binary_two_relevant():
    m = ranking_metrics({"q": {"a": 1, "b": 1}}, {"q": ["a", "x", "b"]})["q"]
    assert m["mrr@10"] == 1
    assert m["ndcg@10"] == pytest.approx((1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3)))


def test_graded_ndcg_uses_linear_gain():
    m = ranking_metrics({"q": {"a": 2, "b": 1}}, {"q": ["b", "a"]})["q"]
    dcg = 1 / math.log2(2) + 2 / math.log2(3)
    idcg = 2 / math.log2(2) + 1 / math.log2(3)
    assert m["ndcg@10"] == pytest.approx(dcg / idcg)


def test_recall_at_5_and_cutoffs():
    ranking = ["x1", "a", "x2", "x3", "x4", "x5", "b", "x6", "x7", "x8", "c"]
    m = ranking_metrics({"q": {"a": 1, "b": 1, "c": 1}}, {"q": ranking})["q"]
    assert m["recall@5"] == pytest.approx(1 / 3)
    assert m["recall@10"] == pytest.approx(2 / 3)  # c sits at rank 11


def test_queries_keep_their_own_scores_whatever_the_order():
    per = ranking_metrics({"b": {"d1": 1}, "a": {"d2": 1}}, {"a": ["d2"], "b": ["x", "d1"]})
    assert per["a"]["mrr@10"] == 1 and per["b"]["mrr@10"] == 0.5


def test_empty_or_missing_ranking_scores_zero_and_unjudged_queries_are_left_out():
    per = ranking_metrics({"q1": {"a": 1}, "q2": {"a": 1}, "q3": {"z": 0}}, {"q1": []})
    assert set(per) == {"q1", "q2"}
    assert all(v == 0 for m in per.values() for v in m.values())


def test_doc_level_aggregation_with_also_in_counts_the_duplicate_doc():
    hits = [hit("c1", "x"), hit("c2", "kept", also_in=["rel"]), hit("c3", "rel")]
    m = ranking_metrics({"q": {"rel": 1}}, {"q": doc_ranking(hits)})["q"]
    assert m["mrr@10"] == pytest.approx(1 / 3)  # x, kept, rel: the duplicate chunk stands for rel at rank 3
    assert m["hit@1"] == 0


def test_chunk_metrics_subset():
    m = ranking_metrics({"q": {"c2": 1}}, {"q": ["c1", "c2"]}, CHUNK_METRICS)["q"]
    assert m == {"chunk_hit@1": 0.0, "chunk_hit@5": 1.0, "chunk_mrr@10": 0.5}


def test_mean_metrics():
    assert mean_metrics([{"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 0.0}]) == {"a": 0.5, "b": 0.0}
    assert mean_metrics([]) == {}


def test_answer_chunks_label_passages_holding_the_answer():
    by_doc = {"d": [("c1", "Press the Home button to open Smart Hub."), ("c2", "Unrelated text here.")]}
    answer = "Press the Home button to open Smart Hub"
    assert answer_coverage(answer, by_doc["d"][0][1]) == 1.0
    assert answer_chunks(answer, ["d"], by_doc) == {"c1"}
    assert answer_chunks("Yes", ["d"], by_doc) == set()  # too short to locate
