"""Chroma vector store, one collection per index version.

Local mode gives each version its own PersistentClient folder: a build writes only its own
folder, so the served version is never touched by a writer and a crashed build is just a
folder to delete. Server mode (HttpClient) keeps one collection per version on the server.
We always pass our own embeddings: Chroma's default embedding function would download a model.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import threading
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.errors import RetrievalError

log = logging.getLogger(__name__)

_BATCH = 2000  # below Chroma's max batch size, large enough to amortise per-call overhead


def _chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def collection_name(version: int) -> str:
    return f"deflect_v{version}"


class VectorStore:
    def __init__(self, mode: str = "local", root: Path | None = None, host: str = "127.0.0.1", port: int = 8000,
                 ef_search: int = 500):
        if mode not in ("local", "http"):
            raise ValueError(f"chroma mode must be 'local' or 'http', got {mode!r}. Set DEFLECT_CHROMA_MODE.")
        if mode == "local" and root is None:
            raise ValueError("local Chroma mode needs a folder (DEFLECT_DATA_DIR).")
        self.mode, self.root, self.host, self.port = mode, root, host, port
        self.ef_search = ef_search
        self._clients: dict[int, Any] = {}
        # Published versions never change, and count() costs more than the HNSW query at 100k
        # chunks (10 ms of ~28), so it is read once per version and forgotten on add/create/drop.
        self._counts: dict[int, int] = {}
        self._breadth_checked: set[int] = set()
        self._http = None
        # Chroma's client constructors share a process-wide system cache that breaks when two
        # threads (two Streamlit sessions) create clients at once.
        self._lock = threading.RLock()

    @classmethod
    def from_settings(cls, settings) -> VectorStore:
        return cls(settings.chroma_mode, settings.chroma_path, settings.chroma_host, settings.chroma_port,
                   settings.vector_ef_search)

    def _client(self, version: int):
        with self._lock:
            return self._client_unlocked(version)

    def _client_unlocked(self, version: int):
        import chromadb

        if self.mode == "http":
            if self._http is None:
                try:
                    self._http = chromadb.HttpClient(host=self.host, port=self.port, settings=_chroma_settings())
                    self._http.heartbeat()
                except Exception as e:
                    raise RetrievalError(
                        f"Cannot reach the Chroma server at {self.host}:{self.port} ({e}). Start it "
                        "(`chroma run --path DIR --host 127.0.0.1`) or set DEFLECT_CHROMA_MODE=local."
                    ) from e
            return self._http
        if version not in self._clients:
            self._clients[version] = chromadb.PersistentClient(
                path=str(self.root / collection_name(version)), settings=_chroma_settings()
            )
        return self._clients[version]

    def create(self, version: int):
        """A fresh, empty collection for a version (a leftover from a crashed build is dropped first)."""
        self.drop(version)
        return self._client(version).create_collection(
            collection_name(version), configuration={"hnsw": {"space": "cosine", "ef_search": self.ef_search}},
            embedding_function=None,
        )

    def collection(self, version: int):
        try:
            col = self._client(version).get_collection(collection_name(version), embedding_function=None)
        except RetrievalError:
            raise
        except Exception as e:
            raise RetrievalError(
                f"Index version {version} has no vector collection ({e}). Re-run `deflect ingest` "
                "or activate another version with `deflect index activate`."
            ) from e
        if version not in self._breadth_checked:
            self._set_breadth(col)
            self._breadth_checked.add(version)
        return col

    def _set_breadth(self, col) -> None:
        """A version built with another search breadth (before it was a setting: Chroma's 100) is set to
        this one before its first query in the process (a loaded index keeps the breadth it loaded
        with), so every version returns the same candidates in every process."""
        hnsw = (getattr(col, "configuration", None) or {}).get("hnsw") or {}
        if hnsw.get("ef_search") not in (None, self.ef_search):
            with contextlib.suppress(Exception):  # an older server without modify: search as built
                col.modify(configuration={"hnsw": {"ef_search": self.ef_search}})

    def add(self, version: int, ids: list[str], vectors: np.ndarray, metadatas: list[dict], col=None) -> None:
        col = col or self.collection(version)
        try:
            for i in range(0, len(ids), _BATCH):
                col.add(ids=ids[i : i + _BATCH], embeddings=vectors[i : i + _BATCH], metadatas=metadatas[i : i + _BATCH])
        finally:  # after, not before: a query during the add must not keep a partial count
            self._counts.pop(version, None)

    def query(self, version: int, vector: np.ndarray, k: int, ids: list[str] | None = None) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity), best first; `ids` restricts the search (metadata filters)."""
        col = self.collection(version)
        n = self._counts.get(version)
        if n is None:
            n = self._counts[version] = col.count()
        if n == 0 or k <= 0 or (ids is not None and not ids):
            return []
        res = col.query(query_embeddings=[vector], n_results=min(k, n), ids=ids, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def vectors(self, version: int, ids: list[str]) -> dict[str, np.ndarray]:
        """The stored vector of each of `ids` (those the version holds)."""
        col, out = self.collection(version), {}
        for i in range(0, len(ids), _BATCH):
            res = col.get(ids=ids[i : i + _BATCH], include=["embeddings"])
            out.update(zip(res["ids"], (np.asarray(v, dtype=np.float32) for v in res["embeddings"]), strict=True))
        return out

    def count(self, version: int) -> int:
        return self.collection(version).count()

    def drop(self, version: int) -> None:
        self._counts.pop(version, None)
        self._breadth_checked.discard(version)
        if self.mode == "http":
            try:
                self._client(version).delete_collection(collection_name(version))
            except RetrievalError:
                raise
            except Exception:  # not there: nothing to drop
                pass
            return
        with self._lock:
            client = self._clients.pop(version, None)
        if client is not None:
            with contextlib.suppress(Exception):  # best effort: the folder goes anyway
                client.clear_system_cache()
        shutil.rmtree(self.root / collection_name(version), ignore_errors=True)
