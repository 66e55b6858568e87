"""Run a retrieval evaluation: every in-scope query through the real searcher, ranked at
document level, scored with ranx, aggregated overall and per category."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

from deflectkit.app import Services
from evals.datasets import REPO, Dataset
from evals.metrics import (
    CHUNK_METRICS,
    answer_chunks,
    doc_ranking,
    first_relevant_rank,
    mean_metrics,
    ranking_metrics,
)
from evals.models import EvalRun, QueryResult
from evals.provenance import config_dump, config_hash, git_commit, new_run_id, now_iso
from evals.query_vectors import eval_searcher

Progress = Callable[[str, int, int], None]
TOP = 10
MAX_FETCH_FACTOR = 4  # re-fetch up to 4x eval_fetch_k chunks when duplicates crowd out documents


def _search(searcher, text: str, mode: str, fetch_k: int):
    k = fetch_k
    while True:
        hits = searcher.search(text, k=k, mode=mode)
        docs = doc_ranking(hits)
        if len(docs) >= TOP or len(hits) < k or k >= fetch_k * MAX_FETCH_FACTOR:
            return hits, docs
        k *= 2


def chunks_by_doc(svc: Services, version: int) -> dict[str, list[tuple[str, str]]]:
    """doc id -> (chunk id, text) of the indexed chunks standing for it (own and via also_in)."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for c in svc.catalog.iter_chunks(version):
        for d in (c.doc_id, *c.also_in):
            out[d].append((c.chunk_id, c.text))
    return out


def aggregate(results: list[QueryResult]) -> tuple[dict, dict, dict, int]:
    """(overall metrics, per-category metrics with n_queries, chunk metrics, chunk-labeled query count)."""
    scored = [r for r in results if r.metrics]
    by_cat: dict[str, list[QueryResult]] = defaultdict(list)
    for r in scored:
        by_cat[r.category].append(r)
    per_category = {c: {**mean_metrics(r.metrics for r in rs), "n_queries": len(rs)} for c, rs in sorted(by_cat.items())}
    chunked = [r.chunk_metrics for r in scored if r.chunk_metrics]
    return mean_metrics(r.metrics for r in scored), per_category, mean_metrics(chunked), len(chunked)


def run_retrieval_eval(ds: Dataset, svc: Services, mode: str, fetch_k: int = 50, group_id: str | None = None,
                       progress: Progress | None = None, searcher=None) -> EvalRun:
    """Score `mode` over the dataset's in-scope queries. Pass one `eval_searcher` to several runs
    so the query vectors are computed once."""
    started = time.perf_counter()
    queries = [q for q in ds.queries if not q.out_of_scope and q.relevant]
    searcher = searcher or eval_searcher(svc, [q.text for q in queries])
    version = searcher.version()
    by_doc = chunks_by_doc(svc, version) if any(q.answer for q in queries) else {}
    results: list[QueryResult] = []
    doc_rankings, chunk_rankings, chunk_qrels = {}, {}, {}
    for i, q in enumerate(queries, 1):
        t0 = time.perf_counter()
        hits, docs = _search(searcher, q.text, mode, fetch_k)
        doc_rankings[q.qid] = docs
        chunk_rankings[q.qid] = [h.chunk_id for h in hits]
        labels = answer_chunks(q.answer, q.relevant, by_doc) if q.answer else set()
        if labels:
            chunk_qrels[q.qid] = dict.fromkeys(labels, 1)
        results.append(QueryResult(
            qid=q.qid, question=q.text, category=q.category, relevant=q.relevant, ranked=docs[:TOP],
            first_relevant_rank=first_relevant_rank(docs, q.relevant), seconds=round(time.perf_counter() - t0, 4)))
        if progress:
            progress(f"queries ({mode})", i, len(queries))
    per_doc = ranking_metrics({q.qid: q.qrels() for q in queries}, doc_rankings)
    per_chunk = ranking_metrics(chunk_qrels, chunk_rankings, CHUNK_METRICS)
    for r in results:
        r.metrics, r.chunk_metrics = per_doc.get(r.qid, {}), per_chunk.get(r.qid, {})
    # Out-of-scope questions stay in the record (for answer metrics) but out of retrieval metrics.
    results += [QueryResult(qid=q.qid, question=q.text, category=q.category, out_of_scope=q.out_of_scope,
                            relevant=q.relevant) for q in ds.queries if q.out_of_scope or not q.relevant]
    overall, per_category, chunk, n_chunk = aggregate(results)
    config = config_dump(getattr(searcher, "settings", svc.settings))  # what this search actually used
    row = svc.catalog.version(version) or {}
    return EvalRun(
        run_id=new_run_id(mode), created_at=now_iso(), dataset=ds.name, mode=mode,
        n_queries=sum(1 for r in results if r.metrics), metrics=overall, per_category=per_category,
        chunk_metrics=chunk, n_chunk_queries=n_chunk, index_version=version,
        config_hash=config_hash(config, mode), config=config,
        model_ids={"embedding": row.get("embedding_model") or svc.embedder.model_id},
        git_commit=git_commit(REPO), group_id=group_id, seconds=round(time.perf_counter() - started, 3),
        queries=results,
    )
