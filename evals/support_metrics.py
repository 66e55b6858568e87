"""What a support team asks of the assistant, as pure functions over (Query, Answer) pairs.

On tickets the help center can answer (in scope): how many are answered, how many of those cite the
right article first, and how many are *safely deflected* (answered with the right article first,
over every in-scope ticket). On tickets it cannot answer (out of scope): how many are answered
instead of escalated. Each figure comes with a 95% interval: Wilson for shares (exact counts,
sound at 0 and 1 and on small groups), a seeded percentile bootstrap for the ROUGE-L mean.

A draft is *right* here when its question is in scope and its first citation is relevant: the
article a ticket is deflected to is what a customer sees first. (evals.answers' calibration label
also asks for supported sentences; that is the confidence model's target, not the deflection one.)
Every dict is JSON-ready: floats and ints, None where there is nothing to measure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.models import Answer
from evals import answers
from evals.answers import Pair
from evals.datasets import Query
from feedback import intervals

__all__ = ["answered_precision", "answered_share", "bootstrap_mean", "first_cited_relevant",
           "out_of_scope_answered", "risk_coverage", "rouge_l", "safe_deflection", "support_metrics",
           "wilson"]

LEVEL = 0.95
SEED = 13
SAMPLES = 2000


def first_cited_relevant(q: Query, a: Answer) -> bool:
    """In scope and the first citation is one of the question's relevant documents."""
    return not q.out_of_scope and bool(a.citations) and a.citations[0].doc_id in set(q.relevant)


def _answered(a: Answer) -> bool:
    return a.decision == "answer"


def wilson(k: int, n: int, level: float = LEVEL) -> dict:
    """k of n as {value, ci_low, ci_high, k, n}: the share with its Wilson score interval
    (feedback.intervals.wilson, the one implementation the canary and the desk A/B use too)."""
    value, low, high = intervals.wilson(k, n, level)
    return {"value": value, "ci_low": low, "ci_high": high, "k": int(k), "n": int(n) if n > 0 else 0}


def bootstrap_mean(values: Sequence[float], level: float = LEVEL, samples: int = SAMPLES,
                   seed: int = SEED) -> dict:
    """Mean of `values` as {value, ci_low, ci_high, n}: seeded percentile bootstrap over the items."""
    v = np.asarray(values, float)
    if v.size == 0:
        return {"value": None, "ci_low": None, "ci_high": None, "n": 0}
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    means = v[np.random.default_rng(seed).integers(0, v.size, size=(samples, v.size))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2])
    mean = float(v.mean())
    return {"value": mean, "ci_low": float(min(low, mean)), "ci_high": float(max(high, mean)),
            "n": int(v.size)}


def answered_share(pairs: Sequence[Pair], level: float = LEVEL) -> dict:
    """In-scope questions answered (not escalated), over in-scope questions."""
    inscope = [a for q, a in pairs if not q.out_of_scope]
    return wilson(sum(map(_answered, inscope)), len(inscope), level)


def answered_precision(pairs: Sequence[Pair], level: float = LEVEL) -> dict:
    """Answered in-scope questions whose first citation is relevant, over answered in-scope questions."""
    answered = [(q, a) for q, a in pairs if not q.out_of_scope and _answered(a)]
    return wilson(sum(first_cited_relevant(q, a) for q, a in answered), len(answered), level)


def safe_deflection(pairs: Sequence[Pair], level: float = LEVEL) -> dict:
    """Answered with a relevant first citation, over every in-scope question: tickets closed rightly."""
    inscope = [(q, a) for q, a in pairs if not q.out_of_scope]
    return wilson(sum(_answered(a) and first_cited_relevant(q, a) for q, a in inscope), len(inscope), level)


def out_of_scope_answered(pairs: Sequence[Pair], level: float = LEVEL) -> dict:
    """Out-of-scope questions answered instead of escalated, over out-of-scope questions (lower is better)."""
    oos = [a for q, a in pairs if q.out_of_scope]
    return wilson(sum(map(_answered, oos)), len(oos), level)


def rouge_l(pairs: Sequence[Pair], level: float = LEVEL, samples: int = SAMPLES, seed: int = SEED) -> dict:
    """Mean ROUGE-L F1 of the answer sentences (evals.answers.rouge_l) over answered in-scope
    questions that have a reference answer."""
    scores = [answers.rouge_l(q.answer, a.body) for q, a in pairs
              if not q.out_of_scope and q.answer and _answered(a)]
    return bootstrap_mean(scores, level, samples, seed)


def risk_coverage(pairs: Sequence[Pair], thresholds: Sequence[float] | None = None) -> list[dict]:
    """What answering iff confidence >= t would give, for each t (default: every distinct confidence,
    ascending, so coverage never rises along the list). Per point: coverage (answered / all
    questions), risk (answered drafts not right / answered), safe_deflection (answered and right /
    in scope), oos_answered (answered out of scope / out of scope). The recorded decision is ignored:
    this is the threshold trade-off, not what shipped."""
    conf = np.asarray([a.confidence for _, a in pairs], float)
    right = np.asarray([first_cited_relevant(q, a) for q, a in pairs], bool)
    oos = np.asarray([q.out_of_scope for q, _ in pairs], bool)
    ts = sorted({float(c) for c in conf}) if thresholds is None else sorted(float(t) for t in thresholds)
    n, n_in, n_oos = conf.size, int((~oos).sum()), int(oos.sum())
    points = []
    for t in ts:
        m = conf >= t
        k = int(m.sum())
        points.append({"threshold": t, "answered": k, "coverage": k / n if n else None,
                       "risk": float(1 - right[m].mean()) if k else None,
                       "safe_deflection": int((m & right).sum()) / n_in if n_in else None,
                       "oos_answered": int((m & oos).sum()) / n_oos if n_oos else None})
    return points


def _figures(pairs: Sequence[Pair], level: float, samples: int, seed: int) -> dict:
    return {"n": len(pairs), "n_in_scope": sum(not q.out_of_scope for q, _ in pairs),
            "n_out_of_scope": sum(q.out_of_scope for q, _ in pairs),
            "answered_share": answered_share(pairs, level),
            "answered_precision": answered_precision(pairs, level),
            "safe_deflection": safe_deflection(pairs, level),
            "out_of_scope_answered": out_of_scope_answered(pairs, level),
            "rouge_l": rouge_l(pairs, level, samples, seed), "risk_coverage": risk_coverage(pairs)}


def support_metrics(pairs: Sequence[Pair], split_by: str | None = "category", level: float = LEVEL,
                    samples: int = SAMPLES, seed: int = SEED) -> dict:
    """Every figure above, overall and for each value of the Query field `split_by` (groups sorted by
    name; None for no split), so e.g. answers whose span was cut from the text are reported apart."""
    out = _figures(pairs, level, samples, seed)
    out["level"] = level
    if split_by is not None:
        groups: dict[str, list[Pair]] = {}
        if split_by not in Query.model_fields:
            fields = ", ".join(Query.model_fields)
            raise ValueError(f"split_by must be a Query field ({fields}), got {split_by!r}")
        for q, a in pairs:
            groups.setdefault(str(getattr(q, split_by)), []).append((q, a))
        out["split_by"] = split_by
        out["groups"] = {g: _figures(groups[g], level, samples, seed) for g in sorted(groups)}
    return out
