"""Rows for fitting the confidence model: every labeled question of a dataset answered once.

Lives in evals, not assistant: the assistant knows how to fit (assistant.calibration), the evals know
the labeled datasets.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.calibration import Row, label_of
from deflectkit.core.config.providers import EXTRACTIVE
from evals.datasets import dataset_services, load_dataset


def collect(dataset: str, settings, progress: Callable[[str, int, int], None] | None = None) -> list[Row]:
    """Answer every question of an evals dataset with the extractive path; one Row per question."""
    ds = load_dataset(dataset, settings)
    svc = dataset_services(ds, settings, progress=progress)
    assistant = svc.assistant(EXTRACTIVE)
    rows = []
    for i, q in enumerate(ds.queries, 1):
        run = assistant.run(q.text, None, EXTRACTIVE)
        rows.append(Row(dataset, q.qid, run.features,
                        label_of(run.answer, q.relevant, q.out_of_scope, settings.support_min_share),
                        run.answer.confidence))
        if progress:
            progress(f"answers:{dataset}", i, len(ds.queries))
    return rows


def feedback_label(it) -> int | None:
    """What the agents' actions say about a recorded draft: 1 sent (as is or edited) or thumbed up,
    0 thumbed down, escalated by an agent or marked out of scope; None when nobody acted on it."""
    if it.redacted or it.answer is None:
        return None
    if it.thumbs == "down" or it.escalated or it.out_of_scope:
        return 0
    if it.sent or it.thumbs == "up":
        return 1
    return None


def collect_feedback(store, services, progress: Callable[[str, int, int], None] | None = None,
                     limit: int | None = None) -> list[Row]:
    """Rows from a deployment's own feedback: each labeled ticket answered again by the current
    pipeline (for today's features), kept only when the new draft cites what the agent judged
    (same first document) or the old draft was an escalation judged wrong, so the label still applies."""
    from feedback.models import FeedbackFilter

    items = [it for it in store.list_interactions(FeedbackFilter(limit=limit) if limit else None)
             if feedback_label(it) is not None]
    assistant = services.assistant(EXTRACTIVE)
    rows = []
    for i, it in enumerate(items, 1):
        label = feedback_label(it)
        run = assistant.run(it.ticket, None, EXTRACTIVE)
        old_first = it.answer.citations[0].doc_id if it.answer.citations else None
        new_first = run.answer.citations[0].doc_id if run.answer.citations else None
        if old_first == new_first or (label == 0 and old_first is None):
            rows.append(Row("feedback", it.request_id, run.features, label, run.answer.confidence))
        if progress:
            progress("answers:feedback", i, len(items))
    return rows
