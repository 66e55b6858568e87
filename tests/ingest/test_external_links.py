"""Links out of the knowledge base (the probe's `ln -s /etc/passwd`, `ln -s /etc`) are reported, never indexed."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

PASSWD = Path("/etc/passwd")


@pytest.mark.skipif(not PASSWD.is_file(), reason="needs /etc/passwd")
def test_links_to_system_files_are_reported_and_not_searchable(make_services, tiny_kb):
    links = tiny_kb / "links"
    links.mkdir()
    (links / "passwd.txt").symlink_to(PASSWD)
    (links / "etc-dir").symlink_to(Path("/etc"), target_is_directory=True)
    svc = make_services()
    report = svc.ingest([tiny_kb])
    assert report.added == 4 and report.index_version == 1
    reported = {e.path for e in report.errors if "outside the ingest root" in e.reason}
    assert reported == {str(links / "passwd.txt"), str(links / "etc-dir")}
    assert not any(d["doc_id"].startswith("links/") for d in svc.catalog.documents(1))
    hits = svc.searcher.search("root:x:0:0", k=10)
    assert all(not h.doc_id.startswith("links/") and "root:x:0" not in h.text for h in hits)
