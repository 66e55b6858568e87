"""Search latency p50/p95 per mode at 10k and 100k chunks, query embedding included.

Scale corpora are synthetic: chunk texts of 60-180 words drawn (seeded) from a Zipf(1.1)
distribution over a 30k-word made-up vocabulary, and random unit vectors put straight into
the embedding cache so that the real publish path (Chroma insert, BM25 build) runs without
hours of embedding. Queries are 3-6 words sampled from random chunks and embedded for real.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np


def _corpus(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}x" for i in range(30_000)])
    ranks = rng.zipf(1.1, size=n * 180) % len(vocab)
    lengths = rng.integers(60, 181, size=n)
    out, pos = [], 0
    for ln in lengths:
        out.append(" ".join(vocab[ranks[pos : pos + ln]]))
        pos += ln
    return out


def build_scale_index(n: int, settings, embedder) -> tuple[object, list[str], float]:
    """A real index version of n synthetic chunks; returns (services, texts, build seconds)."""
    from deflectkit.app import Services
    from ingest.models import Chunk, IngestReport
    from ingest.pipeline import Staged
    from retrieval.indexer import publish

    svc = Services(settings)
    svc.__dict__["embedder"] = embedder
    texts = _corpus(n)
    chunks = [Chunk(chunk_id=f"c{i:07d}", doc_id=f"doc{i // 4:06d}", ordinal=i % 4, text=t,
                    title=f"Synthetic article {i // 4}", source=f"doc{i // 4:06d}.md") for i, t in enumerate(texts)]
    rng = np.random.default_rng(1)
    vecs = rng.normal(size=(n, embedder.dim or 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    cat = svc.catalog
    cat.cache_vectors(embedder.model_id, {c.text_hash: v for c, v in zip(chunks, vecs, strict=True)})
    run_id = uuid.uuid4().hex[:12]
    cat.start_run(run_id, ["synthetic"])
    cat.start_version(1, "bench", {}, run_id, embedder.model_id)
    cat.add_chunks(1, chunks)
    t = time.perf_counter()
    publish(Staged(run_id, IngestReport(run_id=run_id), 1, chunks, started=time.perf_counter()),
            settings, cat, svc.store, embedder)
    return svc, texts, time.perf_counter() - t


def _queries(texts: list[str], n: int, seed: int = 2) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for i in rng.integers(0, len(texts), size=n):
        words = texts[i].split()
        k = int(rng.integers(3, 7))
        start = int(rng.integers(0, max(1, len(words) - k)))
        out.append(" ".join(words[start : start + k]))
    return out


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    qs = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return round(qs[49], 2), round(qs[94], 2)


CHROMA_EF_SEARCH = 100  # Chroma's default HNSW search breadth


def _search_ms(svc, queries: list[str], mode: str) -> tuple[float, float]:
    for q in queries[:10]:  # warm caches (BM25 load, HNSW pages)
        svc.searcher.search(q, k=10, mode=mode)
    samples = []
    for q in queries:
        t = time.perf_counter()
        svc.searcher.search(q, k=10, mode=mode)
        samples.append((time.perf_counter() - t) * 1000)
    return percentiles(samples)


def bench_search(sizes: list[int], settings_factory, embedder, n_queries: int = 200) -> list[dict]:
    rows = []
    for n in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"deflect-bench-{n}-"))
        try:
            svc, texts, build_s = build_scale_index(n, settings_factory(data_dir=work / "data"), embedder)
            queries = _queries(texts, n_queries)
            for mode in ("bm25", "dense", "hybrid"):
                p50, p95 = _search_ms(svc, queries, mode)
                rows.append({"chunks": n, "mode": mode, "p50_ms": p50, "p95_ms": p95, "build_s": round(build_s, 1)})
            # The same chunks and queries at Chroma's default search breadth: the cost of repeatable candidates.
            # A second index: a loaded HNSW index keeps the breadth it was opened with, whatever `modify` says.
            ef = svc.settings.vector_ef_search
            if ef != CHROMA_EF_SEARCH:
                base, _, _ = build_scale_index(
                    n, settings_factory(data_dir=work / "data-ef", vector_ef_search=CHROMA_EF_SEARCH), embedder)
                for mode in ("dense", "hybrid"):
                    p50, p95 = _search_ms(base, queries, mode)
                    rows.append({"chunks": n, "mode": f"{mode} (ef_search {CHROMA_EF_SEARCH}, not {ef})",
                                 "p50_ms": p50, "p95_ms": p95, "build_s": None})
            samples = []
            for q in queries:
                t = time.perf_counter()
                embedder.embed([q])
                samples.append((time.perf_counter() - t) * 1000)
            p50, p95 = percentiles(samples)
            rows.append({"chunks": n, "mode": "query embedding only", "p50_ms": p50, "p95_ms": p95, "build_s": None})
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return rows
