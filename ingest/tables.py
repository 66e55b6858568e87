"""Markdown tables in Markdown-shaped text: finding them, and their rows' cells.

Shared by the chunker (which must not cut a table away from its header) and the assistant's
sentence splitter (which reads each row with its column labels).
"""

from __future__ import annotations

import re
from typing import NamedTuple

# A delimiter row: cells of dashes with optional alignment colons ("| --- | :-: |", "---|---").
_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


class Table(NamedTuple):
    start: int  # first line (the header, or the first row of a table without one)
    end: int  # one past the last row
    header: int  # number of lines that open the table and go with every part of it (0 or 2)


def is_delimiter(line: str) -> bool:
    """'| --- | --- |' under a header row; a lone '---' (a rule or a setext underline) is not one."""
    return "|" in line and "-" in line and bool(_DELIMITER.match(line))


def split_cells(line: str) -> list[str]:
    r"""'| a | b \| c |' -> ['a', 'b | c']: outer pipes off, escaped pipes kept inside their cell."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(body)]


def md_row(cells) -> str:
    r"""['a', 'b | c'] -> '| a | b \| c |': the inverse of split_cells."""
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def md_delimiter(n: int) -> str:
    return md_row(["---"] * n)


def find_tables(lines: list[str]) -> list[Table]:
    """Every table in `lines`: a header row over a delimiter row, then rows; or a run of '|' lines."""
    stripped = [line.strip() for line in lines]

    def opens_header(i: int) -> bool:
        return "|" in stripped[i] and not is_delimiter(stripped[i]) and i + 1 < len(stripped) \
            and is_delimiter(stripped[i + 1])

    out: list[Table] = []
    i = 0
    while i < len(stripped):
        if opens_header(i):
            j = i + 2
            while j < len(stripped) and "|" in stripped[j]:
                j += 1
            out.append(Table(i, j, 2))
        elif stripped[i].startswith("|"):
            j = i + 1
            while j < len(stripped) and stripped[j].startswith("|") and not opens_header(j):
                j += 1
            out.append(Table(i, j, 0))
        else:
            j = i + 1
        i = j
    return out
