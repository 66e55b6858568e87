"""Any BEIR-format folder: corpus.jsonl (_id, title, text), queries.jsonl (_id, text),
qrels/test.tsv (header `query-id corpus-id score`)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from evals.datasets.export import ExportRecord
from evals.errors import DatasetFormatError, DatasetNotFound
from ingest.normalize import normalize_text


def _jsonl(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise DatasetFormatError(f"{path}:{n}: invalid JSON ({e.msg}).") from e
    return rows


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """query id -> {corpus id: grade}, grades > 0 only (BEIR lists some judged-irrelevant pairs as 0)."""
    out: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t")
        header = next(reader, None)
        if not header or [h.strip() for h in header[:3]] != ["query-id", "corpus-id", "score"]:
            raise DatasetFormatError(f"{path}: expected a header 'query-id<TAB>corpus-id<TAB>score', got {header}.")
        for n, row in enumerate(reader, 2):
            if not row or not "".join(row).strip():
                continue
            try:
                qid, did, score = row[0].strip(), row[1].strip(), int(float(row[2]))
            except (IndexError, ValueError) as e:
                raise DatasetFormatError(f"{path}:{n}: expected query-id, corpus-id, score; got {row}.") from e
            if score > 0:
                out.setdefault(qid, {})[normalize_text(did)] = score
    return out


def load_beir(folder: Path, split: str = "test") -> tuple[list[dict], list[ExportRecord]]:
    """(query fields, corpus records) for the queries judged in qrels/<split>.tsv."""
    corpus, queries, qrels = folder / "corpus.jsonl", folder / "queries.jsonl", folder / "qrels" / f"{split}.tsv"
    missing = [p.name if p.parent == folder else f"qrels/{p.name}" for p in (corpus, queries, qrels) if not p.is_file()]
    if missing:
        raise DatasetNotFound(f"{folder} is not a BEIR folder: missing {', '.join(missing)}.")
    records = []
    for row in _jsonl(corpus):
        if "_id" not in row:
            raise DatasetFormatError(f"{corpus}: a record has no _id.")
        did, title, text = str(row["_id"]), (row.get("title") or "").strip(), row.get("text") or ""
        if not title and not text.strip():
            continue  # nothing to index; qrels pointing here can never be hit, as in any BEIR run
        # The export loader needs a title; BEIR often has none, and the id is the neutral stand-in.
        records.append(ExportRecord(id=did, title=title or did, lines=text.splitlines(), labels=["beir"]))
    texts = {str(r["_id"]): r.get("text") or "" for r in _jsonl(queries) if "_id" in r}
    out = []
    for qid, grades in sorted(read_qrels(qrels).items()):
        if qid not in texts:
            raise DatasetFormatError(f"{qrels}: query {qid!r} is not in queries.jsonl.")
        out.append({"qid": qid, "text": texts[qid], "relevant": sorted(grades, key=lambda d: (-grades[d], d)),
                    "grades": grades})
    return out, records
