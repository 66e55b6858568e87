"""Passage text -> sendable sentences: Markdown cleaned, list items, steps and table rows as units.

Chunks arrive Markdown-shaped (headings stripped by the chunker) or as hard-wrapped PDF lines.
A line break starts a new unit only at a blank line, a list item, a table row or a heading;
otherwise wrapped lines are joined and split again at sentence ends. A numbered step and a
table row are each one unit, never split: a row's cells only make sense together and with
their column labels, so a row is rendered as one sentence ("Pro — Price: $29; Seats: 5.").
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ingest.tables import is_delimiter, md_delimiter, md_row, split_cells
from retrieval.tokenize import tokenize


class Unit(NamedTuple):
    text: str  # cleaned, sendable text
    index: int  # position in the passage, from 0
    kind: str  # "sentence" | "item" | "step" | "row"
    block: int  # paragraph / list / table number, for contiguity
    cells: tuple[str, ...] = ()  # a row's cleaned cell values, in column order
    header: tuple[str, ...] = ()  # a row's cleaned column labels (empty when the table has none)
    heading: str = ""  # the heading above it inside the passage ("CAUSE", or a Markdown heading)
    section: int = 0  # how many headings precede it in the passage: units of one section share it


_LIST = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")
_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s")
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


class _Line(NamedTuple):
    kind: str
    text: str
    block: int
    cells: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    heading: str = ""
    section: int = 0


# A list of keywords ("rules; rules file; array"): an article's tags, never a sendable sentence.
_TAGS = re.compile(r"^[^.!?;]{1,40}(?:;[^.!?;]{1,40}){2,};?(?:[^.!?;]{0,40})$")
_MAX_HEADING_WORDS = 6


def _is_tag_line(line: str) -> bool:
    return bool(_TAGS.match(line)) and all(len(part.split()) <= 4 for part in line.split(";"))


def _is_heading_line(line: str, nxt: str) -> bool:
    """A short line in capitals followed by a line that opens a sentence: a heading the source wrote as
    plain text ("CAUSE", "RESOLVING THE PROBLEM"), as text exports, e-mails and knowledge-base notes do.
    Title-case lines are left alone: in PDF text they are as often captions, UI labels or a wrapped
    line in mid-sentence as headings, and reading them as headings cut answers apart (measured)."""
    words = line.split()
    if not 1 <= len(words) <= _MAX_HEADING_WORDS or len(line) > 60 or line.endswith((".", "!", "?", ",", ";", ":", "-", "(")):
        return False
    if not nxt or not (nxt[0].isupper() or nxt[0].isdigit() or _LIST.match(nxt)):
        return False
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _logical_lines(text: str) -> list[_Line]:
    """One entry per logical line: wrapped lines joined, items, steps and rows kept apart.

    A table row is labelled only by the header row directly above a delimiter row, so a
    passage that starts mid-table (its header in another chunk) never takes a data row for
    the header and pairs the next row's cells with it; such rows come out unlabelled.
    """
    raw_lines = [raw.strip() for raw in text.splitlines()]
    lines: list[_Line] = []
    header: tuple[str, ...] | None = None  # None: not in a table; (): a table without a header
    block, cur, cur_kind = 0, [], ""
    heading, section = "", 0

    def flush():
        nonlocal cur, cur_kind
        if cur:
            lines.append(_Line(cur_kind, " ".join(cur), block, heading=heading, section=section))
        cur, cur_kind = [], ""

    for i, line in enumerate(raw_lines):
        nxt = raw_lines[i + 1] if i + 1 < len(raw_lines) else ""
        is_md_heading = bool(_HEADING.match(line))
        if not line or is_md_heading:
            flush()
            block += 1
            header = None
            if is_md_heading:
                heading, section = clean(_HEADING.sub("", line)).lstrip("#").strip(), section + 1
            continue
        if "|" in line and (line.startswith("|") or header is not None or is_delimiter(nxt)):
            if is_delimiter(line):
                continue
            if header is None or is_delimiter(nxt):
                flush()
                block += 1
            cells = tuple(clean(c) for c in split_cells(line))
            if is_delimiter(nxt):
                header = cells
                continue
            header = header or ()
            lines.append(_Line("row", row_sentence(header, cells), block, cells, header, heading, section))
            continue
        header = None
        if _is_tag_line(line):
            flush()
            continue
        if not _LIST.match(line) and _is_heading_line(line, nxt):
            flush()
            block += 1
            heading, section = clean(line), section + 1
            continue
        if _LIST.match(line):
            flush()
            kind = "step" if _NUMBERED.match(line) else "item"
            if not lines or lines[-1].kind != kind or lines[-1].block != block:
                block += 1
            cur, cur_kind = [_LIST.sub("", line)], kind
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


def row_sentence(header: tuple[str, ...] | list[str], cells: tuple[str, ...] | list[str]) -> str:
    """One table row as one sentence: the first cell is the subject, the others 'Label: value'.

    ('Role', 'Can', 'Cannot') + ('Accountant', 'View invoices', 'Issue refunds')
    -> 'Accountant — Can: View invoices; Cannot: Issue refunds.' Empty cells are skipped;
    a cell without a label (no header, or more cells than labels) stands on its own.
    """
    cells = [c.strip() for c in cells]
    labels = list(header[1:]) if header else []
    pairs = []
    for k, value in enumerate(cells[1:]):
        value = value.rstrip(" .;")  # the row gets one full stop; cells end mid-sentence
        if not value:
            continue
        label = labels[k].strip() if k < len(labels) else ""
        pairs.append(f"{label}: {value}" if label else value)
    subject = cells[0].rstrip(" .;") if cells else ""
    body = "; ".join(pairs)
    text = f"{subject} — {body}" if subject and body else subject or body
    return text if not text or text.endswith((".", "!", "?")) else f"{text}."


def units(text: str) -> list[Unit]:
    """Every sendable unit of a passage, in document order."""
    out: list[Unit] = []
    for line in _logical_lines(text):
        # A step and a row are whole units: half a step or one cell of a row misleads.
        pieces = [line.text] if line.kind in ("row", "step") else split_sentences(clean(line.text))
        for piece in pieces:
            piece = clean(piece)
            if len(tokenize(piece)) == 0:
                continue
            out.append(Unit(piece, len(out), line.kind, line.block, line.cells, line.header, line.heading,
                            line.section))
    return out


def as_markdown(picked: list[Unit]) -> str:
    """Units back to Markdown lines: steps numbered, items bulleted, rows under their header.

    What a cut-down passage is rebuilt from, so it still parses into the same kinds of units;
    a blank line between blocks keeps a step from swallowing the paragraph after it.
    """
    out: list[str] = []
    prev: Unit | None = None
    step = 0
    for u in picked:
        same_block = prev is not None and prev.block == u.block and prev.kind == u.kind
        if out and prev is not None and prev.block != u.block:
            out.append("")
        if u.heading and (prev is None or prev.section != u.section):
            out += [f"#### {u.heading}", ""]  # parsed back as this unit's heading
        if u.kind == "row":
            if u.header and (not same_block or prev.header != u.header):
                out += [md_row(u.header), md_delimiter(len(u.header))]
            out.append(md_row(u.cells or (u.text,)))
        else:
            step = step + 1 if u.kind == "step" and same_block else 1
            out.append(f"{step}. {u.text}" if u.kind == "step" else f"- {u.text}" if u.kind == "item" else u.text)
        prev = u
    return "\n".join(out)


_CITE = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")


def draft_sentences(draft: str) -> list[tuple[str, list[int]]]:
    """A draft's sentences with the [n] numbers each one carries (markers removed from the text).

    Markers stand after the sentence they support ('... 180 days [2].' or '... 180 days. [2]'),
    so a marker that opens a piece belongs to the sentence before it.
    """
    out: list[tuple[str, list[int]]] = []
    for line in _logical_lines(draft):
        for piece in ([line.text] if line.kind == "row" else split_sentences(line.text)):
            lead = re.match(r"^(?:\s*\[\d+(?:\s*,\s*\d+)*\])+", piece)
            if lead and out:
                out[-1][1].extend(int(n) for g in _CITE.findall(lead.group(0)) for n in g.split(","))
                piece = piece[lead.end():]
            nums = [int(n) for g in _CITE.findall(piece) for n in g.split(",")]
            text = clean(_CITE.sub("", piece))
            if tokenize(text):
                out.append((text, list(dict.fromkeys(nums))))
    return [(t, list(dict.fromkeys(c))) for t, c in out]
