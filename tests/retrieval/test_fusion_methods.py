"""`fuse`: the method switch hybrid search goes through (minmax by default, rrf on request)."""

import pytest

from retrieval.fusion import FUSION_METHODS, Fused, fuse, min_max_fusion, weighted_rrf

pytestmark = pytest.mark.unit

SCORED = {
    "bm25": [("a", 12.0), ("b", 7.0), ("c", 2.0)],  # scaled: a=1, b=0.5, c=0
    "dense": [("c", 0.9), ("d", 0.7)],  # scaled: c=1, d=0
}


def test_minmax_is_min_max_fusion_divided_by_the_total_weight():
    weights = {"bm25": 1.0, "dense": 0.7}
    fused = fuse("minmax", SCORED, weights)
    raw = min_max_fusion(SCORED, weights)
    assert [f.id for f in fused] == [f.id for f in raw] == ["a", "c", "b", "d"]
    for f, r in zip(fused, raw, strict=True):
        assert f.score == pytest.approx(r.score / 1.7)


def test_minmax_score_is_one_only_for_the_best_of_every_ranking():
    both = fuse("minmax", {"bm25": [("a", 3.0), ("b", 1.0)], "dense": [("a", 0.9), ("b", 0.2)]})
    assert both[0] == Fused("a", 1.0)
    # Found by one ranking only: at most that ranking's share of the total weight.
    alone = fuse("minmax", {"bm25": [("a", 3.0)], "dense": []}, {"bm25": 1.0, "dense": 0.7})
    assert alone == [Fused("a", pytest.approx(1 / 1.7))]
    assert all(0.0 <= f.score <= 1.0 for f in fuse("minmax", SCORED, {"bm25": 2.0, "dense": 0.5}))


def test_rrf_uses_ranks_only_and_k():
    fused = fuse("rrf", SCORED, {"bm25": 1.0, "dense": 0.5}, k=10)
    assert fused == weighted_rrf({"bm25": ["a", "b", "c"], "dense": ["c", "d"]}, {"bm25": 1.0, "dense": 0.5}, k=10)


def test_minmax_lets_a_confident_ranking_win_where_rank_fusion_ties():
    # BM25 barely separates x from y; dense is sure about y. Rank fusion with equal weights
    # cannot tell them apart, min-max prefers y.
    scored = {"bm25": [("x", 5.0), ("y", 4.9), ("z", 1.0)], "dense": [("y", 0.8), ("x", 0.3), ("z", 0.29)]}
    assert fuse("rrf", scored)[0].score == fuse("rrf", scored)[1].score
    assert fuse("minmax", scored)[0].id == "y"


def test_unknown_method_is_named_with_the_choices():
    assert FUSION_METHODS == ("minmax", "rrf")
    with pytest.raises(ValueError, match="'combsum'.*minmax, rrf"):
        fuse("combsum", SCORED)  # type: ignore[arg-type]


def test_all_zero_weights_give_the_unscaled_empty_fusion():
    assert fuse("minmax", SCORED, {"bm25": 0.0, "dense": 0.0}) == []
