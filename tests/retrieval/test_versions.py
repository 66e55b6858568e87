"""Versioned, incremental, crash-safe index builds over a real corpus, real Chroma, real SQLite, real model."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import write_kb

pytestmark = pytest.mark.integration


def chunk_ids(svc, version):
    return [c.chunk_id for c in svc.catalog.iter_chunks(version, kept_only=False)]


def test_first_ingest_builds_version_1_and_searches(make_services, tiny_kb):
    svc = make_services()
    r = svc.ingest([tiny_kb])
    assert (r.added, r.updated, r.unchanged, r.removed) == (4, 0, 0, 0)
    assert r.index_version == 1 and r.new_version and r.errors == []
    assert r.embedded == r.chunks > 0
    hits = svc.searcher.search("how long does a refund take to reach the card", k=3)
    assert hits[0].doc_id == "billing/refunds.md"
    assert hits[0].scores.bm25_rank is not None and hits[0].scores.dense_rank is not None


def test_reingest_unchanged_is_free_and_identical(make_services, tiny_kb):
    svc = make_services()
    first = svc.ingest([tiny_kb])
    ids_before = chunk_ids(svc, 1)
    again = svc.ingest([tiny_kb])
    assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 4, 0)
    assert again.index_version == first.index_version == 1
    assert not again.new_version and again.embedded == 0
    assert [v["version"] for v in svc.catalog.versions()] == [1]
    assert chunk_ids(svc, 1) == ids_before


def test_same_input_in_fresh_data_dirs_gives_identical_ids(make_services, tiny_kb, tmp_path):
    a = make_services(data_dir=tmp_path / "a")
    b = make_services(data_dir=tmp_path / "b")
    a.ingest([tiny_kb])
    b.ingest([tiny_kb])
    assert chunk_ids(a, 1) == chunk_ids(b, 1)


def test_changed_and_deleted_documents_are_incremental(make_services, tiny_kb):
    svc = make_services()
    svc.ingest([tiny_kb])
    (tiny_kb / "account/password.md").write_text("# Reset your password\n\nThe reset link now expires after 2 hours.\n")
    (tiny_kb / "billing/currencies.md").unlink()
    write_kb(tiny_kb, {"billing/taxes.md": "# Taxes\n\nVAT is added per line item when a tax rate is set."})
    r = svc.ingest([tiny_kb])
    assert (r.added, r.updated, r.unchanged, r.removed) == (1, 1, 2, 0 + 1)
    assert r.index_version == 2 and r.new_version
    # only the new and the changed text was embedded; unchanged chunks came from the cache
    assert 0 < r.embedded < r.chunks
    docs = {d["doc_id"] for d in svc.catalog.documents(2)}
    assert "billing/currencies.md" not in docs and "billing/taxes.md" in docs
    hits = svc.searcher.search("how long is the password reset link valid", k=1)
    assert "2 hours" in hits[0].text


def test_rollback_and_activate_switch_what_is_served(make_services, tiny_kb):
    from retrieval.indexer import activate, rollback

    svc = make_services()
    svc.ingest([tiny_kb])
    (tiny_kb / "account/password.md").write_text("# Reset your password\n\nThe reset link now expires after 2 hours.\n")
    svc.ingest([tiny_kb])
    assert svc.catalog.active_version() == 2
    assert rollback(svc.settings, svc.catalog) == 1
    assert "30 minutes" in svc.searcher.search("password reset link expiry", k=1)[0].text
    activate(svc.settings, svc.catalog, 2)
    assert "2 hours" in svc.searcher.search("password reset link expiry", k=1)[0].text


def test_old_versions_are_pruned_beyond_keep(make_services, tiny_kb):
    svc = make_services(keep_versions=2)
    for i in range(4):
        (tiny_kb / "account/password.md").write_text(f"# Reset your password\n\nThe link expires after {i + 1} hours.\n")
        svc.ingest([tiny_kb])
    status = {v["version"]: v["status"] for v in svc.catalog.versions()}
    assert status == {1: "deleted", 2: "deleted", 3: "ready", 4: "ready"}
    assert not (svc.settings.chroma_path / "deflect_v1").exists()


def test_a_bad_file_never_drops_what_was_indexed(make_services, tiny_kb):
    svc = make_services()
    svc.ingest([tiny_kb])
    (tiny_kb / "billing/refunds.md").write_bytes(b"\xff\xfe\x00\x00garbage\x00\x00")  # now unreadable
    r = svc.ingest([tiny_kb])
    assert any("refunds.md" in e.path for e in r.errors)
    assert r.removed == 0
    assert svc.searcher.search("refund card business days", k=1)[0].doc_id == "billing/refunds.md"


def test_two_knowledge_bases_side_by_side(make_services, tiny_kb, tmp_path):
    other = write_kb(tmp_path / "other", {"faq.md": "# Office hours\n\nSupport answers chat from 8am to 6pm CET."})
    svc = make_services()
    svc.ingest([tiny_kb])
    r = svc.ingest([other])
    assert r.added == 1 and r.removed == 0  # ingesting another folder does not remove the first
    assert len(svc.catalog.documents(r.index_version)) == 5


def test_demo_helpcenter_ingests_cleanly(make_services):
    from tests.conftest import DEMO

    svc = make_services()
    r = svc.ingest([DEMO])
    assert r.errors == []
    assert r.added >= 40
    assert r.duplicates >= 1  # the demo plants an exact duplicate paragraph
    assert r.redactions >= 10 and {"EMAIL", "CARD", "IBAN", "PHONE", "SSN"} <= set(r.redactions_by_type)
    texts = " ".join(c.text for c in svc.catalog.iter_chunks(r.index_version))
    for pii in ("4111 1111 1111 1111", "078-05-1120", "maria.keller@example.com", "GB82 WEST"):
        assert pii not in texts


def test_copy_of_kb_in_another_place_is_unchanged(make_services, tiny_kb, tmp_path):
    svc = make_services()
    svc.ingest([tiny_kb])
    moved = shutil.copytree(tiny_kb, tmp_path / "moved")
    r = svc.ingest([moved])
    # doc ids are relative paths: the same content elsewhere is the same documents, new root
    assert r.unchanged == 4 and r.removed == 0
