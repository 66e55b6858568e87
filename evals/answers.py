"""Answer metrics as pure functions over (Query, Answer) pairs.

Conventions: an answer *escalates* when `decision == "escalate"`; out-of-scope questions should
escalate. An answer is *correct* when it answers an in-scope question citing at least one relevant
document (and, when a reference answer exists, reaches `rouge_min` ROUGE-L F1); the calibration
metrics ask whether `confidence` predicts that.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.models import Answer
from evals.datasets import Query

Pair = tuple[Query, Answer]
ROUGE_MIN = 0.2


def _answered(pairs: Sequence[Pair]) -> list[Pair]:
    return [(q, a) for q, a in pairs if a.decision == "answer"]


def rouge_l(reference: str, draft: str) -> float:
    """ROUGE-L F1 (rouge-score, stemmed); [n] markers are removed from the draft first."""
    import re

    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    return float(scorer.score(reference, re.sub(r"\[\d+\]", "", draft))["rougeL"].fmeasure)


def rouge_l_f1(pairs: Sequence[Pair]) -> float | None:
    """Mean ROUGE-L F1 over answered in-scope questions that have a reference answer."""
    scores = [rouge_l(q.answer, a.draft) for q, a in _answered(pairs) if q.answer and not q.out_of_scope]
    return float(np.mean(scores)) if scores else None


def citation_precision(pairs: Sequence[Pair]) -> float | None:
    """Share of citations (over answered in-scope questions with labels) whose doc is relevant."""
    cited = [c.doc_id in set(q.relevant) for q, a in _answered(pairs) if q.relevant and not q.out_of_scope
             for c in a.citations]
    return float(np.mean(cited)) if cited else None


def abstention(pairs: Sequence[Pair]) -> dict[str, float | None]:
    """Escalation as the positive class against out-of-scope truth."""
    tp = sum(1 for q, a in pairs if q.out_of_scope and a.decision == "escalate")
    predicted = sum(1 for _, a in pairs if a.decision == "escalate")
    actual = sum(1 for q, _ in pairs if q.out_of_scope)
    return {"abstention_precision": tp / predicted if predicted else None,
            "abstention_recall": tp / actual if actual else None}


def supported_share(pairs: Sequence[Pair]) -> float | None:
    """Share of draft sentences (answered questions) the verifier marked supported."""
    flags = [s.supported for _, a in _answered(pairs) for s in a.sentences]
    return float(np.mean(flags)) if flags else None


def is_correct(q: Query, a: Answer, rouge_min: float = ROUGE_MIN) -> bool:
    if q.out_of_scope or a.decision != "answer":
        return False
    if q.relevant and not any(c.doc_id in set(q.relevant) for c in a.citations):
        return False
    return not q.answer or rouge_l(q.answer, a.draft) >= rouge_min


def calibration(confidences: Sequence[float], correct: Sequence[bool], n_bins: int = 10) -> dict:
    """Expected calibration error (equal-width bins, weighted by count) and the reliability bins."""
    if len(confidences) != len(correct):
        raise ValueError(f"{len(confidences)} confidences but {len(correct)} outcomes")
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    conf, ok = np.asarray(confidences, dtype=float), np.asarray(correct, dtype=float)
    if conf.size == 0:
        return {"ece": None, "bins": []}
    # Bin i holds (i/n, (i+1)/n]; confidence 0 joins the first bin.
    idx = np.clip(np.ceil(conf * n_bins).astype(int) - 1, 0, n_bins - 1)
    bins, ece = [], 0.0
    for i in range(n_bins):
        mask = idx == i
        if not mask.any():
            continue
        mc, acc = float(conf[mask].mean()), float(ok[mask].mean())
        ece += mask.sum() / conf.size * abs(mc - acc)
        bins.append({"low": i / n_bins, "high": (i + 1) / n_bins, "count": int(mask.sum()),
                     "confidence": mc, "accuracy": acc})
    return {"ece": float(ece), "bins": bins}


def latency(pairs: Sequence[Pair]) -> dict[str, dict[str, float]]:
    """p50/p95 seconds per stage in `Answer.timings`, plus `total` (sum of stages unless given)."""
    per_stage: dict[str, list[float]] = {}
    for _, a in pairs:
        for stage, secs in a.timings.items():
            per_stage.setdefault(stage, []).append(float(secs))
        if a.timings and "total" not in a.timings:
            per_stage.setdefault("total", []).append(float(sum(a.timings.values())))
    return {s: {"p50": float(np.percentile(v, 50)), "p95": float(np.percentile(v, 95)), "n": len(v)}
            for s, v in sorted(per_stage.items())}


def usage(pairs: Sequence[Pair]) -> dict[str, float]:
    if not pairs:
        return {}
    n = len(pairs)
    return {"tokens_in_per_answer": sum(a.tokens_in for _, a in pairs) / n,
            "tokens_out_per_answer": sum(a.tokens_out for _, a in pairs) / n,
            "cost_per_answer": sum(a.cost for _, a in pairs) / n, "cost_total": sum(a.cost for _, a in pairs)}


def answer_metrics(pairs: Sequence[Pair], n_bins: int = 10) -> dict:
    """Everything above in one JSON-ready dict (None where a metric has nothing to measure)."""
    cal = calibration([a.confidence for _, a in pairs], [is_correct(q, a) for q, a in pairs], n_bins)
    return {"n_answers": len(pairs), "answered": len(_answered(pairs)), "rouge_l_f1": rouge_l_f1(pairs),
            "citation_precision": citation_precision(pairs), **abstention(pairs),
            "supported_sentence_share": supported_share(pairs), "ece": cal["ece"], "reliability": cal["bins"],
            "latency": latency(pairs), **usage(pairs)}
