"""Passage text -> sendable sentences: Markdown cleaned, list items and table rows as units.

Chunks arrive Markdown-shaped (headings stripped by the chunker) or as hard-wrapped PDF lines.
A line break starts a new unit only at a blank line, a list item, a table row or a heading;
otherwise wrapped lines are joined and split again at sentence ends.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from retrieval.tokenize import tokenize


class Unit(NamedTuple):
    text: str  # cleaned, sendable text
    index: int  # position in the passage, from 0
    kind: str  # "sentence" | "item" | "row"
    block: int  # paragraph / list number, for contiguity


_LIST = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}")
_LINK = re.compile(r"\[([^\]]+)\]\((\S+?)\)")
_EMPH = re.compile(r"(\*\*|__|`)")
_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_SPACE_PUNCT = re.compile(r"\s+([,.;:!?)])")
_ABBREV = frozenset("e.g i.e etc vs approx no fig p pp dr mr mrs ms st inc ltd min max".split())  # noqa: SIM905
# A sentence ends at . ! ? followed by space and an upper-case letter, digit, quote or bracket.
_SENT_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")


def clean(text: str) -> str:
    """Markdown emphasis and link syntax out, whitespace collapsed, stray spaces before punctuation fixed."""
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})", text)
    text = _STAR.sub(r"\1", _EMPH.sub("", text))
    text = " ".join(text.split())
    return _SPACE_PUNCT.sub(r"\1", text).strip()


def split_sentences(text: str) -> list[str]:
    """Split one paragraph at sentence ends, not after common abbreviations."""
    out: list[str] = []
    start = 0
    for m in _SENT_END.finditer(text):
        before = text[start:m.start()].rstrip("\"')]")
        last = before.rsplit(None, 1)[-1].rstrip(".").lower() if before.split() else ""
        if last in _ABBREV or (len(last) == 1 and last.isalpha()):
            continue
        out.append(text[start:m.start()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def _logical_lines(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, block) per logical line: wrapped lines joined, items and rows kept apart."""
    lines: list[tuple[str, str, int]] = []
    header: list[str] = []
    block, cur, cur_kind = 0, [], ""

    def flush():
        nonlocal cur, cur_kind
        if cur:
            lines.append((cur_kind, " ".join(cur), block))
        cur, cur_kind = [], ""

    for raw in text.splitlines():
        line = raw.strip()
        if not line or _HEADING.match(line):
            flush()
            block += 1
            header = []
            continue
        if line.startswith("|"):
            flush()
            if _TABLE_SEP.match(line):
                continue
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not header:
                header = cells
                continue
            lines.append(("row", _row_sentence(header, cells), block))
            continue
        if _LIST.match(line):
            flush()
            if cur_kind != "item" and lines and lines[-1][0] != "item":
                block += 1
            cur, cur_kind = [_LIST.sub("", line)], "item"
            continue
        if cur and _starts_sentence(cur[-1], line):
            flush()
        if not cur:
            cur_kind = "sentence"
        cur.append(line)
    flush()
    return lines


# Words a wrapped line can end with when the sentence goes on (PDF text: "press the / Home button").
_CONTINUES = frozenset(
    "a an the to of in on at by for from with and or but not your you this that press select then when if is are be can will may".split()  # noqa: SIM905, E501
)


def _starts_sentence(prev: str, line: str) -> bool:
    """A wrapped line that opens a new sentence although the previous one has no full stop.

    PDF extraction leaves captions and UI labels on lines of their own ("Ambient Mode"); a long
    capitalised line after one that does not end mid-phrase starts a new sentence.
    """
    words = line.split()
    last = prev.rstrip().rsplit(None, 1)[-1].lower() if prev.strip() else ""
    return (len(words) >= 4 and line[0].isupper() and not prev.rstrip().endswith((",", ";", ":", "-", "("))
            and last not in _CONTINUES)


def _row_sentence(header: list[str], cells: list[str]) -> str:
    """A table row as one readable line: 'Pro: Price $29; Seats 5'."""
    pairs = [f"{h} {c}".strip() if h else c for h, c in zip(header[1:], cells[1:], strict=False) if c]
    head = cells[0] if cells else ""
    return f"{head}: {'; '.join(pairs)}" if pairs else head


def units(text: str) -> list[Unit]:
    """Every sendable unit of a passage, in document order."""
    out: list[Unit] = []
    for kind, line, block in _logical_lines(text):
        pieces = [line] if kind == "row" else split_sentences(clean(line))
        for piece in pieces:
            piece = clean(piece)
            if len(tokenize(piece)) == 0:
                continue
            out.append(Unit(piece, len(out), "sentence" if kind == "sentence" else kind, block))
    return out


_CITE = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")


def draft_sentences(draft: str) -> list[tuple[str, list[int]]]:
    """A draft's sentences with the [n] numbers each one carries (markers removed from the text).

    Markers stand after the sentence they support ('... 180 days [2].' or '... 180 days. [2]'),
    so a marker that opens a piece belongs to the sentence before it.
    """
    out: list[tuple[str, list[int]]] = []
    for kind, line, _ in _logical_lines(draft):
        for piece in ([line] if kind == "row" else split_sentences(line)):
            lead = re.match(r"^(?:\s*\[\d+(?:\s*,\s*\d+)*\])+", piece)
            if lead and out:
                out[-1][1].extend(int(n) for g in _CITE.findall(lead.group(0)) for n in g.split(","))
                piece = piece[lead.end():]
            nums = [int(n) for g in _CITE.findall(piece) for n in g.split(",")]
            text = clean(_CITE.sub("", piece))
            if tokenize(text):
                out.append((text, list(dict.fromkeys(nums))))
    return [(t, list(dict.fromkeys(c))) for t, c in out]
