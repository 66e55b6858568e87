"""SQLite catalog (sqlite-utils): documents and chunks per index version, the embedding cache,
index versions, ingest runs. One small repository API that the pipeline, CLI and UI share.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import sqlite_utils

from deflectkit.core.migrations import run_migrations
from ingest.models import Chunk, Document, SourceFlag


def m001_create_tables(db: sqlite_utils.Database) -> None:
    db["documents"].create(
        {"version": int, "doc_id": str, "root": str, "source": str, "format": str, "title": str,
         "url": str, "locale": str, "labels": str, "updated_at": str, "content_hash": str,
         "redactions": str, "n_chunks": int},
        pk=("version", "doc_id"),
    )
    db["chunks"].create(
        {"version": int, "chunk_id": str, "doc_id": str, "ordinal": int, "text": str, "title": str,
         "heading_path": str, "source": str, "url": str, "locale": str, "labels": str,
         "updated_at": str, "also_in": str, "duplicate_of": str, "text_hash": str},
        pk=("version", "chunk_id"),
    )
    db["chunks"].create_index(["version", "doc_id"])
    db["embeddings"].create({"text_hash": str, "model_id": str, "vector": bytes}, pk=("text_hash", "model_id"))
    db["index_versions"].create(
        {"version": int, "created_at": float, "finished_at": float, "status": str, "config_hash": str,
         "config": str, "n_docs": int, "n_chunks": int, "run_id": str, "embedding_model": str, "note": str},
        pk="version",
    )
    db["ingest_runs"].create(
        {"run_id": str, "started_at": float, "finished_at": float, "status": str, "roots": str, "report": str},
        pk="run_id",
    )
    db["state"].create({"key": str, "value": str}, pk="key")


def m002_document_flags(db: sqlite_utils.Database) -> None:
    db["documents"].add_column("flags", str)  # JSON list of SourceFlag, set at ingest by screening


MIGRATIONS = [m001_create_tables, m002_document_flags]


class Catalog:
    """Thread-safe: each thread gets its own SQLite connection (Streamlit reruns run in new threads)."""

    def __init__(self, path: Path | str):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self._shared: sqlite_utils.Database | None = None
        self._migrate()

    @classmethod
    def in_memory(cls) -> Catalog:
        obj = cls.__new__(cls)
        obj.path = None
        obj._local = threading.local()
        obj._shared = sqlite_utils.Database(memory=True)
        obj._migrate()
        return obj

    @property
    def db(self) -> sqlite_utils.Database:
        if self._shared is not None:
            return self._shared
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite_utils.Database(self.path)
            db.enable_wal()
            db.execute("PRAGMA busy_timeout = 10000")
        return db

    def _migrate(self) -> None:
        run_migrations(self.db, MIGRATIONS)

    # --- state -------------------------------------------------------------------------------
    def active_version(self) -> int | None:
        row = self.db.execute("SELECT value FROM state WHERE key = 'active_version'").fetchone()
        return int(row[0]) if row else None

    def set_active(self, version: int) -> None:
        with self.db.conn:  # one transaction: readers see the old or the new version, never half
            self.db["state"].upsert({"key": "active_version", "value": str(version)}, pk="key")

    # --- versions ----------------------------------------------------------------------------
    def versions(self) -> list[dict]:
        return list(self.db.query("SELECT * FROM index_versions ORDER BY version"))

    def version(self, version: int) -> dict | None:
        rows = list(self.db.query("SELECT * FROM index_versions WHERE version = ?", [version]))
        return rows[0] if rows else None

    def next_version(self) -> int:
        row = self.db.execute("SELECT MAX(version) FROM index_versions").fetchone()
        return (row[0] or 0) + 1

    def start_version(self, version: int, config_hash: str, config: dict, run_id: str, model_id: str) -> None:
        with self.db.conn:
            self.db["index_versions"].insert(
                {"version": version, "created_at": time.time(), "status": "building", "config_hash": config_hash,
                 "config": json.dumps(config, sort_keys=True), "run_id": run_id, "embedding_model": model_id},
            )

    def finish_version(self, version: int, n_docs: int, n_chunks: int) -> None:
        with self.db.conn:
            self.db["index_versions"].update(
                version, {"status": "ready", "finished_at": time.time(), "n_docs": n_docs, "n_chunks": n_chunks}
            )

    def mark_version(self, version: int, status: str) -> None:
        with self.db.conn:
            self.db["index_versions"].update(version, {"status": status})

    def purge_version_rows(self, version: int) -> None:
        with self.db.conn:
            self.db.execute("DELETE FROM chunks WHERE version = ?", [version])
            self.db.execute("DELETE FROM documents WHERE version = ?", [version])

    # --- documents and chunks ----------------------------------------------------------------
    def doc_hashes(self, version: int | None) -> dict[str, tuple[str, str]]:
        """doc_id -> (root, content_hash) for a version."""
        if version is None:
            return {}
        rows = self.db.execute("SELECT doc_id, root, content_hash FROM documents WHERE version = ?", [version])
        return {r[0]: (r[1], r[2]) for r in rows.fetchall()}

    def add_documents(self, version: int, docs: Iterable[tuple[str, Document, str, int]]) -> None:
        """(root, redacted document, pre-redaction content hash, chunk count) rows."""
        rows = [
            {"version": version, "doc_id": d.doc_id, "root": root, "source": d.source, "format": d.format,
             "title": d.title, "url": d.url, "locale": d.locale, "labels": json.dumps(d.labels),
             "updated_at": d.updated_at, "content_hash": h,
             "redactions": json.dumps(d.redactions, sort_keys=True), "n_chunks": n,
             "flags": json.dumps([f.model_dump() for f in d.flags])}
            for root, d, h, n in docs
        ]
        with self.db.conn:
            self.db["documents"].insert_all(rows, batch_size=500)

    def copy_documents(self, src: int, dst: int, doc_ids: list[str]) -> None:
        """Carry unchanged documents and their chunks into a new version without re-processing them."""
        with self.db.conn:
            for i in range(0, len(doc_ids), 500):
                part = doc_ids[i : i + 500]
                marks = ",".join("?" * len(part))
                cols = [c.name for c in self.db["documents"].columns if c.name != "version"]
                self.db.execute(
                    f"INSERT INTO documents (version, {', '.join(cols)}) SELECT ?, {', '.join(cols)} "
                    f"FROM documents WHERE version = ? AND doc_id IN ({marks})", [dst, src, *part])

    def set_roots(self, version: int, roots: dict[str, str]) -> None:
        """Record where carried-over documents were found this time (a knowledge base may move)."""
        with self.db.conn:
            self.db.conn.executemany(
                "UPDATE documents SET root = ? WHERE version = ? AND doc_id = ?",
                [(root, version, doc_id) for doc_id, root in roots.items()],
            )

    def add_chunks(self, version: int, chunks: Iterable[Chunk]) -> None:
        rows = [_chunk_row(version, c) for c in chunks]
        with self.db.conn:
            self.db["chunks"].insert_all(rows, batch_size=500)

    def chunks_of_docs(self, version: int, doc_ids: list[str]) -> list[Chunk]:
        out: list[Chunk] = []
        for i in range(0, len(doc_ids), 500):
            part = doc_ids[i : i + 500]
            marks = ",".join("?" * len(part))
            out += [_row_chunk(r) for r in self.db.query(
                f"SELECT * FROM chunks WHERE version = ? AND doc_id IN ({marks})", [version, *part])]
        return out

    def iter_chunks(self, version: int, kept_only: bool = True) -> Iterator[Chunk]:
        """Chunks in stable order; by default only those indexed (not folded into a duplicate)."""
        where = " AND duplicate_of IS NULL" if kept_only else ""
        for r in self.db.query(
            f"SELECT * FROM chunks WHERE version = ?{where} ORDER BY doc_id, ordinal", [version]
        ):
            yield _row_chunk(r)

    def get_chunks(self, version: int, chunk_ids: list[str]) -> dict[str, Chunk]:
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self.db.query(f"SELECT * FROM chunks WHERE version = ? AND chunk_id IN ({marks})",
                             [version, *chunk_ids])
        return {r["chunk_id"]: _row_chunk(r) for r in rows}

    def documents(self, version: int) -> list[dict]:
        return list(self.db.query("SELECT * FROM documents WHERE version = ? ORDER BY doc_id", [version]))

    def flagged(self, version: int) -> list[SourceFlag]:
        """What screening found in a version's documents, by doc id."""
        rows = self.db.query("SELECT flags FROM documents WHERE version = ? AND flags NOT IN ('', '[]') "
                             "ORDER BY doc_id", [version])
        return [SourceFlag(**f) for r in rows for f in json.loads(r["flags"])]

    # --- embedding cache ---------------------------------------------------------------------
    def cached_vectors(self, model_id: str, text_hashes: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(text_hashes), 500):
            part = text_hashes[i : i + 500]
            marks = ",".join("?" * len(part))
            for h, blob in self.db.execute(
                f"SELECT text_hash, vector FROM embeddings WHERE model_id = ? AND text_hash IN ({marks})",
                [model_id, *part],
            ).fetchall():
                out[h] = np.frombuffer(blob, dtype=np.float32)
        return out

    def cache_vectors(self, model_id: str, items: dict[str, np.ndarray]) -> None:
        with self.db.conn:  # committed per batch, so a crash keeps what was already embedded
            self.db["embeddings"].insert_all(
                ({"text_hash": h, "model_id": model_id, "vector": v.astype(np.float32).tobytes()}
                 for h, v in items.items()),
                replace=True, batch_size=500,
            )

    # --- runs ---------------------------------------------------------------------------------
    def start_run(self, run_id: str, roots: list[str]) -> None:
        with self.db.conn:
            self.db["ingest_runs"].insert(
                {"run_id": run_id, "started_at": time.time(), "status": "running", "roots": json.dumps(roots)})

    def finish_run(self, run_id: str, status: str, report: dict) -> None:
        with self.db.conn:
            self.db["ingest_runs"].update(
                run_id, {"finished_at": time.time(), "status": status, "report": json.dumps(report)})

    def runs(self, limit: int = 20) -> list[dict]:
        return list(self.db.query("SELECT * FROM ingest_runs ORDER BY started_at DESC LIMIT ?", [limit]))


def _chunk_row(version: int, c: Chunk) -> dict:
    return {
        "version": version, "chunk_id": c.chunk_id, "doc_id": c.doc_id, "ordinal": c.ordinal, "text": c.text,
        "title": c.title, "heading_path": json.dumps(c.heading_path), "source": c.source, "url": c.url,
        "locale": c.locale, "labels": json.dumps(c.labels), "updated_at": c.updated_at,
        "also_in": json.dumps(c.also_in), "duplicate_of": c.duplicate_of, "text_hash": c.text_hash,
    }


def _row_chunk(r: dict) -> Chunk:
    return Chunk(
        chunk_id=r["chunk_id"], doc_id=r["doc_id"], ordinal=r["ordinal"], text=r["text"], title=r["title"] or "",
        heading_path=json.loads(r["heading_path"] or "[]"), source=r["source"], url=r["url"],
        locale=r["locale"], labels=json.loads(r["labels"] or "[]"), updated_at=r["updated_at"],
        also_in=json.loads(r["also_in"] or "[]"), duplicate_of=r["duplicate_of"],
    )
