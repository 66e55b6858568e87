"""TechQA sample: real IBM support-forum tickets answered from IBM technotes (see SOURCE.md in the
dataset folder).

One JSON object a line. The corpus is the distinct technotes of the answerable items (doc id = the
technote's filename); the `is_impossible` questions have no technote and are out of scope. The
technote text is cut at 2,400 characters, so for some answerable questions the answer span is not
in the text we index: their category says so (`not_in_text`) and reports keep them apart.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel, ValidationError

from evals.datasets.export import ExportRecord
from evals.errors import DatasetFormatError, DatasetNotFound

__all__ = ["CATEGORIES", "FOLDER", "RAW_FILE", "TechQAItem", "answer_in_text", "load_techqa",
           "parse_technote", "read_items"]

FOLDER = "techqa_ibm"
RAW_FILE = "raw/techqa_rag_eval_sample.jsonl"
CATEGORIES = ("in_text", "not_in_text", "out_of_scope")
NO_ANSWER = "-"  # the raw file's answer when no technote answers the question
PREFIX_CHARS = 50  # SOURCE.md's rule: the answer's first 50 normalised characters are in the text

# The title may wrap onto a second line; the body starts after the "Text:" line.
_TECHNOTE = re.compile(r"\ATitle:(?P<title>.*?)\n\s*\nText:[ \t]*\n?(?P<body>.*)\Z", re.S)


class Context(BaseModel):
    filename: str
    text: str


class TechQAItem(BaseModel):
    """One line of the raw file, as SOURCE.md describes it."""

    id: str
    question: str
    answer: str
    is_impossible: bool
    contexts: list[Context]


def _normalise(s: str) -> str:
    return " ".join(s.split())


def answer_in_text(answer: str, text: str) -> bool:
    """Whether the answer span's first 50 whitespace-normalised characters occur in the technote text."""
    prefix = _normalise(answer)[:PREFIX_CHARS]
    return bool(prefix) and prefix in _normalise(text)


def parse_technote(text: str, where: str = "<text>") -> tuple[str, list[str]]:
    """(title, body lines) of a technote `Title: ...\\n\\nText:\\n...`; blank lines dropped."""
    m = _TECHNOTE.match(text)
    if not m:
        raise DatasetFormatError(f"{where}: technote text does not start 'Title: <title>' then a 'Text:' "
                                 "line; is this the TechQA sample described in SOURCE.md?")
    lines = [ln.strip() for ln in m["body"].splitlines()]
    return _normalise(m["title"]), [ln for ln in lines if ln]


def read_items(path: Path) -> list[TechQAItem]:
    """Every item of the JSONL file; a bad line raises with its line number."""
    items: list[TechQAItem] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise DatasetFormatError(f"Cannot read the TechQA sample {path}: {e}") from e
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = TechQAItem.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as e:
            first = str(e).splitlines()[0] if isinstance(e, json.JSONDecodeError) else \
                f"{'.'.join(map(str, e.errors()[0]['loc'])) or 'line'}: {e.errors()[0]['msg']}"
            raise DatasetFormatError(f"{path}:{lineno}: not a TechQA item ({first}). Each line must be a "
                                     "JSON object with id, question, answer, is_impossible and contexts; "
                                     "restore the file from SOURCE.md's origin.") from e
        if item.is_impossible == bool(item.contexts):
            raise DatasetFormatError(
                f"{path}:{lineno}: item {item.id} has is_impossible={item.is_impossible} but "
                f"{len(item.contexts)} contexts; answerable items have their technote, "
                "unanswerable ones none.")
        items.append(item)
    if not items:
        raise DatasetFormatError(f"{path} holds no TechQA items.")
    return items


def _qid_key(qid: str) -> tuple:
    # Natural order (TRAIN_Q9 before TRAIN_Q10); the raw file is not in id order.
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", qid))


def load_techqa(datasets_dir: Path) -> tuple[list[dict], list[ExportRecord]]:
    """(query fields, corpus records), queries in id order and technotes in filename order."""
    path = Path(datasets_dir) / FOLDER / RAW_FILE
    if not path.is_file():
        raise DatasetNotFound(f"The TechQA sample is not at {path}. Set DEFLECT_EVAL_DATASETS_DIR to the "
                              f"folder that holds {FOLDER}/{RAW_FILE}.")
    items = read_items(path)
    seen_ids: set[str] = set()
    technotes: dict[str, str] = {}
    queries: list[dict] = []
    for item in items:
        if item.id in seen_ids:
            raise DatasetFormatError(f"{path}: question id {item.id} appears twice; ids must be unique.")
        seen_ids.add(item.id)
        for c in item.contexts:
            if technotes.setdefault(c.filename, c.text) != c.text:
                raise DatasetFormatError(f"{path}: technote {c.filename} has two different texts "
                                         f"(second at item {item.id}); one document needs one text.")
        answer = "" if item.answer.strip() == NO_ANSWER else item.answer
        if item.is_impossible:
            category = "out_of_scope"
        else:
            # An answerable item without an answer span cannot be found in its text: not_in_text.
            found = any(answer_in_text(answer, c.text) for c in item.contexts)
            category = "in_text" if found else "not_in_text"
        queries.append({"qid": item.id, "text": item.question.strip(),
                        "relevant": sorted({c.filename for c in item.contexts}), "answer": answer,
                        "category": category, "out_of_scope": item.is_impossible})
    records = []
    for filename in sorted(technotes):
        title, lines = parse_technote(technotes[filename], f"{path}: {filename}")
        records.append(ExportRecord(id=filename, title=title, lines=lines, labels=["techqa"]))
    return sorted(queries, key=lambda q: _qid_key(q["qid"])), records
