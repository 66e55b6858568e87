"""Builds the app's long-lived parts from one Settings, lazily and once.

Entry points (CLI, UI, evals) create one Services; library code receives the parts it needs.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from functools import cached_property

from deflectkit.settings import Settings


def quiet_runtime() -> None:
    """No phoning home and no hub look-ups, whatever a library defaults to. Called by entry points only."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class Services:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()

    @cached_property
    def catalog(self):
        from ingest.catalog import Catalog

        return Catalog(self.settings.catalog_path)

    @cached_property
    def store(self):
        from retrieval.vector import VectorStore

        return VectorStore.from_settings(self.settings)

    @cached_property
    def embedder(self):
        from retrieval.embedder import make_embedder

        return make_embedder(self.settings)

    @cached_property
    def searcher(self):
        from retrieval.search import HybridSearcher

        return HybridSearcher(self.settings, self.catalog, self.store, self.embedder)

    @contextmanager
    def ingest_lock(self):
        """One ingest per data dir at a time; a second one fails fast instead of interleaving versions."""
        from ingest.errors import IngestLocked

        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.settings.data_dir / "ingest.lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as e:
                raise IngestLocked(
                    f"Another ingest is running on {self.settings.data_dir}. Wait for it to finish."
                ) from e
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def ingest(self, paths, progress=None):
        from retrieval.indexer import run_ingest

        kwargs = {"progress": progress} if progress else {}
        with self.ingest_lock():
            return run_ingest(list(paths), self.settings, self.catalog, self.store, self.embedder, **kwargs)
