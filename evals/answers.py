"""Answer metrics as pure functions over (Query, Answer) pairs.

Conventions: an answer *escalates* when `decision == "escalate"`; out-of-scope questions should
escalate. ROUGE-L scores the answer sentences (`Answer.body`: no greeting or sign-off, no [n]
markers), the unit the benchmark's "at most 5 sentences" counts. A draft is *correct* by the very
label the confidence model is fitted on (`assistant.calibration.label_of`: in scope, first citation
relevant, enough sentences supported), so the ECE and coverage-accuracy curve here measure the
calibration the assistant ships, not a look-alike definition.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.calibration import coverage_curve, label_of, reliability
from assistant.models import Answer
from deflectkit.core.config.assistant import AssistantSettings
from evals.datasets import Query

Pair = tuple[Query, Answer]
MIN_SHARE = AssistantSettings.model_fields["support_min_share"].default


def _answered(pairs: Sequence[Pair]) -> list[Pair]:
    return [(q, a) for q, a in pairs if a.decision == "answer"]


def rouge_l(reference: str, draft: str) -> float:
    """ROUGE-L F1 (rouge-score, stemmed); [n] markers are removed from the draft first."""
    import re

    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    return float(scorer.score(reference, re.sub(r"\[\d+\]", "", draft))["rougeL"].fmeasure)


def rouge_l_f1(pairs: Sequence[Pair], answered_only: bool = True) -> float | None:
    """Mean ROUGE-L F1 of the answer sentences over in-scope questions with a reference answer:
    the answered ones, or every draft whatever the decision (answered_only=False)."""
    scored = _answered(pairs) if answered_only else pairs
    scores = [rouge_l(q.answer, a.body) for q, a in scored if q.answer and not q.out_of_scope]
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


def supported_share(pairs: Sequence[Pair], answered_only: bool = True) -> float | None:
    """Share of draft sentences (of answered questions, or of every draft) the verifier marked supported."""
    flags = [s.supported for _, a in (_answered(pairs) if answered_only else pairs) for s in a.sentences]
    return float(np.mean(flags)) if flags else None


def is_correct(q: Query, a: Answer, min_share: float = MIN_SHARE) -> bool:
    """The calibration label (assistant.calibration.label_of) for this question's labels."""
    return bool(label_of(a, q.relevant, q.out_of_scope, min_share))


def calibration(confidences: Sequence[float], correct: Sequence[bool], n_bins: int = 10) -> dict:
    """Expected calibration error (equal-width bins, weighted by count) and the reliability bins."""
    if len(confidences) != len(correct):
        raise ValueError(f"{len(confidences)} confidences but {len(correct)} outcomes")
    error, bins = reliability(confidences, [int(c) for c in correct], n_bins)
    return {"ece": error, "bins": bins}


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


def answer_metrics(pairs: Sequence[Pair], n_bins: int = 10, min_share: float = MIN_SHARE) -> dict:
    """Everything above in one JSON-ready dict (None where a metric has nothing to measure).

    `coverage_accuracy`: for each threshold t, the share of questions whose confidence is >= t
    (answered if t were the answer threshold) and the share of those that are correct."""
    conf = [a.confidence for _, a in pairs]
    correct = [is_correct(q, a, min_share) for q, a in pairs]
    cal = calibration(conf, correct, n_bins)
    return {"n_answers": len(pairs), "answered": len(_answered(pairs)), "rouge_l_f1": rouge_l_f1(pairs),
            "citation_precision": citation_precision(pairs), **abstention(pairs),
            "supported_sentence_share": supported_share(pairs),
            "correct_share": float(np.mean(correct)) if correct else None, "ece": cal["ece"],
            "reliability": cal["bins"], "coverage_accuracy": coverage_curve(conf, [int(c) for c in correct]),
            "latency": latency(pairs), **usage(pairs)}
