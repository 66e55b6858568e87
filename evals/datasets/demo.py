"""The demo help center (demo/helpcenter) and its labeled questions (demo/questions.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path

from evals.errors import DatasetFormatError, DatasetNotFound


def load_demo(repo: Path) -> tuple[list[dict], Path]:
    """(query fields, corpus folder). Out-of-scope questions keep no relevant docs."""
    corpus, questions = repo / "demo" / "helpcenter", repo / "demo" / "questions.jsonl"
    if not corpus.is_dir() or not questions.is_file():
        raise DatasetNotFound(f"The demo dataset is missing: expected {corpus} and {questions}.")
    out = []
    for n, line in enumerate(questions.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append({
                "qid": str(row["id"]), "text": row["question"], "relevant": list(row.get("relevant_doc_ids") or []),
                "answer": row.get("answer") or "", "category": row.get("category") or "default",
                "out_of_scope": row.get("category") == "out_of_scope",
            })
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise DatasetFormatError(f"{questions}:{n}: not a labeled question ({e}); "
                                     "each line needs id, question, relevant_doc_ids.") from e
    return out, corpus
