"""Compare two runs query by query: metric deltas with paired bootstrap confidence intervals, and
the questions whose first relevant document moved up or down."""

from __future__ import annotations

import math

import numpy as np

from evals.errors import EvalError
from evals.models import Comparison, EvalRun, MetricDelta, QueryChange

DEFAULT_METRICS = ("hit@1", "hit@5", "hit@10", "recall@10", "mrr@10", "ndcg@10")


def paired_bootstrap(a: np.ndarray, b: np.ndarray, samples: int = 1000, seed: int = 13,
                     alpha: float = 0.05) -> tuple[float, float, float]:
    """(ci_low, ci_high, p_better) of mean(b - a), resampling query pairs with replacement."""
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired scores must be two 1-d arrays of one length, got {a.shape} and {b.shape}")
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    diff = b - a
    if diff.size == 0:
        return 0.0, 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, diff.size, size=(samples, diff.size))].mean(axis=1)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high), float((means > 0).mean())


def _rank_key(rank: int | None) -> float:
    return math.inf if rank is None else rank


def compare_runs(a: EvalRun, b: EvalRun, samples: int = 1000, seed: int = 13,
                 metrics: tuple[str, ...] = DEFAULT_METRICS, limit: int = 20) -> Comparison:
    if a.dataset != b.dataset:
        raise EvalError(f"Runs {a.run_id} ({a.dataset}) and {b.run_id} ({b.dataset}) are on different "
                        "datasets; compare runs of the same dataset.")
    qa = {q.qid: q for q in a.queries if q.metrics}
    qb = {q.qid: q for q in b.queries if q.metrics}
    paired = sorted(qa.keys() & qb.keys())
    if not paired:
        raise EvalError(f"Runs {a.run_id} and {b.run_id} share no scored queries.")
    deltas = []
    for m in metrics:
        if not all(m in qa[q].metrics and m in qb[q].metrics for q in paired):
            continue
        va = np.array([qa[q].metrics[m] for q in paired], dtype=float)
        vb = np.array([qb[q].metrics[m] for q in paired], dtype=float)
        low, high, p = paired_bootstrap(va, vb, samples, seed)
        deltas.append(MetricDelta(metric=m, a=float(va.mean()), b=float(vb.mean()), delta=float((vb - va).mean()),
                                  ci_low=low, ci_high=high, p_better=p))
    better, worse = [], []
    for q in paired:
        before, after = qa[q].first_relevant_rank, qb[q].first_relevant_rank
        if _rank_key(after) == _rank_key(before):
            continue
        change = QueryChange(qid=q, question=qa[q].question, category=qa[q].category,
                             rank_before=before, rank_after=after)
        (better if _rank_key(after) < _rank_key(before) else worse).append(change)

    def moved(c: QueryChange) -> float:  # reciprocal-rank change: 1 -> 2 matters more than 8 -> 9
        return abs(1 / _rank_key(c.rank_before) - 1 / _rank_key(c.rank_after))

    better.sort(key=lambda c: (-moved(c), c.qid))
    worse.sort(key=lambda c: (-moved(c), c.qid))
    return Comparison(run_a=a.run_id, run_b=b.run_id, dataset=a.dataset, n_paired=len(paired), samples=samples,
                      seed=seed, deltas=deltas, n_better=len(better), n_worse=len(worse), better=better[:limit], worse=worse[:limit])


def regressions(result: Comparison, metrics: tuple[str, ...] = ("ndcg@10", "hit@5"),
                max_drop: float = 0.0) -> list[MetricDelta]:
    """The gated metrics that B makes worse beyond doubt: the whole 95% interval of B - A lies
    below -max_drop. A drop inside the noise passes, so a gate does not flap on resampling luck."""
    unknown = sorted(set(metrics) - {d.metric for d in result.deltas})
    if unknown:
        raise EvalError(f"Cannot gate on {unknown}: the runs were compared on "
                        f"{[d.metric for d in result.deltas]}.")
    return [d for d in result.deltas if d.metric in metrics and d.ci_high < -max_drop]
