"""Drafts for every question through `assistant.Assistant`, scored with evals.answers.

The assistant is built by another part of the project; when it is not importable yet, answer
metrics are skipped with a note instead of failing the retrieval evaluation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from evals.answers import answer_metrics
from evals.datasets import Dataset

log = logging.getLogger(__name__)


def load_assistant_class() -> tuple[type | None, str]:
    """(Assistant class or None, note explaining a skip)."""
    try:
        from assistant import Assistant  # type: ignore[attr-defined]
    except ImportError as e:
        return None, f"answer metrics skipped: assistant.Assistant is not importable ({e})"
    return Assistant, ""


def make_assistant(cls: type, services):
    # Prefer an explicit factory when the assistant offers one; otherwise it takes the Services.
    factory = getattr(cls, "from_services", None)
    return factory(services) if callable(factory) else cls(services)


def run_answers(ds: Dataset, services, cls: type, progress: Callable[[str, int, int], None] | None = None) -> dict:
    from assistant.models import Ticket

    assistant = make_assistant(cls, services)
    pairs = []
    for i, q in enumerate(ds.queries, 1):
        pairs.append((q, assistant.answer(Ticket(body=q.text), None)))
        if progress:
            progress("answers", i, len(ds.queries))
    return answer_metrics(pairs)
