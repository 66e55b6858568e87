"""Heading-aware chunking: Markdown headings first, then recursive character windows.

Every loader emits Markdown-shaped text, so one splitter pair serves every format. Tables are
split apart from the windows: a table row means something only with its column labels, so a
table is never cut between its header and its rows nor inside a row; a table larger than a
chunk is cut between rows and every part repeats the header.
"""

from __future__ import annotations

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from ingest.models import Chunk, Document, sha256
from ingest.tables import find_tables

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

    def pieces(self, text: str) -> list[str]:
        """One section's text as chunk texts: prose in windows, tables in whole-row parts."""
        lines = text.split("\n")
        out: list[str] = []
        at = 0
        for t in find_tables(lines):
            out += self._windows.split_text("\n".join(lines[at:t.start]))
            out += table_parts(lines[t.start:t.end], t.header, self.chunk_size)
            at = t.end
        out += self._windows.split_text("\n".join(lines[at:]))
        return out

    def split(self, doc: Document) -> list[Chunk]:
        chunks: list[Chunk] = []
        seen: set[str] = set()
        for section in self._headers.split_text(doc.text):
            path = [section.metadata[k] for _, k in _HEADERS if k in section.metadata]
            for piece in self.pieces(section.page_content):
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


def table_parts(lines: list[str], header: int, size: int) -> list[str]:
    """A table as few parts of at most `size` characters, each its first `header` lines plus whole rows.

    A row longer than a part on its own still goes whole, in a part of its own: an oversized
    chunk reads better than half a row without its other cells.
    """
    head, rows = lines[:header], [r for r in lines[header:] if r.strip()]
    if not rows:
        return ["\n".join(head)] if head else []
    parts: list[list[str]] = []
    used = size  # forces a new part for the first row
    for row in rows:
        if parts and used + 1 + len(row) <= size:
            parts[-1].append(row)
            used += 1 + len(row)
        else:
            parts.append([*head, row])
            used = len("\n".join(parts[-1]))
    return ["\n".join(p) for p in parts]
