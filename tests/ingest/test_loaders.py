"""load_file(): every format, and every way a file can be bad."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from ingest.errors import LoaderError
from ingest.loaders import LoadResult, load_file

pytestmark = pytest.mark.unit

LIMIT = 20 * 1024 * 1024


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def load_one(tmp_path: Path, name: str, content: str | bytes):
    result = load_file(tmp_path, write(tmp_path, name, content), LIMIT)
    assert isinstance(result, LoadResult) and result.problems == []
    [doc] = result.documents
    return doc


def reason(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = write(tmp_path, name, content)
    with pytest.raises(LoaderError) as exc:
        load_file(tmp_path, path, LIMIT)
    assert exc.value.path == str(path)
    return exc.value.reason


# --- formats -----------------------------------------------------------------------------------


def test_markdown_kept_as_markdown(tmp_path):
    doc = load_one(tmp_path, "guides/reset-password.md", "# Reset password\r\n\r\n## Steps\r\n\r\n- Open  Settings\r\n")
    assert (doc.doc_id, doc.source, doc.format, doc.title) == (
        "guides/reset-password.md", "guides/reset-password.md", "markdown", "Reset password")
    assert doc.text == "# Reset password\n\n## Steps\n\n- Open Settings"
    assert (doc.url, doc.locale, doc.labels) == (None, None, [])


def test_markdown_without_heading_gets_humanised_stem(tmp_path):
    assert load_one(tmp_path, "billing_faq.markdown", "Just text.").title == "Billing faq"


def test_markdown_front_matter_title_used_and_stripped(tmp_path):
    doc = load_one(tmp_path, "a.md", "---\ntitle: \"Two-factor login\"\ntags: [x]\n---\nBody here.\n")
    assert doc.title == "Two-factor login"
    assert doc.text == "Body here."


def test_markdown_front_matter_url_is_the_article_link(tmp_path):
    doc = load_one(tmp_path, "a.md", "---\ntitle: Refunds\nurl: https://help.example.com/refunds\n---\nBody.\n")
    assert doc.url == "https://help.example.com/refunds" and doc.text == "Body."
    assert load_one(tmp_path, "b.md", "# B\n\nNo front matter.").url is None


def test_html_canonical_link_is_the_article_link(tmp_path):
    page = ("<html><head><link href='https://help.example.com/refunds' rel=\"canonical\"></head>"
            "<body><h1>Refunds</h1><p>Within 30 days.</p></body></html>")
    assert load_one(tmp_path, "refunds.html", page).url == "https://help.example.com/refunds"
    no_link = "<html><head><link rel=stylesheet href=a.css></head><body><h1>T</h1><p>x</p></body></html>"
    assert load_one(tmp_path, "plain.html", no_link).url is None


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "ftp://help.example.com/a", "https://"])
def test_only_http_links_are_kept(tmp_path, url):
    assert load_one(tmp_path, "a.md", f"---\nurl: {url}\n---\nBody.\n").url is None
    record = {**ARTICLE, "url": url}
    assert load_one(tmp_path, "hc/export.json", json.dumps([record])).url is None


def test_html_converted(tmp_path):
    doc = load_one(tmp_path, "page.htm", "<title>T</title><nav>menu</nav><h1>Refunds</h1><p>Within <a href='/x'>30 days</a>.</p>")
    assert (doc.format, doc.title, doc.text) == ("html", "Refunds", "# Refunds\n\nWithin 30 days.")


def test_html_without_visible_text_is_an_error(tmp_path):
    assert "no visible text" in reason(tmp_path, "a.html", "<nav>Home</nav><script>x()</script>")


def test_text_title_is_first_nonempty_line(tmp_path):
    doc = load_one(tmp_path, "notes.txt", "\n\n  Shipping times  \nUsually 3 days.\n")
    assert (doc.format, doc.title, doc.text) == ("text", "Shipping times", "  Shipping times\nUsually 3 days.")


def test_utf8_bom_and_utf16_accepted(tmp_path):
    assert load_one(tmp_path, "a.txt", "\ufeffCafé".encode()).text == "Café"
    assert load_one(tmp_path, "b.md", "# Café ☕\n".encode("utf-16")).title == "Café ☕"
    assert load_one(tmp_path, "c.md", b"\xfe\xff" + "# Hi".encode("utf-16-be")).title == "Hi"


def test_single_file_root_uses_file_name(tmp_path):
    path = write(tmp_path, "sub/one.md", "# One")
    [doc] = load_file(path, path, LIMIT).documents
    assert doc.doc_id == "one.md"


def test_pdf_pages_and_metadata_title(tmp_path, pdf_bytes):
    doc = load_one(tmp_path, "manual.pdf", pdf_bytes(["Install (step one)", "Configure"], title="Admin Manual"))
    assert (doc.format, doc.title) == ("pdf", "Admin Manual")
    assert doc.text == "Install (step one)\n\nConfigure"


def test_pdf_title_falls_back_to_first_line(tmp_path, pdf_bytes):
    assert load_one(tmp_path, "m.pdf", pdf_bytes(["Quick start", "More"])).title == "Quick start"


# --- exports -----------------------------------------------------------------------------------

ARTICLE = {
    "id": 101, "title": "Reset password", "body": "<h2>Steps</h2><ul><li>Open settings</li></ul>",
    "url": "https://help.example.com/a/101", "updated_at": "2026-03-01T10:00:00Z", "locale": "en-us",
    "labels": ["account", "password"],
}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("export.json", json.dumps([ARTICLE])),
        ("export.json", json.dumps({"articles": [ARTICLE], "next_page": None})),
        ("export.jsonl", json.dumps(ARTICLE) + "\n\n"),
    ],
)
def test_export_shapes(tmp_path, name, content):
    doc = load_one(tmp_path, f"hc/{name}", content)
    assert doc.doc_id == "101"
    assert doc.source == f"hc/{name}#101"
    assert (doc.format, doc.title, doc.text) == ("export", "Reset password", "## Steps\n\n- Open settings")
    assert (doc.url, doc.locale, doc.labels, doc.updated_at) == (
        ARTICLE["url"], "en-us", ["account", "password"], "2026-03-01T10:00:00Z")


def test_export_skips_bad_records_and_reports_them(tmp_path):
    records = [
        ARTICLE,
        {"id": 102, "title": "No body"},
        {"title": "No id", "body": "<p>x</p>"},
        "not an object",
        {"id": 101, "title": "Dup", "body": "<p>dup</p>"},
        {"id": 103, "title": "Hidden only", "body": "<div hidden>x</div>"},
        {"id": "a-7", "title": "Good two", "body": "<p>Fine</p>", "label_names": ["z"]},
    ]
    result = load_file(tmp_path, write(tmp_path, "e.json", json.dumps(records)), LIMIT)
    assert [d.doc_id for d in result.documents] == ["101", "a-7"]
    assert result.documents[1].labels == ["z"]
    assert [(p.path, p.reason.split(";")[0]) for p in result.problems] == [
        ("e.json#102", "missing body"),
        ("e.json (record 3)", "missing id"),
        ("e.json (record 4)", "record is a str, not an object"),
        ("e.json#101", "duplicate article id"),
        ("e.json#103", "body has no visible text"),
    ]


def test_jsonl_bad_line_reported_good_lines_loaded(tmp_path):
    content = json.dumps(ARTICLE) + "\n{broken\n"
    result = load_file(tmp_path, write(tmp_path, "e.jsonl", content), LIMIT)
    assert [d.doc_id for d in result.documents] == ["101"]
    assert [p.path for p in result.problems] == ["e.jsonl:2"]
    assert result.problems[0].reason.startswith("invalid JSON")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"id": 1', "invalid JSON at line 1 column"),
        ('{"data": []}', "not a help-center export"),
        ("[]", "export has no articles"),
        ('[{"id": 1}]', "no usable article in the export (1 problem(s), first: missing title, body"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_export_unusable_raises(tmp_path, content, expected):
    assert expected in reason(tmp_path, "e.json", content)


# --- bad files ---------------------------------------------------------------------------------


def test_file_over_limit_rejected_before_reading(tmp_path, big_text_file, monkeypatch):
    def no_read(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_read)
    with pytest.raises(LoaderError) as exc:
        load_file(tmp_path, big_text_file, LIMIT)
    assert exc.value.reason == (
        "file is 50 MB, over the 20 MB limit (DEFLECT_MAX_FILE_MB); split it or raise the limit")


def test_size_message_has_one_decimal(tmp_path):
    path = write(tmp_path, "a.txt", b"x" * 1500)
    with pytest.raises(LoaderError, match=r"file is 0\.0 MB, over the 0\.0 MB limit"):
        load_file(tmp_path, path, 1000)
    with pytest.raises(LoaderError, match=r"file is 52\.4 MB, over the 20 MB"):
        with path.open("wb") as f:
            f.truncate(int(52.4 * 1024 * 1024))
        load_file(tmp_path, path, LIMIT)


@pytest.mark.parametrize("name", ["a.md", "a.txt", "a.html", "a.pdf", "a.json", "a.jsonl"])
def test_empty_file(tmp_path, name):
    assert reason(tmp_path, name, b"") == "file is empty"


def test_whitespace_only_markdown(tmp_path):
    assert "no text" in reason(tmp_path, "a.md", " \n\u200b\n\t")


@pytest.mark.parametrize("name", ["a.md", "a.txt", "a.html", "a.json"])
def test_binary_content_in_text_extension(tmp_path, name):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    assert reason(tmp_path, name, png).startswith("binary content in a ")


def test_mostly_control_chars_is_binary_even_without_nul(tmp_path):
    assert reason(tmp_path, "a.txt", bytes(range(1, 32)) * 10).startswith("binary content")


def test_invalid_utf8_names_byte_and_offset(tmp_path):
    assert reason(tmp_path, "a.md", b"# Caf\xc3\xa9 ok\nabc \xff more text") == (
        "not valid UTF-8 (bad byte 0xff at offset 15); re-save the file as UTF-8")


def test_latin1_file_is_invalid_utf8(tmp_path):
    assert reason(tmp_path, "a.txt", "Crème brûlée recipe".encode("latin-1")).startswith("not valid UTF-8 (bad byte 0xe8")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "corrupt PDF: "),
        (b"this is not a pdf at all", "corrupt PDF: no %PDF header"),
        (bytes(range(256)) * 8, "corrupt PDF: "),
    ],
)
def test_corrupt_pdf(tmp_path, content, expected):
    assert reason(tmp_path, "bad.pdf", content).startswith(expected)


def test_truncated_valid_pdf_is_corrupt_or_loads(tmp_path, pdf_bytes):
    data = pdf_bytes(["Hello world"])
    assert reason(tmp_path, "t.pdf", data[: len(data) // 3]).startswith(("corrupt PDF", "PDF has no extractable"))


def test_scanned_pdf_without_text(tmp_path, pdf_bytes):
    assert reason(tmp_path, "scan.pdf", pdf_bytes(["", ""])) == (
        "PDF has no extractable text (scanned image?); OCR it first")


def _encrypt(data: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_encrypted_pdf(tmp_path, pdf_bytes):
    data = _encrypt(pdf_bytes(["Secret text"]), user_password="s3cret")
    assert reason(tmp_path, "enc.pdf", data).startswith("PDF is encrypted")


def test_pdf_with_empty_user_password_loads(tmp_path, pdf_bytes):
    data = _encrypt(pdf_bytes(["Readable text"]), user_password="")
    assert load_one(tmp_path, "perm.pdf", data).text == "Readable text"


def test_unsupported_extension(tmp_path):
    assert reason(tmp_path, "a.docx", b"PK\x03\x04").startswith("unsupported file type '.docx'")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read chmod 000 files")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, "secret.md", "# Secret")
    path.chmod(0)
    try:
        with pytest.raises(LoaderError) as exc:
            load_file(tmp_path, path, LIMIT)
    finally:
        path.chmod(0o644)
    assert exc.value.reason.startswith("permission denied")


def test_permission_error_on_open_is_a_loader_error(tmp_path, monkeypatch):
    # Runs as root too: make open() fail the way chmod 000 does for a normal user.
    path = write(tmp_path, "secret.md", "# Secret")

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(LoaderError) as exc:
        load_file(tmp_path, path, LIMIT)
    assert exc.value.reason == "permission denied: cannot read this file; fix the file permissions or exclude it"


def test_directory_with_supported_name_is_a_loader_error(tmp_path):
    (tmp_path / "folder.md").mkdir()
    with pytest.raises(LoaderError):
        load_file(tmp_path, tmp_path / "folder.md", LIMIT)


def test_invalid_utf8_offset_counts_the_bom(tmp_path):
    assert "bad byte 0xff at offset 5" in reason(tmp_path, "a.txt", b"\xef\xbb\xbfab\xff and more words")
