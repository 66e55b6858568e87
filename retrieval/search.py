"""Hybrid search over the active index version: BM25 + dense, fused (min-max CombSUM by default).

The active version is read on every call (one indexed SQLite read), so a query that runs
while a new version is being built is served from the old one, and the switch is seen on
the next call without a restart.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

from ingest.catalog import Catalog
from retrieval.bm25 import LexicalIndex, load_lexical_index
from retrieval.embedder import Embedder
from retrieval.errors import NoActiveIndex, RetrievalError
from retrieval.fusion import fuse
from retrieval.indexer import bm25_dir
from retrieval.models import Filters, Hit, Scores, SearchMode
from retrieval.vector import VectorStore


@dataclass(frozen=True)
class SearchConfig:
    """What search needs from Settings, and nothing else."""

    data_dir: Path
    indexes_path: Path
    top_k: int = 5
    search_mode: SearchMode = "hybrid"
    candidates: int = 50
    fusion_method: str = "minmax"
    rrf_k: int = 60
    weight_bm25: float = 1.0
    weight_dense: float = 0.7

    @classmethod
    def from_settings(cls, s) -> SearchConfig:
        return cls(data_dir=s.data_dir, indexes_path=s.indexes_path, top_k=s.top_k, search_mode=s.search_mode,
                   candidates=s.candidates, fusion_method=s.fusion_method, rrf_k=s.rrf_k,
                   weight_bm25=s.weight_bm25, weight_dense=s.weight_dense)


class HybridSearcher:
    def __init__(self, config: SearchConfig, catalog: Catalog, store: VectorStore, embedder: Embedder,
                 pinned_version: int | None = None):
        """`pinned_version` searches that index version instead of the active one (a release that names it)."""
        self.config, self.catalog, self.store, self.embedder = config, catalog, store, embedder
        self.pinned_version = pinned_version
        self._lex: dict[int, LexicalIndex] = {}
        self._lock = threading.Lock()

    def version(self) -> int:
        if self.pinned_version is not None:
            row = self.catalog.version(self.pinned_version)
            if row is None or row["status"] != "ready":
                raise RetrievalError(f"Index version {self.pinned_version}, which this release searches, is no longer "
                                     "ready (pruned by keep_versions?): make another release live.")
            return self.pinned_version
        v = self.catalog.active_version()
        if v is None:
            raise NoActiveIndex(str(self.config.data_dir))
        return v

    def _lexical(self, version: int) -> LexicalIndex:
        with self._lock:
            if version not in self._lex:
                folder = bm25_dir(self.config, version)
                if not folder.exists():
                    raise RetrievalError(f"BM25 files for index version {version} are missing at {folder}; re-run `deflect ingest`.")
                self._lex = {version: load_lexical_index(folder)}  # one version in memory at a time
            return self._lex[version]

    def allowed_ids(self, version: int, filters: Filters | None) -> list[str] | None:
        if filters is None or filters.is_empty():
            return None
        sql, args = ["SELECT chunk_id, labels FROM chunks WHERE version = ? AND duplicate_of IS NULL"], [version]
        if filters.locale:
            sql.append("AND lower(locale) = lower(?)")
            args.append(filters.locale)
        if filters.sources:
            sql.append("AND (" + " OR ".join("source LIKE ?" for _ in filters.sources) + ")")
            args += [s + "%" for s in filters.sources]
        for s in filters.exclude_sources:
            sql.append("AND source NOT LIKE ?")
            args.append(s + "%")
        need = set(filters.labels)
        rows = self.catalog.db.execute(" ".join(sql), args).fetchall()
        return sorted(cid for cid, labels in rows if need <= set(json.loads(labels or "[]")))

    def search(self, query: str, k: int | None = None, mode: SearchMode | None = None,
               filters: Filters | None = None) -> list[Hit]:
        query = (query or "").strip()
        if not query:
            raise RetrievalError("The query is empty: type a question or paste a ticket.")
        k = k or self.config.top_k
        mode = mode or self.config.search_mode
        version = self.version()
        allowed = self.allowed_ids(version, filters)
        n = max(self.config.candidates, k)
        bm25: list[tuple[str, float]] = []
        dense: list[tuple[str, float]] = []
        if mode in ("hybrid", "bm25"):
            bm25 = self._lexical(version).search(query, n, set(allowed) if allowed is not None else None)
        if mode in ("hybrid", "dense"):
            vec = self.embedder.embed([query])[0]
            dense = self.store.query(version, vec, n, ids=allowed)
        if mode == "bm25":
            ranked = bm25
        elif mode == "dense":
            ranked = dense
        else:
            ranked = fuse(
                self.config.fusion_method, {"bm25": bm25, "dense": dense},
                {"bm25": self.config.weight_bm25, "dense": self.config.weight_dense},
                k=self.config.rrf_k,
            )
        top = ranked[:k]
        return self._hits(version, top, bm25, dense)

    def _hits(self, version, top, bm25, dense) -> list[Hit]:
        b = {c: (s, i) for i, (c, s) in enumerate(bm25, 1)}
        d = {c: (s, i) for i, (c, s) in enumerate(dense, 1)}
        chunks = self.catalog.get_chunks(version, [c for c, _ in top])
        hits = []
        for rank, (cid, score) in enumerate(top, 1):
            c = chunks.get(cid)
            if c is None:
                continue
            hits.append(Hit(
                rank=rank, chunk_id=cid, doc_id=c.doc_id, title=c.title, heading_path=c.heading_path,
                text=c.text, url=c.url, source=c.source, locale=c.locale, labels=c.labels,
                updated_at=c.updated_at, also_in=c.also_in, score=float(score), index_version=version,
                scores=Scores(fused=float(score), bm25=b.get(cid, (None,))[0], dense=d.get(cid, (None,))[0],
                              bm25_rank=b.get(cid, (None, None))[1], dense_rank=d.get(cid, (None, None))[1]),
            ))
        return hits
