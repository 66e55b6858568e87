"""The offline lever scorer must rank exactly as the shipped fusion does, or its table misleads."""

import numpy as np
import pytest

from evals.bench.levers import Scores, doc_max_fusion, doc_order, fused, oracle, scaled_top
from retrieval.fusion import fuse

pytestmark = pytest.mark.unit


def test_scaled_top_marks_non_candidates_nan():
    out = scaled_top(np.array([3.0, 1.0, 2.0, 0.5]), n=3)
    assert out[0] == 1.0 and out[1] == 0.0 and out[2] == 0.5 and np.isnan(out[3])


def test_fused_matches_shipped_min_max_fusion():
    rng = np.random.default_rng(7)
    bm25, dense = rng.random(80), rng.random(80)
    ours = fused({"bm25": bm25, "dense": dense}, {"bm25": 1.0, "dense": 0.7})
    top = lambda x: [(i, float(x[i])) for i in np.argsort(-x)[:50]]  # noqa: E731
    shipped = fuse("minmax", {"bm25": top(bm25), "dense": top(dense)}, {"bm25": 1.0, "dense": 0.7})
    assert ours[:20] == [f.id for f in shipped][:20]
    assert len(ours) == len(shipped) and len(ours) < 80  # only the two top-50 lists are candidates


def test_doc_order_first_occurrence_and_also_in():
    docs_of = [["a"], ["b", "c"], ["a"]]
    assert doc_order([1, 2, 0], docs_of) == ["b", "c", "a"]


def _scores(bm25, dense, docs_of, qrels):
    n = len(bm25[0])
    return Scores(bm25=np.array(bm25), dense=np.array(dense), sentence=np.zeros((1, n)),
                  chunk_vectors=np.eye(n), query_vectors=np.ones((1, n)), docs_of=docs_of,
                  qrels=qrels, qids=list(qrels))


def test_doc_max_fusion_sums_each_retrievers_best_chunk():
    # doc x: bm25 best 1.0, dense best 0.0; doc y: bm25 0.0, dense 1.0 -> 1*1 vs 0.7*1
    s = _scores([[5.0, 1.0]], [[0.1, 0.9]], [["x"], ["y"]], {"q": {"y": 1}})
    assert doc_max_fusion(s, 0, {"bm25": 1.0, "dense": 0.7}) == ["x", "y"]


def test_oracle_counts_a_query_when_any_variant_hits():
    s = _scores([[1.0]], [[1.0]], [["x"]], {"q1": {"x": 1}, "q2": {"z": 1}})
    assert oracle(s, {"a": {"q1": ["x"], "q2": ["y"]}, "b": {"q1": ["y"], "q2": ["y"]}}) == 0.5
