"""PII in what names a document (file names, export ids, URLs, labels) and in error paths is redacted
before the catalog, the vector store or a citation sees it; redacted ids stay unique and stable."""

from __future__ import annotations

import json

import pytest

from tests.conftest import write_kb

pytestmark = pytest.mark.integration

RAW = ("jane.doe@example.com", "bob.roe@example.org", "7700900123", "7700 900123", "sam.carter@example.com",
       "4111111111111111", "7700900456")


@pytest.fixture
def named_kb(tmp_path):
    root = write_kb(tmp_path / "kb", {
        "customers/jane.doe@example.com.md": "# Refund for a customer\n\nOpen Payments and choose Refund.\n",
        "customers/bob.roe@example.org.md": "# Refund timing\n\nRefunds reach the card in 5 to 10 business days.\n",
    })
    record = {"id": "case-4111111111111111", "title": "Payment links", "body": "<p>Share a payment link.</p>",
              "url": "https://help.acme.example/a/7?phone=%2B447700900123",
              "labels": ["billing", "sam.carter@example.com"]}
    (root / "export.jsonl").write_text(json.dumps(record) + "\n")
    (root / "broken").mkdir()
    (root / "broken" / "call +44 7700 900456.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<>> garbage")
    return root


def test_names_urls_labels_and_error_paths_are_redacted(make_services, named_kb):
    svc = make_services()
    report = svc.ingest([named_kb])
    assert report.added == 3 and report.index_version == 1
    docs = {d["doc_id"]: d for d in svc.catalog.documents(1)}
    customers = sorted(d for d in docs if d.startswith("customers/"))
    assert len(customers) == 2 and all(d.startswith("customers/[EMAIL]~") for d in customers)  # kept apart
    export = next(d for d in docs.values() if d["source"].endswith("#case-[CARD]"))
    assert export["url"] == "https://help.acme.example/a/7?phone=[PHONE]"
    assert json.loads(export["labels"]) == ["billing", "[EMAIL]"]
    assert any("[PHONE]" in e.path for e in report.errors)

    stored = json.dumps([report.model_dump(), list(docs.values()), [c.model_dump() for c in svc.catalog.iter_chunks(1)],
                         svc.catalog.runs()], default=str)
    hits = svc.searcher.search("refund to the card", k=5)
    stored += json.dumps([h.model_dump() for h in hits], default=str)
    stored += json.dumps(svc.store.collection(1).get(include=["metadatas"]), default=str)
    assert [v for v in RAW if v in stored] == []

    again = svc.ingest([named_kb])  # the same files keep the same (redacted) ids: nothing changes
    assert again.unchanged == 3 and again.added == again.removed == 0 and not again.new_version


def test_new_redaction_rules_redact_every_document_again(make_services, tmp_path, monkeypatch):
    # A document indexed before a recognizer learned a new kind of PII must not keep it in the index,
    # though the file itself has not changed.
    import ingest.pipeline
    import ingest.redact

    kb = write_kb(tmp_path / "kb", {"login.md": "# Signing in\n\nOur test login: pass: Winter#2025. Use the SSO button.\n"})
    svc = make_services()
    monkeypatch.setattr(ingest.pipeline, "RULES_VERSION", 1)  # the rules before passwords were redacted
    monkeypatch.delitem(ingest.redact.PLACEHOLDERS, "PASSWORD")
    assert svc.ingest([kb]).index_version == 1
    assert "Winter#2025" in " ".join(c.text for c in svc.catalog.iter_chunks(1))
    monkeypatch.undo()
    again = svc.ingest([kb])  # the shipped rules: a new version, every document redacted again
    assert again.new_version and again.index_version == 2
    text = " ".join(c.text for c in svc.catalog.iter_chunks(2))
    assert "[PASSWORD]" in text and "Winter#2025" not in text
    assert not svc.ingest([kb]).new_version  # and then nothing changes
