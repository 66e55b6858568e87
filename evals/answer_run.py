"""Drafts for every question through the assistant the composition root builds, scored with evals.answers.

Calibration profile: a calibration fitted on several datasets keeps one intercept (base rate) per
dataset. When the dataset being evaluated is one of them and DEFLECT_CALIBRATION_PROFILE is not
set, its own intercept is used, as a deployment on that help center would configure it; the
profile used is reported with the metrics.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from evals.answers import answer_metrics
from evals.datasets import Dataset
from evals.support_metrics import support_metrics

log = logging.getLogger(__name__)


def answer_settings(ds: Dataset, settings):
    """The settings to answer `ds` with: the dataset's calibration profile unless one is configured."""
    if settings.calibration_profile:
        return settings
    from assistant.confidence import load_calibration

    if ds.name in load_calibration(settings).intercepts:
        return settings.model_copy(update={"calibration_profile": ds.name})
    return settings


def draft_all(ds: Dataset, services, progress: Callable[[str, int, int], None] | None = None):
    """(assistant, [(Query, Answer)]) for every question of `ds`, in order."""
    from assistant.models import Ticket

    settings = answer_settings(ds, services.settings)
    assistant = services.assistant(settings=settings)
    pairs = []
    for i, q in enumerate(ds.queries, 1):
        pairs.append((q, assistant.answer(Ticket(body=q.text), None)))
        if progress:
            progress("answers", i, len(ds.queries))
    return assistant, pairs


def run_answers(ds: Dataset, services, progress: Callable[[str, int, int], None] | None = None) -> dict:
    assistant, pairs = draft_all(ds, services, progress)
    settings = assistant.settings
    metrics = answer_metrics(pairs, min_share=settings.support_min_share)
    metrics.update(support_figures(pairs))
    metrics["calibration_version"] = assistant.calibration.version
    metrics["calibration_profile"] = settings.calibration_profile or assistant.calibration.profile
    return metrics


def support_figures(pairs) -> dict:
    """The deflection figures a support team reads (evals.support_metrics), flat at the top of the answers:
    answered_share, answered_precision, safe_deflection, out_of_scope_answered, rouge_l (each value plus
    interval), the same per category (`by_category`; e.g. TechQA's not_in_text apart) and risk_coverage."""
    m = support_metrics(pairs)
    keys = ("answered_share", "answered_precision", "safe_deflection", "out_of_scope_answered", "rouge_l")
    out = {k: m[k] for k in keys}
    out["risk_coverage"] = m["risk_coverage"]
    out["by_category"] = m.get("groups", {})
    if "not_in_text" in out["by_category"]:
        out["not_in_text"] = out["by_category"]["not_in_text"]
    return out
