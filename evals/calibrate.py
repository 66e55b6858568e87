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
