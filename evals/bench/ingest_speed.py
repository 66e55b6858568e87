"""Ingest throughput: a full ingest of a corpus, then an unchanged re-ingest and a one-document
change, each as a ratio of the full ingest measured in the same run."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path


def bench_ingest(corpus: Path, settings_factory) -> dict:
    from deflectkit.app import Services

    work = Path(tempfile.mkdtemp(prefix="deflect-bench-ingest-"))
    try:
        kb = shutil.copytree(corpus, work / "kb")
        svc = Services(settings_factory(data_dir=work / "data"))
        svc.embedder.embed(["warm up"])  # model load is a one-off per process, not ingest work

        t = time.perf_counter()
        full = svc.ingest([kb])
        full_s = time.perf_counter() - t

        t = time.perf_counter()
        unchanged = svc.ingest([kb])
        unchanged_s = time.perf_counter() - t

        target = sorted(kb.rglob("*.md"))[0]
        target.write_text(target.read_text(encoding="utf-8") + "\n\nOne more sentence for the benchmark.\n")
        t = time.perf_counter()
        incremental = svc.ingest([kb])
        incremental_s = time.perf_counter() - t
        return {
            "docs": full.added, "chunks": full.chunks,
            "full_s": round(full_s, 2), "chunks_per_s": round(full.chunks / full_s, 1),
            "unchanged_s": round(unchanged_s, 3), "unchanged_ratio": round(unchanged_s / full_s, 4),
            "unchanged_embedded": unchanged.embedded, "unchanged_new_version": unchanged.new_version,
            "incremental_s": round(incremental_s, 2), "incremental_ratio": round(incremental_s / full_s, 4),
            "incremental_embedded": incremental.embedded,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
