"""Typed data that crosses the ingest boundary."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, Field, field_validator

DocFormat = Literal["markdown", "html", "text", "pdf", "export"]
# A document names its owner with a label `owner:NAME` (an export label, or front matter `owner: NAME`).
OWNER_PREFIX = "owner:"


def owner_of(labels: list[str]) -> str | None:
    """The owner a document's labels name (the first `owner:` label), or None."""
    for label in labels:
        if label.lower().startswith(OWNER_PREFIX) and label[len(OWNER_PREFIX):].strip():
            return label[len(OWNER_PREFIX):].strip()
    return None


def printable(text: str) -> str:
    """`text` safe to store and print: undecodable bytes of a file name (lone surrogates, PEP 383) become
    `\\xff` escapes, other lone surrogates `\\udcff` ones; valid text is returned unchanged."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def sha256(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\x1f")  # unit separator: ("ab","c") and ("a","bc") hash differently
    return h.hexdigest()


class SourceFlag(BaseModel):
    """Something in a document no help center should tell a customer: instructions aimed at the
    assistant, a request for credentials or payment data, an executable to download, antivirus to
    switch off, or a link outside the help center's domains. The assistant cuts such sentences from
    drafts; the admin sees the flag."""

    doc_id: str
    title: str = ""
    kind: str = Field(description="override, exfiltration, credential_request, risky_software, foreign_link, ...")
    excerpt: str = Field(description="What was found (from the redacted text), at most 80 characters.")


class Document(BaseModel):
    """One knowledge-base article after loading and normalisation.

    `text` is Markdown-shaped: headings as `#` lines whatever the source format, so one
    heading-aware splitter serves Markdown, HTML, PDF and exports alike.
    """

    doc_id: str = Field(description="Stable id: path relative to the ingest root (POSIX), or the export record id "
                        "(with PII redacted: ingest.redact.redact_identifiers).")
    source: str = Field(description="Where it came from: relative path, plus '#id' for export records.")
    format: DocFormat
    title: str
    text: str
    url: str | None = None
    locale: str | None = None
    labels: list[str] = Field(default_factory=list)
    updated_at: str | None = None
    redactions: dict[str, int] = Field(default_factory=dict, description="PII entity type -> count redacted.")
    flags: list[SourceFlag] = Field(default_factory=list, description="Set at ingest by screening the text.")

    @field_validator("url")
    @classmethod
    def _web_url(cls, v: str | None) -> str | None:
        # Only http(s) links reach the index, citations and the "Open article" button (no javascript:, data:).
        v = (v or "").strip()
        return v if v.lower().startswith(("http://", "https://")) and len(v) > 8 else None

    @property
    def content_hash(self) -> str:
        meta = json.dumps(
            {"title": self.title, "url": self.url, "locale": self.locale, "labels": sorted(self.labels),
             "updated_at": self.updated_at, "format": self.format},
            sort_keys=True,
        )
        return sha256(self.doc_id, meta, self.text)


class Chunk(BaseModel):
    """A retrievable passage. Carries its document's title and heading path for BM25 and embeddings."""

    chunk_id: str = Field(description="sha256(doc_id, normalised chunk text), truncated.")
    doc_id: str
    ordinal: int = Field(description="Position within its document (stable order).")
    text: str
    title: str
    heading_path: list[str] = Field(default_factory=list)
    source: str
    url: str | None = None
    locale: str | None = None
    labels: list[str] = Field(default_factory=list)
    updated_at: str | None = None
    also_in: list[str] = Field(default_factory=list, description="Other doc_ids carrying the same (or near-same) text.")
    duplicate_of: str | None = Field(None, description="Set when this chunk is indexed through another one.")

    @property
    def embed_text(self) -> str:
        """What embeddings and BM25 see: title and heading path give a passage its context."""
        head = " > ".join(h for h in self.heading_path if h and h != self.title)
        return "\n".join(p for p in (self.title, head, self.text) if p)

    @property
    def text_hash(self) -> str:
        """Key of the embedding cache: identical embed text is never embedded twice."""
        return sha256(self.embed_text)


class FileError(BaseModel):
    path: str
    reason: str

    @field_validator("path", "reason")
    @classmethod
    def _printable(cls, v: str) -> str:
        return printable(v)  # a file name with bad bytes must not break the report's JSON, database row or screen


class IngestReport(BaseModel):
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    duplicates: int = 0
    redactions: int = 0
    redactions_by_type: dict[str, int] = Field(default_factory=dict)
    errors: list[FileError] = Field(default_factory=list)
    index_version: int | None = None
    new_version: bool = False
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    run_id: str = ""
    duplicate_groups: list[list[str]] = Field(default_factory=list, description="chunk ids of each dedupe group (kept first).")
    flagged: list[SourceFlag] = Field(default_factory=list, description="What screening found in the documents "
                                      "processed by this run (Services.flagged_sources lists the whole index's).")
