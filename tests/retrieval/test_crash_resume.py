"""kill -9 in the middle of an ingest: the active version keeps serving, the next run resumes
without re-embedding what was already embedded."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import write_kb

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _bulk_docs(n: int, seed: int = 3) -> dict[str, str]:
    rng = random.Random(seed)
    vocab = [f"term{i}" for i in range(3000)]
    return {
        f"bulk/doc{i:03d}.md": f"# Bulk article {i}\n\n" + "\n\n".join(
            " ".join(rng.choice(vocab) for _ in range(60)) for _ in range(4))
        for i in range(n)
    }


def _count(db, sql):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]


def test_kill_during_ingest_keeps_serving_and_resumes(make_services, tiny_kb, tmp_path):
    svc = make_services(embedding_batch_size=4)
    first = svc.ingest([tiny_kb])
    cached_v1 = _count(svc.settings.catalog_path, "SELECT COUNT(*) FROM embeddings")
    write_kb(tiny_kb, _bulk_docs(40))

    env = dict(os.environ, DEFLECT_DATA_DIR=str(svc.settings.data_dir), DEFLECT_EMBEDDING_BATCH_SIZE="4")
    proc = subprocess.Popen([sys.executable, "-m", "deflectkit", "ingest", str(tiny_kb), "--no-progress"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    try:
        # Wait until the new version is being built and some of its text is already embedded.
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("the ingest finished before it could be killed; make the corpus larger")
            try:
                if _count(svc.settings.catalog_path, "SELECT COUNT(*) FROM embeddings") >= cached_v1 + 12:
                    break
            except sqlite3.OperationalError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("no embedding progress within 240 s")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()

    assert _count(svc.settings.catalog_path, "SELECT status FROM index_versions WHERE version = 2") == "building"
    cached_before_resume = _count(svc.settings.catalog_path, "SELECT COUNT(*) FROM embeddings")

    # The previous version is still the one served, from a fresh process's point of view too.
    fresh = make_services()
    assert fresh.catalog.active_version() == first.index_version == 1
    assert fresh.searcher.search("refund card business days", k=1)[0].doc_id == "billing/refunds.md"

    resumed = fresh.ingest([tiny_kb])
    assert resumed.index_version == 3 and resumed.added == 40
    # Everything embedded before the kill came from the cache.
    assert resumed.embedded == resumed.chunks - (cached_before_resume - cached_v1) - _v1_chunks(fresh)
    statuses = {v["version"]: v["status"] for v in fresh.catalog.versions()}
    assert statuses[2] in ("failed", "deleted") and statuses[3] == "ready"
    assert fresh.searcher.search("Bulk article 7", k=3, mode="bm25")[0].doc_id.startswith("bulk/")


def _v1_chunks(svc) -> int:
    return sum(1 for _ in svc.catalog.iter_chunks(1))
