"""Publish a staged ingest as a new index version: embed what is not cached, write the
version's Chroma folder and BM25 files beside the active ones, then switch atomically.

A crash anywhere before `set_active` leaves the served version untouched; the next run
discards the half-built version and re-uses every embedding already cached.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import numpy as np

from ingest.catalog import Catalog
from ingest.models import Chunk, IngestReport
from ingest.pipeline import Progress, Staged, _no_progress, stage
from retrieval.bm25 import make_lexical_index
from retrieval.embedder import Embedder
from retrieval.errors import VersionNotFound
from retrieval.vector import VectorStore

log = logging.getLogger(__name__)


def bm25_dir(settings, version: int) -> Path:
    return settings.indexes_path / f"v{version}" / "bm25"


def chunk_metadata(c: Chunk) -> dict:
    return {"doc_id": c.doc_id, "source": c.source, "locale": c.locale or ""}


def embed_missing(chunks: list[Chunk], embedder: Embedder, catalog: Catalog, batch: int,
                  progress: Progress = _no_progress) -> tuple[np.ndarray, int]:
    """Vectors for chunks in order; only texts absent from the cache are embedded (and cached per batch)."""
    hashes = [c.text_hash for c in chunks]
    cached = catalog.cached_vectors(embedder.model_id, sorted(set(hashes)))
    todo: dict[str, str] = {}
    for c, h in zip(chunks, hashes, strict=True):
        if h not in cached and h not in todo:
            todo[h] = c.embed_text
    items = list(todo.items())
    # Length-sorted batches pad less: a real speed-up on CPU for mixed-length chunks.
    items.sort(key=lambda kv: len(kv[1]))
    done = 0
    progress("embed", 0, len(items))
    for i in range(0, len(items), batch):
        part = items[i : i + batch]
        vecs = embedder.embed([t for _, t in part])
        fresh = {h: v for (h, _), v in zip(part, vecs, strict=True)}
        catalog.cache_vectors(embedder.model_id, fresh)
        cached.update(fresh)
        done += len(part)
        progress("embed", done, len(items))
    if not chunks:
        return np.zeros((0, 384), np.float32), 0
    return np.vstack([cached[h] for h in hashes]).astype(np.float32), len(items)


def publish(staged: Staged, settings, catalog: Catalog, store: VectorStore, embedder: Embedder,
            progress: Progress = _no_progress, pinned: frozenset[int] = frozenset()) -> IngestReport:
    """Embed, index and activate the staged version, then prune old ones (never one in `pinned`)."""
    report = staged.report
    version = staged.version
    assert version is not None
    chunks = staged.chunks
    vectors, report.embedded = embed_missing(chunks, embedder, catalog, settings.embedding_batch_size, progress)

    progress("vectors", 0, len(chunks))
    col = store.create(version)
    ids = [c.chunk_id for c in chunks]
    store.add(version, ids, vectors, [chunk_metadata(c) for c in chunks], col=col)
    progress("vectors", len(chunks), len(chunks))

    progress("bm25", 0, 1)
    lex = make_lexical_index(settings.bm25_backend)
    lex.build(ids, [c.embed_text for c in chunks])
    folder = bm25_dir(settings, version)
    shutil.rmtree(folder, ignore_errors=True)
    lex.save(folder)
    progress("bm25", 1, 1)

    n_docs = len(catalog.documents(version))
    catalog.finish_version(version, n_docs=n_docs, n_chunks=len(chunks))
    catalog.set_active(version)
    prune(settings, catalog, store, pinned)
    report.index_version = version
    report.new_version = True
    report.seconds = round(time.perf_counter() - staged.started, 3)
    catalog.finish_run(staged.run_id, "ok", report.model_dump())
    return report


def run_ingest(paths: list[Path], settings, catalog: Catalog, store: VectorStore, embedder: Embedder,
               progress: Progress = _no_progress, redactor=None, pinned: frozenset[int] = frozenset()) -> IngestReport:
    """Stage and publish in one call: what `deflect ingest` and the admin page run. `pinned`: index
    versions a release searches, kept whatever `keep_versions` says."""
    staged = stage(paths, settings, catalog, embedder.model_id, redactor=redactor, progress=progress)
    if staged.version is None:
        return staged.report
    try:
        return publish(staged, settings, catalog, store, embedder, progress, pinned)
    except BaseException:
        # The active version is still served; mark this one failed so the next run starts clean.
        catalog.mark_version(staged.version, "failed")
        catalog.finish_run(staged.run_id, "failed", staged.report.model_dump())
        raise


def activate(settings, catalog: Catalog, version: int) -> None:
    row = catalog.version(version)
    if row is None or row["status"] not in ("ready",):
        ready = [v["version"] for v in catalog.versions() if v["status"] == "ready"]
        raise VersionNotFound(f"Index version {version} is not available to activate; ready versions: {ready or 'none'}.")
    catalog.set_active(version)


def rollback_target(catalog: Catalog) -> int | None:
    """The version a rollback activates: the newest ready one older than the active one (None: there is none)."""
    active = catalog.active_version()
    older = [v["version"] for v in catalog.versions() if v["status"] == "ready" and (active is None or v["version"] < active)]
    return older[-1] if older else None


def rollback(settings, catalog: Catalog) -> int:
    """Activate the newest ready version older than the active one."""
    target = rollback_target(catalog)
    if target is None:
        raise VersionNotFound("There is no older ready index version to roll back to.")
    catalog.set_active(target)
    return target


def prune(settings, catalog: Catalog, store: VectorStore, pinned: frozenset[int] = frozenset()) -> list[int]:
    """Keep the active version, the newest `keep_versions` ready ones and those in `pinned` (searched by a
    live, shadow or canary release: dropping one would break every ticket that release answers); drop
    the rest's files and rows."""
    active = catalog.active_version()
    ready = [v["version"] for v in catalog.versions() if v["status"] == "ready"]
    keep = set(ready[-settings.keep_versions :]) | ({active} if active is not None else set()) | set(pinned)
    dropped = []
    for v in catalog.versions():
        n = v["version"]
        if n in keep or v["status"] == "deleted":
            continue
        if v["status"] == "building":
            continue  # may be another run's build in progress; the ingest lock guards it
        store.drop(n)
        shutil.rmtree(settings.indexes_path / f"v{n}", ignore_errors=True)
        catalog.purge_version_rows(n)
        catalog.mark_version(n, "deleted")
        dropped.append(n)
    return dropped
