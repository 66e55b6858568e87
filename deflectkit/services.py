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
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


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

    @cached_property
    def feedback(self):
        from feedback.store import FeedbackStore

        return FeedbackStore.from_settings(self.settings)

    def audit(self, action: str, actor: str, target: str = "", details: dict | None = None) -> None:
        self.feedback.audit.append(action, actor, target, details or {})

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

    def ingest(self, paths, progress=None, actor: str = "system"):
        from retrieval.indexer import run_ingest

        kwargs = {"progress": progress} if progress else {}
        with self.ingest_lock():
            report = run_ingest(list(paths), self.settings, self.catalog, self.store, self.embedder, **kwargs)
        self.audit("ingest", actor, ",".join(str(p) for p in paths), {
            "run_id": report.run_id, "index_version": report.index_version, "new_version": report.new_version,
            "added": report.added, "updated": report.updated, "removed": report.removed, "errors": len(report.errors)})
        return report

    def activate(self, version: int, actor: str = "system") -> None:
        from retrieval.indexer import activate

        before = self.catalog.active_version()
        activate(self.settings, self.catalog, version)
        self.audit("index_activate", actor, str(version), {"from": before})

    def rollback(self, actor: str = "system") -> int:
        from retrieval.indexer import rollback

        before = self.catalog.active_version()
        version = rollback(self.settings, self.catalog)
        self.audit("index_rollback", actor, str(version), {"from": before})
        return version
