"""The seam to the assistant: live flags turned into request options; a catalog usable from any thread."""

from __future__ import annotations

import threading

import pytest

from deflectkit.app import request_options

pytestmark = pytest.mark.unit


def test_kill_switch_forces_the_extractive_provider_whatever_was_asked():
    assert request_options({"generation_enabled": False, "provider": "openai"}, "local") == (
        None,
        "extractive",
    )


def test_provider_flag_applies_unless_the_caller_chose_one():
    assert request_options({"generation_enabled": True, "provider": "local"})[1] == "local"
    assert request_options({"generation_enabled": True, "provider": "local"}, "openai")[1] == "openai"
    assert request_options({"generation_enabled": True, "provider": None})[1] is None


def test_disabled_sources_become_retrieval_exclusions():
    filters, _ = request_options({"disabled_sources": ["billing/", ""]})
    assert filters.exclude_sources == ["billing/"]


def test_one_catalog_works_from_streamlit_style_threads(tmp_path):
    from ingest.catalog import Catalog

    Catalog(tmp_path / "catalog.db").set_active(3)
    cat = Catalog(tmp_path / "catalog.db")  # one object shared by threads, as Streamlit reruns do
    seen: list = []
    threads = [threading.Thread(target=lambda: seen.append(cat.active_version())) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [3, 3, 3] and cat.active_version() == 3


WRITE_COLLECTIONS = """
import sys
from pathlib import Path
import numpy as np
from retrieval.vector import VectorStore
for root in sys.argv[1:]:
    store = VectorStore("local", Path(root))
    store.create(1)
    store.add(1, ["a", "b", "c"], np.eye(3, 4, dtype=np.float32), [{"doc_id": x} for x in "abc"])
"""


def first_counts_from_threads(store, n: int = 4) -> list[str]:
    errors: list[str] = []

    def count():
        try:
            assert store.count(1) == 3
        except Exception as e:  # collected so the test names it
            errors.append(repr(e))

    threads = [threading.Thread(target=count) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.integration
def test_first_chroma_queries_from_many_threads_do_not_break_the_client_cache(tmp_path):
    import subprocess
    import sys

    from retrieval.vector import VectorStore

    # Written by another process, so this one opens each folder for the first time from the threads.
    roots = [tmp_path / f"chroma{i}" for i in range(3)]
    subprocess.run([sys.executable, "-c", WRITE_COLLECTIONS, *map(str, roots)], check=True, timeout=120)

    class S:  # the settings VectorStore.from_settings reads
        chroma_mode, chroma_host, chroma_port, vector_ef_search = "local", "127.0.0.1", 8000, 500

    for root in roots:
        S.chroma_path = root
        assert first_counts_from_threads(VectorStore.from_settings(S)) == []


@pytest.mark.integration
def test_a_disabled_source_is_left_out_from_the_very_next_request(resources):
    from assistant.models import Ticket
    from ui.services import answer_ticket

    ticket = Ticket(subject="Refund", body="How long do card refunds take to reach my customer?")
    before = answer_ticket(resources, ticket)
    assert "billing/refunds.md" in {c.doc_id for c in before.citations}
    resources.store.flags.set("disabled_sources", ["billing/"], actor="test")
    try:
        after = answer_ticket(resources, ticket)  # same process, same Assistant: no restart
    finally:
        resources.store.flags.set("disabled_sources", [], actor="test")
    assert not any(c.doc_id.startswith("billing/") for c in after.citations)
    assert after.decision == "escalate" or after.confidence < before.confidence
