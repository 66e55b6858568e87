"""Paired bootstrap on synthetic runs."""

import numpy as np
import pytest

from evals.compare import compare_runs, paired_bootstrap
from evals.errors import EvalError
from evals.models import EvalRun, QueryResult

pytestmark = pytest.mark.unit


def make_run(run_id: str, ranks: list[int | None], dataset: str = "d") -> EvalRun:
    queries = []
    for i, r in enumerate(ranks):
        rr = 0.0 if r is None or r > 10 else 1 / r
        hit5 = float(r is not None and r <= 5)
        queries.append(QueryResult(qid=f"q{i:03d}", question=f"question {i}", category="c", first_relevant_rank=r,
                                   metrics={"hit@5": hit5, "mrr@10": rr}))
    return EvalRun(run_id=run_id, created_at="2026-01-01T00:00:00+00:00", dataset=dataset, mode="bm25",
                   n_queries=len(queries), metrics={}, queries=queries)


def test_constant_shift_gives_a_point_interval():
    rng = np.random.default_rng(0)
    a = rng.random(200)
    b = a + 0.1
    low, high, p = paired_bootstrap(a, b, 1000, seed=1)
    assert low == pytest.approx(0.1) and high == pytest.approx(0.1) and p == 1.0


def test_same_seed_same_interval():
    rng = np.random.default_rng(5)
    a, b = rng.random(100), rng.random(100)
    assert paired_bootstrap(a, b, 800, 7) == paired_bootstrap(a, b, 800, 7)
    assert paired_bootstrap(a, b, 800, 7) != paired_bootstrap(a, b, 800, 8)


def test_obviously_better_run_has_interval_above_zero():
    base = [None, 8, 3, 1, None, 6, 2, 9, None, 4] * 6
    better = [1 if r is None or r > 1 else r for r in base]
    result = compare_runs(make_run("a", base), make_run("b", better), samples=1000, seed=13)
    mrr = next(d for d in result.deltas if d.metric == "mrr@10")
    assert mrr.delta > 0 and mrr.ci_low > 0 and mrr.p_better == 1.0
    assert result.n_paired == 60 and result.n_worse == 0
    assert result.better[0].rank_after == 1 and result.better[0].rank_before is None


def test_identical_runs_have_zero_delta_and_no_changes():
    ranks = [1, 2, None, 5] * 5
    result = compare_runs(make_run("a", ranks), make_run("b", ranks))
    assert all(d.delta == 0 and d.ci_low == 0 and d.ci_high == 0 for d in result.deltas)
    assert result.better == [] and result.worse == []


def test_noisy_equal_runs_have_interval_around_zero():
    rng = np.random.default_rng(2)
    a = [int(x) for x in rng.integers(1, 12, 300)]
    b = [int(x) for x in rng.permutation(a)]
    mrr = next(d for d in compare_runs(make_run("a", a), make_run("b", b)).deltas if d.metric == "mrr@10")
    assert mrr.ci_low < 0 < mrr.ci_high


def test_worse_queries_listed_with_ranks():
    result = compare_runs(make_run("a", [1, 2, 3]), make_run("b", [4, 2, None]))
    assert [(c.qid, c.rank_before, c.rank_after) for c in result.worse] == [("q000", 1, 4), ("q002", 3, None)]


def test_runs_on_different_datasets_are_refused():
    with pytest.raises(EvalError, match="different datasets"):
        compare_runs(make_run("a", [1]), make_run("b", [1], dataset="other"))
