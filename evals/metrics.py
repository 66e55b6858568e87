"""Retrieval metrics at document and chunk level, computed with ranx.

Search returns chunks; users are served documents. A chunk counts for its own document and for
every document in `also_in` (a de-duplicated chunk stands for each document that carried it), and
the document ranking is the order of first occurrence.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

METRICS = {  # our name -> ranx name
    "hit@1": "hit_rate@1", "hit@5": "hit_rate@5", "hit@10": "hit_rate@10",
    "recall@5": "recall@5", "recall@10": "recall@10", "mrr@10": "mrr@10", "ndcg@10": "ndcg@10",
}
CHUNK_METRICS = {"chunk_hit@1": "hit_rate@1", "chunk_hit@5": "hit_rate@5", "chunk_mrr@10": "mrr@10"}


class HitLike(Protocol):
    chunk_id: str
    doc_id: str
    also_in: list[str]


def doc_ranking(hits: Iterable[HitLike]) -> list[str]:
    """Distinct document ids in order of first occurrence (a hit's own doc first, then its also_in)."""
    seen: dict[str, None] = {}
    for h in hits:
        for d in (h.doc_id, *h.also_in):
            seen.setdefault(d, None)
    return list(seen)


def first_relevant_rank(ranking: Sequence[str], relevant: Iterable[str]) -> int | None:
    """1-based rank of the first relevant id, None when none was retrieved."""
    rel = set(relevant)
    return next((i for i, d in enumerate(ranking, 1) if d in rel), None)


def ranking_metrics(qrels: Mapping[str, Mapping[str, int]], rankings: Mapping[str, Sequence[str]],
                    metrics: Mapping[str, str] = METRICS) -> dict[str, dict[str, float]]:
    """Per-query metrics: {qid: {metric: value}} for every qid in `qrels` with a relevant item.

    `qrels` maps qid -> {id: grade > 0} (graded grades feed nDCG); `rankings` maps qid -> ids best
    first. A qid missing from `rankings` retrieved nothing and scores 0.
    """
    from ranx import evaluate

    judged = {q: {d: int(g) for d, g in rels.items() if g > 0} for q, rels in qrels.items()}
    judged = {q: rels for q, rels in judged.items() if rels}
    if not judged:
        return {}
    # Plain dicts, not ranx's Run/Qrels: those recompile numba code in every process (~30 s).
    # ranx pairs queries by position, so the run is built in the qrels' order.
    run: dict[str, dict[str, float]] = {}
    for q in judged:
        ids = list(dict.fromkeys(rankings.get(q, [])))
        # Strictly decreasing scores pin ranx to our order; a placeholder keeps empty results valid.
        run[q] = {d: float(len(ids) - i) for i, d in enumerate(ids)} or {"\x00none": 0.0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba type-safety chatter about uint64 casts
        scores = evaluate(judged, run, list(metrics.values()), return_mean=False, save_results_in_run=False)
    if len(metrics) == 1:
        scores = {next(iter(metrics.values())): scores}
    return {q: {ours: float(scores[theirs][i]) for ours, theirs in metrics.items()} for i, q in enumerate(judged)}


def mean_metrics(per_query: Iterable[Mapping[str, float]]) -> dict[str, float]:
    rows = list(per_query)
    if not rows:
        return {}
    keys = [k for k in rows[0] if all(k in r for r in rows)]
    return {k: sum(r[k] for r in rows) / len(rows) for k in keys}


def word_types(text: str) -> set[str]:
    import re

    return set(re.findall(r"[a-z0-9]+", text.lower()))


def answer_coverage(answer: str, passage: str) -> float:
    """Share of the reference answer's word types found in a passage (0-1)."""
    want = word_types(answer)
    return len(want & word_types(passage)) / len(want) if want else 0.0


def answer_chunks(answer: str, relevant: Iterable[str], chunks_by_doc: Mapping[str, Sequence[tuple[str, str]]],
                  min_coverage: float = 0.5, min_words: int = 4) -> set[str]:
    """Chunk-level labels where the data allows: chunks of a relevant doc holding at least
    `min_coverage` of a reference answer's word types. Empty for short answers (Yes/No)."""
    if len(word_types(answer)) < min_words:
        return set()
    out = set()
    for d in relevant:
        out |= {cid for cid, text in chunks_by_doc.get(d, ()) if answer_coverage(answer, text) >= min_coverage}
    return out
