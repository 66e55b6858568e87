"""Samsung Smart TV e-Manual QA (see SOURCE.md in the dataset folder).

The corpus is valid JSON (sections with id, title and a list of text lines). The QA files are
not: they hold trailing commas and doubled quotes, but every field sits on its own line, so a
line-by-line parser reads them. `Section Hierarchy` paths map to corpus sections by the rule in
SOURCE.md (evals.datasets.manuals.map_section_path).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel

from evals.datasets.export import ExportRecord
from evals.datasets.manuals import FOLDER, manual_files, map_section_path, normalise_title, title_index
from evals.errors import DatasetFormatError

__all__ = [  # FOLDER and normalise_title come from evals.datasets.manuals, shared with s10
    "CATEGORIES", "FOLDER", "QAItem", "Section", "category_of", "load_emanual", "load_sections", "map_hierarchy",
    "normalise_title", "parse_qa_text", "qid_of",
]

CORPUS_FILE = "raw/smart_tv_remote_manual_corpus.json"
QA_DIR = "raw/smart_remote_QA"
CATEGORIES = {"normal": "normal", "paraphrased": "paraphrased", "compound": "compound", "yes_no": "yes_no"}
FIELDS = ("Section Hierarchy", "Link", "Question", "Answer")

_FIELD = re.compile(r'^\s*"(?P<key>[^"]+)"\s*:\s*"(?P<value>.*)"\s*,?\s*$')
_CLOSE = re.compile(r"^\s*}\s*,?\s*$")


class QAItem(BaseModel):
    hierarchy: str
    link: str
    question: str
    answer: str
    file: str
    line: int


class Section(BaseModel):
    id: str
    title: str
    lines: list[str]


def parse_qa_text(text: str, file: str = "<text>") -> list[QAItem]:
    """Items of one QA file, read field per line; doubled quotes inside values become one."""
    items: list[QAItem] = []
    cur: dict[str, str] = {}
    start = 0

    def flush(lineno: int) -> None:
        nonlocal cur
        if not cur:
            return
        missing = [f for f in FIELDS if f not in cur]
        if missing:
            raise DatasetFormatError(f"{file}:{start}: QA item lacks {', '.join(missing)}; is the file truncated?")
        items.append(QAItem(hierarchy=cur["Section Hierarchy"], link=cur["Link"], question=cur["Question"],
                            answer=cur["Answer"], file=file, line=start))
        cur = {}

    for lineno, line in enumerate(text.splitlines(), 1):
        m = _FIELD.match(line)
        if m and m["key"] in FIELDS:
            if m["key"] in cur:  # a missing closing brace: the repeated key starts the next item
                flush(lineno)
            if not cur:
                start = lineno
            cur[m["key"]] = m["value"].replace('""', '"').strip()
        elif _CLOSE.match(line):
            flush(lineno)
    flush(0)
    return items


def category_of(qa_file: Path) -> str:
    """'Normal Q&A/…' -> normal, 'Yes_No Q&A/…' -> yes_no."""
    key = qa_file.parent.name.split(" ")[0].lower()
    if key not in CATEGORIES:
        raise DatasetFormatError(f"Unknown e-Manual QA category folder {qa_file.parent.name!r}.")
    return CATEGORIES[key]


def load_sections(path: Path) -> list[Section]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        sections = [Section(id=v["id"], title=v["title"], lines=list(v.get("text") or [])) for v in data.values()]
    except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
        raise DatasetFormatError(f"Cannot read the e-Manual corpus {path}: {e}") from e
    return sorted(sections, key=lambda s: int(re.sub(r"\D", "", s.id) or 0))


map_hierarchy = map_section_path  # the name this dataset's `Section Hierarchy` field suggests


def qid_of(qa_file: Path, category: str, n: int) -> str:
    digits = "_".join(re.findall(r"\d+", qa_file.stem)) or "0"
    return f"{category}-{digits}-{n:03d}"


def load_emanual(datasets_dir: Path) -> tuple[list[dict], list[ExportRecord]]:
    """(query fields, corpus records). Raises when any item maps to no section."""
    corpus, qa_dir = manual_files(datasets_dir, "e-Manual dataset", CORPUS_FILE, QA_DIR)
    sections = load_sections(corpus)
    by_title = title_index((s.id, s.title) for s in sections)

    queries: list[dict] = []
    unmapped: list[str] = []
    for qa_file in sorted(qa_dir.glob("*/*.json")):
        category = category_of(qa_file)
        text = qa_file.read_text(encoding="utf-8-sig")
        for n, item in enumerate(parse_qa_text(text, str(qa_file)), 1):
            relevant = map_section_path(item.hierarchy, by_title)
            if not relevant:
                unmapped.append(f"{qa_file.name}:{item.line} {item.hierarchy!r}")
            queries.append({"qid": qid_of(qa_file, category, n), "text": item.question, "relevant": relevant,
                            "answer": item.answer, "category": category})
    if unmapped:
        raise DatasetFormatError(f"{len(unmapped)} e-Manual items map to no corpus section, e.g. {unmapped[:3]}.")
    records = [ExportRecord(id=s.id, title=s.title, lines=s.lines, labels=["emanual"]) for s in sections]
    return queries, records
