"""The offline gate a canary must pass first: on the shipped datasets, the candidate release retrieves no
worse than the live one beyond doubt, by the same rule as `deflect eval compare --fail-on-regression`
(the whole paired-bootstrap 95% interval of a gated metric below -max_drop).

Each dataset is ingested into its own data dir, so a release's pinned index version plays no part here:
what is gated is how the release's settings search and rank.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel, Field

from deflectkit.core.config.evals import eval_options
from evals.compare import compare_runs, regressions
from evals.harness import evaluate
from evals.store import EvalStore

GATED = ("ndcg@10", "hit@5")


class DatasetGate(BaseModel):
    dataset: str
    live_run: str
    candidate_run: str
    n_paired: int
    deltas: dict[str, list[float]] = Field(description="metric -> [delta, ci_low, ci_high], candidate minus live.")
    failed: list[str]


class OfflineGate(BaseModel):
    passed: bool
    datasets: list[DatasetGate]
    summary: str


def offline_gate(live_settings, candidate_settings, datasets: Sequence[str], metrics: Sequence[str] = GATED,
                 max_drop: float = 0.0, progress: Callable[[str, int, int], None] | None = None) -> OfflineGate:
    """Evaluate live and candidate on each dataset (both runs recorded), compare and gate."""
    opts = eval_options(live_settings)
    store = EvalStore(live_settings.data_dir)
    gates = []
    for name in datasets:
        a = evaluate(name, live_settings, [live_settings.search_mode], progress=progress, store=store)[-1]
        b = evaluate(name, candidate_settings, [candidate_settings.search_mode], progress=progress, store=store)[-1]
        result = compare_runs(a, b, opts.eval_bootstrap_samples, opts.eval_seed)
        failed = regressions(result, tuple(metrics), max_drop)
        gates.append(DatasetGate(dataset=name, live_run=a.run_id, candidate_run=b.run_id, n_paired=result.n_paired,
                                 deltas={d.metric: [d.delta, d.ci_low, d.ci_high] for d in result.deltas
                                         if d.metric in metrics},
                                 failed=[d.metric for d in failed]))
    bad = [f"{g.dataset}: {', '.join(g.failed)}" for g in gates if g.failed]
    summary = ("worse beyond doubt on " + "; ".join(bad)) if bad else (
        f"no gated metric ({', '.join(metrics)}) worse beyond its 95% interval on {', '.join(datasets)}")
    return OfflineGate(passed=not bad, datasets=gates, summary=summary)
