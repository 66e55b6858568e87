"""The offline gate a canary must pass first: on the shipped datasets, the candidate release is no worse
than the live one beyond doubt, by the same rule as `deflect eval compare --fail-on-regression` (the
whole paired-bootstrap 95% interval of a gated metric on the wrong side of max_drop). Gated: how it
retrieves (nDCG@10, Hit@5) and what it answers, drafting every question with each release's answer
settings: the share of out-of-scope questions answered and of answerable ones answered with the wrong
article first must not rise. A release that only lowers the answer threshold retrieves exactly as live
does; the answer gate is what stops it. Safe deflection (answered with the right article first) is
reported beside them, not gated: a stricter release deflects less on purpose, and the canary's
escalation gate weighs that on live traffic.

Each dataset is ingested into its own data dir, so a release's pinned index version plays no part here:
what is gated is how the release's settings search, rank and decide.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from pydantic import BaseModel, Field

from deflectkit.core.config.evals import eval_options
from evals.compare import compare_runs, paired_bootstrap, regressions
from evals.harness import evaluate
from evals.store import EvalStore

GATED = ("ndcg@10", "hit@5")
ANSWER_GATED = ("out_of_scope_answered", "wrong_answered")  # worse when they rise
ANSWER_REPORTED = ("safe_deflection",)


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


def answer_outcomes(name: str, settings, progress: Callable[[str, int, int], None] | None = None
                    ) -> dict[str, dict[str, float]]:
    """Per question of dataset `name`, drafted with `settings`: {qid: {answer metric: 0/1}} for the
    metrics that question counts in (safe deflection and wrong answered for answerable ones,
    out-of-scope answered for the rest)."""
    from evals.answer_run import draft_all
    from evals.datasets import dataset_services, load_dataset
    from evals.support_metrics import first_cited_relevant

    ds = load_dataset(name, settings)
    _, pairs = draft_all(ds, dataset_services(ds, settings), progress)
    out = {}
    for q, a in pairs:
        answered = a.decision == "answer"
        if q.out_of_scope:
            out[q.qid] = {"out_of_scope_answered": float(answered)}
        else:
            right = first_cited_relevant(q, a)
            out[q.qid] = {"safe_deflection": float(answered and right), "wrong_answered": float(answered and not right)}
    return out


def answer_deltas(live: dict[str, dict[str, float]], cand: dict[str, dict[str, float]], samples: int, seed: int,
                  max_drop: float = 0.0) -> tuple[dict[str, list[float]], list[str]]:
    """({metric: [delta, ci_low, ci_high]}, failed metrics): paired over the questions both drafted; a
    gated metric fails when its whole interval lies above +max_drop."""
    deltas, failed = {}, []
    for metric in (*ANSWER_GATED, *ANSWER_REPORTED):
        qids = sorted(q for q in live.keys() & cand.keys() if metric in live[q] and metric in cand[q])
        if not qids:
            continue
        a = np.array([live[q][metric] for q in qids])
        b = np.array([cand[q][metric] for q in qids])
        low, high, _ = paired_bootstrap(a, b, samples, seed)
        deltas[metric] = [float((b - a).mean()), low, high]
        if metric in ANSWER_GATED and low > max_drop:
            failed.append(metric)
    return deltas, failed


def offline_gate(live_settings, candidate_settings, datasets: Sequence[str], metrics: Sequence[str] = GATED,
                 max_drop: float = 0.0, progress: Callable[[str, int, int], None] | None = None,
                 answers: bool = True) -> OfflineGate:
    """Evaluate live and candidate on each dataset (both runs recorded), compare and gate; with `answers`,
    also draft every question with each and gate the out-of-scope and wrong answers."""
    opts = eval_options(live_settings)
    store = EvalStore(live_settings.data_dir)
    gates = []
    for name in datasets:
        a = evaluate(name, live_settings, [live_settings.search_mode], progress=progress, store=store)[-1]
        b = evaluate(name, candidate_settings, [candidate_settings.search_mode], progress=progress, store=store)[-1]
        result = compare_runs(a, b, opts.eval_bootstrap_samples, opts.eval_seed)
        failed = [d.metric for d in regressions(result, tuple(metrics), max_drop)]
        deltas = {d.metric: [d.delta, d.ci_low, d.ci_high] for d in result.deltas if d.metric in metrics}
        if answers:
            more, worse = answer_deltas(answer_outcomes(name, live_settings, progress),
                                        answer_outcomes(name, candidate_settings, progress),
                                        opts.eval_bootstrap_samples, opts.eval_seed, max_drop)
            deltas.update(more)
            failed += worse
        gates.append(DatasetGate(dataset=name, live_run=a.run_id, candidate_run=b.run_id, n_paired=result.n_paired,
                                 deltas=deltas, failed=failed))
    bad = [f"{g.dataset}: {', '.join(g.failed)}" for g in gates if g.failed]
    gated = [*metrics, *(ANSWER_GATED if answers else ())]
    summary = ("worse beyond doubt on " + "; ".join(bad)) if bad else (
        f"no gated metric ({', '.join(gated)}) worse beyond its 95% interval on {', '.join(datasets)}")
    return OfflineGate(passed=not bad, datasets=gates, summary=summary)
