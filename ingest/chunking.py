"""Heading-aware chunking: Markdown headings first, then recursive character windows.

Every loader emits Markdown-shaped text, so one splitter pair serves every format.
"""

from __future__ import annotations

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from ingest.models import Chunk, Document, sha256

_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]


def normalise_for_id(text: str) -> str:
    """Whitespace- and case-insensitive form used for chunk ids and exact dedupe."""
    return " ".join(text.split()).lower()


def chunk_id(doc_id: str, text: str) -> str:
    return sha256(doc_id, normalise_for_id(text))[:32]


class Chunker:
    def __init__(self, chunk_size: int = 1000, chunk_overlap: int = 150):
        if chunk_overlap >= chunk_size:
            raise ValueError(f"chunk_overlap ({chunk_overlap}) must be smaller than chunk_size ({chunk_size}).")
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self._headers = MarkdownHeaderTextSplitter(_HEADERS, strip_headers=True)
        self._windows = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size, chunk_overlap=chunk_overlap,
            separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
            keep_separator="end",
        )

    def split(self, doc: Document) -> list[Chunk]:
        chunks: list[Chunk] = []
        seen: set[str] = set()
        for section in self._headers.split_text(doc.text):
            path = [section.metadata[k] for _, k in _HEADERS if k in section.metadata]
            for piece in self._windows.split_text(section.page_content):
                piece = piece.strip()
                if not piece:
                    continue
                cid = chunk_id(doc.doc_id, piece)
                if cid in seen:  # the same passage twice in one article: index it once
                    continue
                seen.add(cid)
                chunks.append(
                    Chunk(
                        chunk_id=cid, doc_id=doc.doc_id, ordinal=len(chunks), text=piece,
                        title=doc.title, heading_path=path, source=doc.source, url=doc.url,
                        locale=doc.locale, labels=sorted(doc.labels), updated_at=doc.updated_at,
                    )
                )
        return chunks
