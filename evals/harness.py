"""One evaluation session: load a dataset, ingest it (incrementally) into its own data dir, run
each retrieval mode over the same index, optionally score drafts, and record every run."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from deflectkit.core.config.evals import eval_options
from evals.datasets import dataset_services, load_dataset
from evals.models import EvalRun
from evals.query_vectors import eval_searcher
from evals.runner import run_retrieval_eval
from evals.store import EvalStore

Progress = Callable[[str, int, int], None]
MODES = ("bm25", "dense", "hybrid")


def evaluate(spec: str, settings, modes: Sequence[str], answers: bool = False,
             progress: Progress | None = None, store: EvalStore | None = None) -> list[EvalRun]:
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise ValueError(f"modes must be among {', '.join(MODES)}, got {list(modes)}")
    opts = eval_options(settings)
    ds = load_dataset(spec, settings)
    svc = dataset_services(ds, settings, progress)
    store = store or EvalStore(settings.data_dir)
    group = uuid.uuid4().hex[:12] if len(modes) > 1 else None
    searcher = eval_searcher(svc, [q.text for q in ds.queries])  # query vectors shared by dense and hybrid
    runs = [run_retrieval_eval(ds, svc, m, opts.eval_fetch_k, group, progress, searcher) for m in modes]
    if answers:
        _attach_answers(ds, svc, runs, progress)
    for r in runs:
        store.save(r)
    return runs


def _attach_answers(ds, svc, runs: list[EvalRun], progress: Progress | None) -> None:
    from evals.answer_run import run_answers

    # The assistant retrieves with the configured search mode; its scores belong to that run.
    mode = svc.settings.search_mode
    target = next((r for r in runs if r.mode == mode), runs[-1])
    target.answers = run_answers(ds, svc, progress)
    target.notes.append(f"answers drafted with search_mode={mode}")
    if svc.settings.search_mode != target.mode:
        target.notes.append(f"answer metrics used search_mode={mode}, not {target.mode}")
