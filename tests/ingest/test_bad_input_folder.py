"""A knowledge base full of bad files: each failure is listed with a reason, everything else is indexed."""

from __future__ import annotations

import os

import pytest

from tests.conftest import write_kb

pytestmark = pytest.mark.integration


@pytest.fixture
def bad_kb(tiny_kb):
    (tiny_kb / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<>> garbage")
    (tiny_kb / "binary.md").write_bytes(os.urandom(2048).replace(b"\n", b"\x00"))
    (tiny_kb / "empty.txt").write_bytes(b"")
    (tiny_kb / "latin1.md").write_bytes("# Caf\xe9\n\nCr\xe8me br\xfbl\xe9e.".encode("latin-1"))
    with open(tiny_kb / "huge.txt", "wb") as f:  # sparse: 50 MB without writing 50 MB
        f.truncate(50 * 1024 * 1024)
    (tiny_kb / "loop").symlink_to(tiny_kb, target_is_directory=True)
    (tiny_kb / "export.jsonl").write_text('{"id": "ok-1", "title": "Good record", "body": "<p>Fine.</p>"}\n{not json\n')
    return tiny_kb


def test_bad_files_are_listed_and_the_rest_ingests(make_services, bad_kb):
    svc = make_services(max_file_mb=20)
    r = svc.ingest([bad_kb])
    reasons = {os.path.basename(e.path.split("#")[0].split(":")[0].split(" (")[0]): e.reason for e in r.errors}
    assert "corrupt PDF" in reasons["corrupt.pdf"]
    assert "binary" in reasons["binary.md"].lower()
    assert reasons["empty.txt"] == "file is empty"
    assert "UTF-8" in reasons["latin1.md"]
    assert "MB" in reasons["huge.txt"] and "DEFLECT_MAX_FILE_MB" in reasons["huge.txt"]
    assert any("loop" in e.reason for e in r.errors)
    assert any("export.jsonl" in e.path for e in r.errors)  # the broken line, not the good record
    assert r.added == 5  # the 4 good articles + the good export record
    assert r.index_version == 1
    assert {d["doc_id"] for d in svc.catalog.documents(1)} >= {"billing/refunds.md", "ok-1"}
    assert svc.searcher.search("partial refunds", k=1)[0].doc_id == "billing/refunds.md"


def test_fixing_a_bad_file_adds_it_next_time(make_services, bad_kb):
    svc = make_services()
    svc.ingest([bad_kb])
    write_kb(bad_kb, {"latin1.md": "# Café\n\nCrème brûlée is on the menu."})
    r = svc.ingest([bad_kb])
    assert r.added == 1 and r.index_version == 2


def test_file_name_with_bad_bytes_is_reported_and_the_run_finishes(make_services, tiny_kb):
    bad = os.path.join(os.fsencode(tiny_kb), b"badutf8-\xff\xfe.md")
    with open(bad, "wb") as f:
        f.write(b"# Bad name\n\nThe name of this file is not UTF-8.\n")
    svc = make_services()
    r = svc.ingest([tiny_kb])
    assert r.added == 4 and r.index_version == 1
    [err] = r.errors
    assert err.path.endswith("badutf8-\\xff\\xfe.md") and "not valid UTF-8" in err.reason
    err.model_dump_json()  # printable: no lone surrogates left
    assert svc.catalog.runs()[0]["status"] == "ok"


def test_a_run_that_breaks_is_marked_failed_not_running(make_services, tiny_kb, monkeypatch):
    import ingest.pipeline

    def broken(*a, **kw):
        raise RuntimeError("bug")

    monkeypatch.setattr(ingest.pipeline, "dedupe", broken)
    svc = make_services()
    with pytest.raises(RuntimeError):
        svc.ingest([tiny_kb])
    assert svc.catalog.runs()[0]["status"] == "failed"
