import math

import pytest

from retrieval.fusion import Fused, min_max_fusion, weighted_rrf

pytestmark = pytest.mark.unit

RANKINGS = {"bm25": ["a", "b", "c"], "vector": ["c", "a", "d"]}


def test_rrf_matches_hand_computed_scores():
    # k=60, ranks from 1: a = 1/61 + 1/62, c = 1/63 + 1/61, b = 1/62, d = 1/63.
    fused = weighted_rrf(RANKINGS)
    assert [f.id for f in fused] == ["a", "c", "b", "d"]
    expected = {"a": 1 / 61 + 1 / 62, "c": 1 / 63 + 1 / 61, "b": 1 / 62, "d": 1 / 63}
    for item in fused:
        assert item.score == pytest.approx(expected[item.id], rel=1e-12)


def test_rrf_weights_scale_each_ranking():
    fused = dict(weighted_rrf(RANKINGS, weights={"bm25": 0.5, "vector": 2.0}, k=1))
    # k=1: a = 0.5/2 + 2/3, c = 0.5/4 + 2/2, b = 0.5/3, d = 2/4.
    assert fused == pytest.approx({"a": 0.25 + 2 / 3, "c": 1.125, "b": 0.5 / 3, "d": 0.5})


def test_rrf_missing_weight_defaults_to_one_and_zero_weight_drops_ranking():
    assert weighted_rrf(RANKINGS, weights={"bm25": 1.0}) == weighted_rrf(RANKINGS)
    fused = weighted_rrf(RANKINGS, weights={"vector": 0})
    assert [f.id for f in fused] == ["a", "b", "c"]  # "d" came only from the dropped ranking


def test_rrf_breaks_ties_by_id_whatever_the_input_order():
    fused = weighted_rrf({"x": ["b", "a"], "y": ["a", "b"]})
    assert fused[0].score == fused[1].score
    assert [f.id for f in fused] == ["a", "b"]
    assert weighted_rrf({"y": ["a", "b"], "x": ["b", "a"]}) == fused


def test_rrf_counts_a_repeated_id_once_at_its_best_rank():
    assert weighted_rrf({"x": ["a", "b", "a"]}, k=1) == [Fused("a", 0.5), Fused("b", 1 / 3)]


def test_rrf_empty_inputs():
    assert weighted_rrf({}) == []
    assert weighted_rrf({"bm25": [], "vector": []}) == []


def test_results_are_typed_tuples():
    top = weighted_rrf(RANKINGS)[0]
    assert isinstance(top, Fused) and isinstance(top, tuple)
    doc_id, score = top
    assert (doc_id, score) == (top.id, top.score)


@pytest.mark.parametrize("k", [0, -5])
def test_rrf_rejects_non_positive_k(k):
    with pytest.raises(ValueError, match=f"k must be greater than 0.*got {k}"):
        weighted_rrf(RANKINGS, k=k)


@pytest.mark.parametrize("weight", [-0.1, math.nan, math.inf])
def test_rejects_bad_weights_naming_the_ranking(weight):
    with pytest.raises(ValueError, match=f"'vector' must be a finite number >= 0, got {weight}"):
        weighted_rrf(RANKINGS, weights={"vector": weight})
    with pytest.raises(ValueError, match="'vector' must be a finite number"):
        min_max_fusion({"vector": [("a", 1.0)]}, weights={"vector": weight})


def test_rejects_weights_for_unknown_rankings():
    with pytest.raises(ValueError, match=r"unknown rankings \['vectors'\]"):
        weighted_rrf(RANKINGS, weights={"vectors": 1.0})


def test_min_max_fusion_scales_each_ranking_to_unit_range():
    scored = {
        "bm25": [("a", 12.0), ("b", 7.0), ("c", 2.0)],  # a=1, b=0.5, c=0
        "vector": [("c", 0.9), ("d", 0.7)],  # c=1, d=0
    }
    fused = min_max_fusion(scored, weights={"bm25": 1.0, "vector": 2.0})
    assert fused == [Fused("c", 2.0), Fused("a", 1.0), Fused("b", 0.5), Fused("d", 0.0)]


def test_min_max_fusion_edge_cases():
    # All-equal scores count as the best; empty rankings and repeated ids are harmless.
    assert min_max_fusion({"x": [("b", 3.0), ("a", 3.0)], "y": []}) == [Fused("a", 1.0), Fused("b", 1.0)]
    assert min_max_fusion({"x": [("a", 1.0), ("a", 5.0), ("b", 3.0)]}) == [Fused("a", 1.0), Fused("b", 0.0)]
    with pytest.raises(ValueError, match="non-finite score nan for id 'a'"):
        min_max_fusion({"x": [("a", math.nan)]})
