"""Galaxy S10 e-Manual QA, the optional extra of emanual_samsung_tv (see SOURCE.md there).

A held-out check: a second manual, written by another team, with a real section hierarchy.
Sections are indexed from their `html` (never `t5_para`, which has machine-generated questions
appended). The HTML was stored as UTF-8 decoded as Latin-1 ("friendâ\\x80\\x99s"), so it is
repaired first. A question's `section_path` (`Apps>Samsung apps>Camera>Camera settings`) maps to
sections by the emanual rule (evals.datasets.manuals.map_section_path), looked up first among the
sections of the page its `section_link` names, then in the whole manual.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from evals.datasets.export import ExportRecord
from evals.datasets.manuals import manual_files, map_section_path, normalise_title, title_index
from evals.errors import DatasetFormatError
from ingest.normalize import html_to_markdown

CORPUS_FILE = "raw/s10_manual_corpus.json"
QA_FILE = "raw/s10_50_questions.csv"
_HEADING = re.compile(r"^#+\s*")


def repair_mojibake(s: str) -> str:
    """UTF-8 bytes that were decoded as Latin-1 back to text; anything else unchanged."""
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def section_lines(title: str, html_parts: list[str]) -> list[str]:
    """Visible text of a section, one paragraph a line; the heading that repeats the title goes,
    other heading marks become plain text (the export wraps every line in <p>)."""
    _, text = html_to_markdown(repair_mojibake("".join(html_parts)))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if lines and normalise_title(_HEADING.sub("", lines[0])) == normalise_title(title):
        lines = lines[1:]
    return [_HEADING.sub("", ln) for ln in lines]


def page_of(url: str) -> str:
    """The page a section URL points into: no scheme, no fragment."""
    return re.sub(r"^https?://", "", url.strip()).split("#", 1)[0]


def map_path(path: str, candidates: list[dict]) -> list[str]:
    """Relevant ids among `candidates` (corpus section dicts) for a section path."""
    return map_section_path(path, title_index((s["id"], s["title"]) for s in candidates))


def load_s10(datasets_dir: Path) -> tuple[list[dict], list[ExportRecord]]:
    """(query fields, corpus records). Raises when any question maps to no section."""
    corpus, qa = manual_files(datasets_dir, "S10 e-Manual extra", CORPUS_FILE, QA_FILE)
    try:
        sections = list(json.loads(corpus.read_text(encoding="utf-8")).values())
        with qa.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        by_page: dict[str, list[dict]] = {}
        for s in sections:
            by_page.setdefault(page_of(s["section_url"]), []).append(s)
        page_titles = {page: title_index((s["id"], s["title"]) for s in group) for page, group in by_page.items()}
        all_titles = title_index((s["id"], s["title"]) for s in sections)
        queries, unmapped = [], []
        for row in rows:
            path = row["section_path"]
            relevant = map_section_path(path, page_titles.get(page_of(row["section_link"]), {})) \
                or map_section_path(path, all_titles)
            if not relevant:
                unmapped.append(f"{row['question_id']} {row['section_path']!r}")
            queries.append({"qid": f"s10-{row['question_id']}", "text": row["question"].strip(),
                            "relevant": relevant, "answer": row["answer"].strip(), "category": "s10"})
        records = [ExportRecord(id=s["id"], title=repair_mojibake(s["title"]).strip(),
                                lines=section_lines(s["title"], s["html"]), url=s["section_url"], labels=["s10"])
                   for s in sections]
    except (OSError, json.JSONDecodeError, csv.Error, KeyError, TypeError, AttributeError) as e:
        raise DatasetFormatError(f"Cannot read the S10 e-Manual data in {corpus.parent}: {e}") from e
    if unmapped:
        raise DatasetFormatError(f"{len(unmapped)} S10 questions map to no section, e.g. {unmapped[:3]}.")
    return queries, records
