"""Drafts for every question through `assistant.Assistant`, scored with evals.answers.

The assistant is built by another part of the project; when it is not importable yet, answer
metrics are skipped with a note instead of failing the retrieval evaluation.

Calibration profile: a calibration fitted on several datasets keeps one intercept (base rate) per
dataset. When the dataset being evaluated is one of them and DEFLECT_CALIBRATION_PROFILE is not
set, its own intercept is used, as a deployment on that help center would configure it; the
profile used is reported with the metrics.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from evals.answers import MIN_SHARE, answer_metrics
from evals.datasets import Dataset

log = logging.getLogger(__name__)


def load_assistant_class() -> tuple[type | None, str]:
    """(Assistant class or None, note explaining a skip)."""
    try:
        import assistant

        if getattr(assistant, "__file__", None) is None and hasattr(assistant, "__path__"):
            # A stale editable install can load the package as a namespace (its __init__ unrun).
            from assistant.pipeline import Assistant
        else:
            from assistant import Assistant  # type: ignore[attr-defined]
    except ImportError as e:
        return None, f"answer metrics skipped: assistant.Assistant is not importable ({e})"
    return Assistant, ""


def answer_settings(ds: Dataset, settings):
    """The settings to answer `ds` with: the dataset's calibration profile unless one is configured."""
    if settings is None or getattr(settings, "calibration_profile", None):
        return settings
    from assistant.confidence import load_calibration

    if ds.name in load_calibration(settings).intercepts:
        return settings.model_copy(update={"calibration_profile": ds.name})
    return settings


def make_assistant(cls: type, services, settings=None):
    # Prefer an explicit factory when the assistant offers one; otherwise it takes the Services.
    factory = getattr(cls, "from_services", None)
    if not callable(factory):
        return cls(services)
    return factory(services, settings=settings) if settings is not None else factory(services)


def run_answers(ds: Dataset, services, cls: type, progress: Callable[[str, int, int], None] | None = None) -> dict:
    from assistant.models import Ticket

    settings = answer_settings(ds, getattr(services, "settings", None))
    assistant = make_assistant(cls, services, settings)
    pairs = []
    for i, q in enumerate(ds.queries, 1):
        pairs.append((q, assistant.answer(Ticket(body=q.text), None)))
        if progress:
            progress("answers", i, len(ds.queries))
    metrics = answer_metrics(pairs, min_share=getattr(settings, "support_min_share", MIN_SHARE))
    calibration = getattr(assistant, "calibration", None)
    if calibration is not None:
        metrics["calibration_version"] = calibration.version
        metrics["calibration_profile"] = settings.calibration_profile or calibration.profile
    return metrics
