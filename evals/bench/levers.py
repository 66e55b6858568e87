"""Retrieval levers, scored offline: every query's BM25 and dense score over every chunk of a
dataset's active index is computed once, then fusion and aggregation variants are re-ranked in
numpy and scored with the same metrics as `deflect eval`. This is how the README's "What each
lever did" rows that need no re-ingest were measured, and how to try a new idea in seconds.

    python -m evals.bench.levers --dataset emanual --dataset demo --dataset s10
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from evals.metrics import doc_ranking, mean_metrics, ranking_metrics
from retrieval.fusion import fuse

CANDIDATES = 50  # as settings.candidates: each retriever contributes its top 50 chunks


class _Chunk(NamedTuple):
    doc_id: str
    also_in: list[str]


@dataclass
class Scores:
    """Per-query score matrices (queries x chunks) and what maps chunks to documents."""

    bm25: np.ndarray
    dense: np.ndarray
    sentence: np.ndarray  # best single-sentence cosine per chunk (multi-vector max-sim)
    chunk_vectors: np.ndarray
    query_vectors: np.ndarray
    docs_of: list[list[str]]  # chunk -> its doc and the docs it also stands for
    qrels: dict[str, dict[str, int]]
    qids: list[str]


def _sentences(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"(?<=[.!?])\s+|\n+", text)]
    return [p for p in parts if len(p.split()) >= 3] or [text]


def compute_scores(name: str, settings) -> Scores:
    from evals.datasets import dataset_services, load_dataset
    from retrieval.bm25 import load_lexical_index
    from retrieval.indexer import bm25_dir

    ds = load_dataset(name, settings)
    svc = dataset_services(ds, settings)
    version = svc.catalog.active_version()
    chunks = list(svc.catalog.iter_chunks(version))
    ids = [c.chunk_id for c in chunks]
    got = svc.store.collection(version).get(ids=ids, include=["embeddings"])
    by_id = dict(zip(got["ids"], got["embeddings"], strict=True))
    vectors = np.vstack([np.asarray(by_id[i], dtype=np.float32) for i in ids])
    queries = [q for q in ds.queries if not q.out_of_scope and q.relevant]
    qvec = svc.embedder.embed([q.text for q in queries])
    lex, col = load_lexical_index(bm25_dir(svc.settings, version)), {c: i for i, c in enumerate(ids)}
    bm25 = np.zeros((len(queries), len(ids)), dtype=np.float32)
    for qi, q in enumerate(queries):
        for cid, s in lex.search(q.text, len(ids)):
            bm25[qi, col[cid]] = s
    owner, sents = [], []
    for i, c in enumerate(chunks):
        for s in _sentences(c.text):
            owner.append(i)
            sents.append(f"{c.title}: {s}" if c.title else s)
    sims = qvec @ svc.embedder.embed(sents).T
    sentence = np.full((len(queries), len(ids)), -1.0, dtype=np.float32)
    np.maximum.at(sentence.T, np.asarray(owner), sims.T)
    return Scores(bm25=bm25, dense=qvec @ vectors.T, sentence=sentence, chunk_vectors=vectors, query_vectors=qvec,
                  docs_of=[[c.doc_id, *c.also_in] for c in chunks], qrels={q.qid: q.qrels() for q in queries},
                  qids=[q.qid for q in queries])


def scaled_top(x: np.ndarray, n: int = CANDIDATES) -> np.ndarray:
    """Min-max scaled scores of the top-n entries, NaN elsewhere (not a candidate)."""
    top = np.argsort(-x, kind="stable")[:n]
    out = np.full(x.shape, np.nan)
    lo, hi = x[top].min(), x[top].max()
    out[top] = (x[top] - lo) / (hi - lo) if hi > lo else 1.0
    return out


def candidates(x: np.ndarray, n: int = CANDIDATES) -> list[tuple[int, float]]:
    """The top-n (chunk index, score) pairs, best first: what one retriever hands to fusion."""
    return [(int(i), float(x[i])) for i in np.argsort(-x, kind="stable")[:n]]


def fused(parts: dict[str, np.ndarray], weights: dict[str, float]) -> list[int]:
    """Chunk indices ranked by the shipped fusion (retrieval.fusion.fuse, min-max) of each part's top 50."""
    used = {k: w for k, w in weights.items() if w}
    return [f.id for f in fuse("minmax", {k: candidates(parts[k]) for k in used}, used)]


def doc_order(ranked: list[int], docs_of: list[list[str]], top: int = 20) -> list[str]:
    """Documents in order of their first chunk (evals.metrics.doc_ranking, as `deflect eval` ranks)."""
    return doc_ranking(_Chunk(d[0], d[1:]) for d in (docs_of[i] for i in ranked))[:top]


def doc_max_fusion(s: Scores, qi: int, weights: dict[str, float]) -> list[str]:
    """Fuse at document level: each retriever's document score is its best chunk's score."""
    total: dict[str, float] = {}
    for name, w in weights.items():
        scaled = scaled_top(getattr(s, name)[qi])
        best: dict[str, float] = {}
        for i in np.flatnonzero(~np.isnan(scaled)):
            for d in s.docs_of[i]:
                best[d] = max(best.get(d, 0.0), scaled[i])
        for d, v in best.items():
            total[d] = total.get(d, 0.0) + w * v
    return [d for d, _ in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))]


def prf_dense(s: Scores, qi: int, beta: float, k: int = 3) -> np.ndarray:
    """Rocchio pseudo-relevance feedback: move the query vector toward the top fused chunks."""
    top = fused({"bm25": s.bm25[qi], "dense": s.dense[qi]}, {"bm25": 1.0, "dense": 0.7})[:k]
    q = s.query_vectors[qi] + beta * s.chunk_vectors[top].mean(axis=0)
    return s.chunk_vectors @ (q / np.linalg.norm(q))


def adaptive_weights(s: Scores, qi: int, gamma: float = 1.0) -> dict[str, float]:
    """Query-adaptive weights: a retriever whose top hit stands out of its top 50 (z-score) gets
    more of the weight for this query; gamma 0 gives the shipped 1 : 0.7."""
    z = {}
    for name in ("bm25", "dense"):
        top = np.sort(getattr(s, name)[qi])[::-1][:CANDIDATES]
        z[name] = max((top[0] - top.mean()) / (top.std() + 1e-9), 1e-9)
    total = sum(z.values())
    return {n: base * 2 * (z[n] / total) ** gamma for n, base in (("bm25", 1.0), ("dense", 0.7))}


Variant = Callable[[Scores, int], list[str]]


def variants() -> dict[str, Variant]:
    def chunk_fusion(**w):
        return lambda s, qi: doc_order(fused({k: getattr(s, k)[qi] for k in w}, w), s.docs_of)

    return {
        "bm25": chunk_fusion(bm25=1.0),
        "dense": chunk_fusion(dense=1.0),
        "shipped: min-max, bm25 1 : dense 0.7": chunk_fusion(bm25=1.0, dense=0.7),
        "document-level max fusion": lambda s, qi: doc_max_fusion(s, qi, {"bm25": 1.0, "dense": 0.7}),
        "sentence max-sim instead of chunk vector": chunk_fusion(bm25=1.0, sentence=0.7),
        "chunk + sentence vectors (0.35 each)": chunk_fusion(bm25=1.0, dense=0.35, sentence=0.35),
        "query-adaptive weights (top-1 z-score)": lambda s, qi: doc_order(fused(
            {"bm25": s.bm25[qi], "dense": s.dense[qi]}, adaptive_weights(s, qi)), s.docs_of),
        "dense pseudo-relevance feedback (beta 0.6)": lambda s, qi: doc_order(fused(
            {"bm25": s.bm25[qi], "dense": prf_dense(s, qi, 0.6)}, {"bm25": 1.0, "dense": 0.7}), s.docs_of),
    }


def score(s: Scores, rankings: dict[str, list[str]]) -> dict[str, float]:
    return mean_metrics(ranking_metrics(s.qrels, rankings).values())


def oracle(s: Scores, per_variant: dict[str, dict[str, list[str]]]) -> float:
    """Hit@5 if every query could pick whichever variant ranks a relevant document highest."""
    hits = 0
    for q in s.qids:
        rel = s.qrels[q]
        hits += any(any(d in rel for d in r[q][:5]) for r in per_variant.values())
    return hits / len(s.qids)


def main(argv: list[str] | None = None) -> None:
    from deflectkit.app import quiet_runtime
    from deflectkit.core.config import load_settings

    quiet_runtime()
    ap = argparse.ArgumentParser(prog="python -m evals.bench.levers", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", action="append", help="Dataset name or beir:PATH (repeatable). Default: demo.")
    args = ap.parse_args(argv)
    settings = load_settings()
    for name in args.dataset or ["demo"]:
        s = compute_scores(name, settings)
        per_variant = {v: {q: fn(s, qi) for qi, q in enumerate(s.qids)} for v, fn in variants().items()}
        print(f"\n{name} ({len(s.qids)} queries)   Hit@5  nDCG@10")
        base = score(s, per_variant["shipped: min-max, bm25 1 : dense 0.7"])
        for v, rankings in per_variant.items():
            m = score(s, rankings)
            print(f"  {v:<44} {m['hit@5']:.3f}  {m['ndcg@10']:.3f}  ({m['ndcg@10'] / base['ndcg@10']:.3f}x shipped)")
        print(f"  {'oracle: best variant per query (Hit@5)':<44} {oracle(s, per_variant):.3f}")


if __name__ == "__main__":
    main()
