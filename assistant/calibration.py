"""Fit the confidence model on labeled questions and measure how well it is calibrated.

Label ("the draft answers correctly"), for each labeled question answered by the extractive path:
  in scope:      the first cited document is one of the question's relevant documents AND the draft's
                 supported-sentence share reaches `support_min_share`;
  out of scope:  0 - any draft is wrong; the right outcome is to escalate.
The fit is a logistic regression on standardised features. Fitted on several datasets, the slopes
are shared and each dataset gets its own intercept: what makes an answer more likely right is
common to help centers, how often answers are right is not (a noisy benchmark's base rate would
otherwise drag a clean help center's confidence down). The intercept of `profile` (the first
dataset unless chosen) is the one used when answering. The shipped model is fitted on every row;
its metrics are honest estimates stored with it: a seeded held-out split (model fitted on the
rest) and seeded k-fold cross-validation (every question scored by a model that never saw it).
Calibration transfers poorly between help centers (their base accuracy differs), so calibrate on
your own labeled questions: `deflect calibrate --dataset NAME`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from assistant.confidence import FEATURES, SIGNS, Calibration
from assistant.errors import CalibrationError
from assistant.grounding import supported_share
from assistant.models import Answer

LABEL = ("in scope: first cited doc is relevant and supported share >= support_min_share; "
         "out of scope: 0 (correct = escalate)")


class Row(NamedTuple):
    dataset: str
    qid: str
    features: dict[str, float]
    label: int
    confidence: float = 0.0


def label_of(answer: Answer, relevant: Sequence[str], out_of_scope: bool, min_share: float) -> int:
    """The correctness label confidence predicts (see LABEL); evals.answers scores with this same function."""
    if out_of_scope or not answer.sentences or not answer.citations:
        return 0
    return int(answer.citations[0].doc_id in set(relevant) and supported_share(answer.sentences) >= min_share)


def reliability(confidences: Sequence[float], labels: Sequence[int], n_bins: int = 10) -> tuple[float | None, list[dict]]:
    """(ECE, reliability bins). Equal-width bins (i/n, (i+1)/n] (confidence 0 joins the first), each
    with its count, mean confidence and share correct; ECE is the count-weighted mean |confidence - accuracy|.
    ECE is None when there is nothing to score."""
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    p, y = np.asarray(confidences, float), np.asarray(labels, float)
    if p.size == 0:
        return None, []
    idx = np.clip(np.ceil(p * n_bins).astype(int) - 1, 0, n_bins - 1)
    bins, total = [], 0.0
    for i in range(n_bins):
        mask = idx == i
        if not mask.any():
            continue
        conf, acc = float(p[mask].mean()), float(y[mask].mean())
        total += mask.sum() / p.size * abs(conf - acc)
        bins.append({"low": i / n_bins, "high": (i + 1) / n_bins, "count": int(mask.sum()),
                     "confidence": conf, "accuracy": acc})
    return float(total), bins


def ece(confidences: Sequence[float], labels: Sequence[int], n_bins: int = 10) -> float:
    """Expected calibration error (see `reliability`); 0 for no data."""
    return reliability(confidences, labels, n_bins)[0] or 0.0


def coverage_curve(confidences: Sequence[float], labels: Sequence[int],
                   thresholds: Sequence[float] = tuple(np.round(np.arange(0, 1.0, 0.1), 2))) -> list[dict]:
    """For each threshold: share of questions answered (confidence >= t) and accuracy among them."""
    p, y = np.asarray(confidences, float), np.asarray(labels, float)
    out = []
    for t in thresholds:
        m = p >= t
        out.append({"threshold": float(t), "coverage": float(m.mean()) if p.size else 0.0,
                    "accuracy": float(y[m].mean()) if m.any() else None})
    return out


def _shuffled_strata(rows: Sequence[Row], seed: int) -> list[list[Row]]:
    """Rows grouped by (dataset, label), each group in a seeded random order: what stratified splits
    and folds deal from, so small groups (out-of-scope) land on every side."""
    rng = np.random.default_rng(seed)
    groups: dict[tuple[str, int], list[Row]] = {}
    for r in rows:
        groups.setdefault((r.dataset, r.label), []).append(r)
    out = []
    for key in sorted(groups):
        g = sorted(groups[key], key=lambda r: r.qid)
        out.append([g[i] for i in rng.permutation(len(g))])
    return out


def split(rows: Sequence[Row], test_share: float, seed: int) -> tuple[list[Row], list[Row]]:
    """Seeded split, stratified by (dataset, label)."""
    train, test = [], []
    for g in _shuffled_strata(rows, seed):
        k = int(round(len(g) * test_share))
        test += g[:k]
        train += g[k:]
    return train, test


# Inverse L2 strength. 0.3 rather than 1.0: the small help centers (60-120 questions, each with its
# own intercept) are fitted less to their noise (5-fold ECE on the demo tickets 0.054 against 0.069),
# while TechQA's and E-Manual's out-of-fold ECE and risk-coverage curves do not move.
C_DEFAULT = 0.3


def fit_logistic(rows: Sequence[Row], c: float = C_DEFAULT, profile: str | None = None) -> Calibration:
    """L2-regularised logistic regression with sign-constrained slopes (confidence.SIGNS) and one
    intercept per dataset, by bounded L-BFGS on the log-loss."""
    from scipy.optimize import minimize

    y = np.array([r.label for r in rows], dtype=float)
    if len(set(y.tolist())) < 2:
        raise CalibrationError("Calibration needs both correct and incorrect answers; add more labeled questions.")
    names = list(dict.fromkeys(r.dataset for r in rows))
    profile = profile or names[0]
    if profile not in names:
        raise CalibrationError(f"Profile {profile!r} is not one of the fitted datasets {names}.")
    x = np.array([[r.features[f] for f in FEATURES] for r in rows])
    mean, scale = x.mean(0), x.std(0)
    scale[scale < 1e-6] = 1.0  # a constant feature carries no information
    z = (x - mean) / scale
    group = np.array([names.index(r.dataset) for r in rows])
    k, n = len(FEATURES), len(rows)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        logit = z @ w[:k] + w[k:][group]
        p = 1.0 / (1.0 + np.exp(-np.clip(logit, -30, 30)))
        nll = -np.sum(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))
        err = p - y
        grad = np.concatenate([z.T @ err + w[:k] / c, np.bincount(group, err, minlength=len(names))])
        return (nll + 0.5 * np.sum(w[:k] ** 2) / c) / n, grad / n

    bounds = [(0.0, None) if SIGNS[f] > 0 else (None, 0.0) for f in FEATURES] + [(None, None)] * len(names)
    res = minimize(loss, np.zeros(k + len(names)), jac=True, method="L-BFGS-B", bounds=bounds)
    coef = res.x
    intercepts = {name: round(float(coef[k + i]), 6) for i, name in enumerate(names)}
    return Calibration(features=list(FEATURES), mean=mean.round(6).tolist(), scale=scale.round(6).tolist(),
                       coef=coef[:k].round(6).tolist(), intercept=intercepts[profile], intercepts=intercepts,
                       profile=profile, low=x.min(0).round(6).tolist(), high=x.max(0).round(6).tolist(),
                       label=LABEL, n=n)


def evaluate(cal: Calibration, rows: Sequence[Row]) -> dict:
    return _metrics([r._replace(confidence=cal.predict(r.features, r.dataset)) for r in rows])


def cross_validate(rows: Sequence[Row], folds: int = 5, seed: int = 13) -> dict:
    """Out-of-fold metrics: each question scored by a model fitted on the other folds."""
    fold_of = {(r.dataset, r.qid): pos % folds for g in _shuffled_strata(rows, seed) for pos, r in enumerate(g)}
    scored: list[Row] = []
    for k in range(folds):
        train = [r for r in rows if fold_of[(r.dataset, r.qid)] != k]
        cal = fit_logistic(train)
        scored += [r._replace(confidence=cal.predict(r.features, r.dataset))
                   for r in rows if fold_of[(r.dataset, r.qid)] == k]
    return {"folds": folds, **_metrics(scored)}


def _metrics(scored: Sequence[Row], by_dataset: bool = True) -> dict:
    p, y = [r.confidence for r in scored], [r.label for r in scored]
    error, bins = reliability(p, y)
    out = {"n": len(scored), "ece": round(error or 0.0, 4), "base_rate": round(float(np.mean(y)), 4) if y else None,
           "coverage_accuracy": coverage_curve(p, y), "reliability": bins}
    if by_dataset:
        for name in sorted({r.dataset for r in scored}):
            out[name] = _metrics([r for r in scored if r.dataset == name], by_dataset=False)
    return out


def fit_calibration(rows: Sequence[Row], seed: int = 13, test_share: float = 0.3, folds: int = 5,
                    profile: str | None = None) -> Calibration:
    """The model fitted on every row, with held-out-split and cross-validated metrics attached."""
    train, test = split(rows, test_share, seed)
    on_train = fit_logistic(train)
    metrics = {"seed": seed, "test_share": test_share, "held_out": evaluate(on_train, test)}
    if folds > 1 and len(rows) >= 2 * folds:
        metrics["cross_validated"] = cross_validate(rows, folds, seed)
    cal = fit_logistic(rows, profile=profile)
    datasets = list(dict.fromkeys(r.dataset for r in rows))
    cal = cal.model_copy(update={"fitted_on": datasets, "metrics": metrics})
    return cal.with_version()
