"""Small-to-big: search finds short chunks, the draft reads the section around them.

Chunks are sized for retrieval precision (a few sentences); an answer (steps, a rule and its
exception) often runs across two or three of them. Each hit is grown into the run of neighbouring
chunks of the same section (same document and heading path), within a character budget, with the
splitter's overlap between neighbours removed. Hits landing in a section already taken add nothing.
"""

from __future__ import annotations

from typing import NamedTuple

from ingest.models import Chunk
from ingest.tables import find_tables
from retrieval.models import Hit


class Passage(NamedTuple):
    key: tuple  # (doc_id, heading path): one block per section
    text: str


def join_overlapping(a: str, b: str, max_overlap: int = 400) -> str:
    """a + b without the text b repeats from a's end (the chunker's overlap, or a table's header)."""
    rows = _table_continuation(a, b)
    if rows is not None:
        return f"{a}\n{rows}"
    for k in range(min(len(a), len(b), max_overlap), 9, -1):
        if a.endswith(b[:k]):
            return a + b[k:]
    return f"{a}\n\n{b}"


def _table_continuation(a: str, b: str) -> str | None:
    """b's rows when b is the next part of the table a ends with (the chunker repeats its header)."""
    a_lines, b_lines = a.split("\n"), b.split("\n")
    head = find_tables(b_lines)[:1]
    if not head or head[0].start != 0 or not head[0].header:
        return None
    last = find_tables(a_lines)[-1:]
    if not last or last[0].end != len(a_lines) or a_lines[last[0].start: last[0].start + 2] != b_lines[:2]:
        return None
    return "\n".join(b_lines[2:])


def grow(chunks: list[Chunk], center: int, max_chars: int) -> list[Chunk]:
    """Neighbours of chunks[center] added while they fit, the following one first (answers follow their lead)."""
    lo = hi = center
    size = len(chunks[center].text)
    while True:
        grew = False
        for side in ("after", "before"):
            i = hi + 1 if side == "after" else lo - 1
            if 0 <= i < len(chunks) and size + len(chunks[i].text) <= max_chars:
                size += len(chunks[i].text)
                lo, hi = min(lo, i), max(hi, i)
                grew = True
        if not grew:
            return chunks[lo: hi + 1]


class SectionExpander:
    def __init__(self, catalog, max_chars: int = 1200):
        if max_chars <= 0:
            raise ValueError(f"max_chars must be greater than 0, got {max_chars}")
        self.catalog, self.max_chars = catalog, max_chars

    def passages(self, hits: list[Hit]) -> dict[str, Passage]:
        """chunk_id -> the passage its section contributes (first hit per section wins)."""
        if not hits or self.catalog is None:
            return {h.chunk_id: Passage((h.doc_id, tuple(h.heading_path), h.chunk_id), h.text) for h in hits}
        version = hits[0].index_version
        by_doc: dict[str, list[Chunk]] = {}
        for c in sorted(self.catalog.chunks_of_docs(version, sorted({h.doc_id for h in hits})),
                        key=lambda c: (c.doc_id, c.ordinal)):
            by_doc.setdefault(c.doc_id, []).append(c)
        out: dict[str, Passage] = {}
        for h in hits:
            section = [c for c in by_doc.get(h.doc_id, []) if c.heading_path == h.heading_path]
            at = next((i for i, c in enumerate(section) if c.chunk_id == h.chunk_id), None)
            key = (h.doc_id, tuple(h.heading_path))
            if at is None:
                out[h.chunk_id] = Passage(key + (h.chunk_id,), h.text)
                continue
            text = ""
            for c in grow(section, at, self.max_chars):
                text = join_overlapping(text, c.text) if text else c.text
            out[h.chunk_id] = Passage(key, text)
        return out
