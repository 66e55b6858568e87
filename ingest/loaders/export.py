"""Help-center exports (.json / .jsonl): one Document per article record.

Accepted shapes: a JSON array of articles, an object with an "articles" list (Zendesk-style),
or JSON Lines. Each article needs `id`, `title` and `body` (HTML); `url`, `updated_at`, `locale`
and `labels` (or Zendesk's `label_names`) are optional.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ingest.errors import LoaderError
from ingest.loaders.base import LoadResult
from ingest.models import Document, FileError
from ingest.normalize import html_to_markdown, normalize_text

_SHAPE_HINT = 'expected a list of articles, an object with an "articles" list, or JSON Lines'


def load_export(path: Path, text: str, rel: str) -> LoadResult:
    """Load every usable article; unusable records come back as `problems`.

    Raises LoaderError when the file is not an export at all or no record is usable.
    """
    records, problems = _parse(path, text, rel)
    if not records and not problems:
        raise LoaderError(str(path), f"export has no articles; {_SHAPE_HINT}")
    docs: list[Document] = []
    seen: set[str] = set()
    for label, record in records:
        try:
            doc = _to_document(record, rel)
        except ValueError as e:
            problems.append(FileError(path=_where(rel, record, label), reason=str(e)))
            continue
        if doc.doc_id in seen:
            problems.append(FileError(path=f"{rel}#{doc.doc_id}", reason="duplicate article id; kept the first"))
            continue
        seen.add(doc.doc_id)
        docs.append(doc)
    if not docs:
        first = problems[0].reason if problems else "no records"
        raise LoaderError(
            str(path),
            f"no usable article in the export ({len(problems)} problem(s), first: {first}); "
            "each article needs id, title and body",
        )
    return LoadResult(docs, problems)


def _parse(path: Path, text: str, rel: str) -> tuple[list[tuple[str, Any]], list[FileError]]:
    """(where, record) pairs, `where` naming the record for error messages; and bad JSONL lines."""
    if path.suffix.lower() == ".jsonl":
        return _parse_jsonl(path, text, rel)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise LoaderError(str(path), f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from e
    except RecursionError as e:
        raise LoaderError(str(path), "JSON is nested too deeply to parse") from e
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    if not isinstance(data, list):
        raise LoaderError(str(path), f"not a help-center export: {_SHAPE_HINT}")
    return [(f"{rel} (record {n})", record) for n, record in enumerate(data, 1)], []


def _parse_jsonl(path: Path, text: str, rel: str) -> tuple[list[tuple[str, Any]], list[FileError]]:
    records: list[tuple[str, Any]] = []
    problems: list[FileError] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append((f"{rel}:{lineno}", json.loads(line)))
        except json.JSONDecodeError as e:
            problems.append(FileError(path=f"{rel}:{lineno}", reason=f"invalid JSON: {e.msg} (column {e.colno})"))
        except RecursionError:
            problems.append(FileError(path=f"{rel}:{lineno}", reason="JSON is nested too deeply to parse"))
    if not records:
        raise LoaderError(str(path), f"no valid JSON line in the file; {_SHAPE_HINT}")
    return records, problems


def _to_document(record: Any, rel: str) -> Document:
    """One article as a Document; ValueError with a readable reason when it is unusable."""
    if not isinstance(record, dict):
        raise ValueError(f"record is a {type(record).__name__}, not an object")
    missing = [k for k in ("id", "title", "body") if record.get(k) in (None, "")]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}; each article needs id, title and body")
    rid = record["id"]
    if isinstance(rid, bool) or not isinstance(rid, str | int):
        raise ValueError(f"id must be a string or integer, got {type(rid).__name__}")
    doc_id = normalize_text(str(rid))
    if not doc_id:
        raise ValueError("id is blank")
    title, body = record["title"], record["body"]
    if not isinstance(title, str) or not isinstance(body, str):
        raise ValueError("title and body must be strings")
    title = normalize_text(title)
    if not title:
        raise ValueError("missing title; each article needs id, title and body")
    try:
        _, text = html_to_markdown(body)
    except RecursionError as e:
        raise ValueError("body HTML is nested too deeply to parse") from e
    if not text:
        raise ValueError("body has no visible text")
    labels = record.get("labels", record.get("label_names")) or []
    return Document(
        doc_id=doc_id,
        source=f"{rel}#{doc_id}",
        format="export",
        title=title,
        text=text,
        url=_opt_str(record.get("url") or record.get("html_url")),
        locale=_opt_str(record.get("locale")),
        labels=[normalize_text(x) for x in labels if isinstance(x, str) and x.strip()] if isinstance(labels, list) else [],
        updated_at=_opt_str(record.get("updated_at")),
    )


def _opt_str(value: Any) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    s = normalize_text(str(value))
    return s or None


def _where(rel: str, record: Any, label: str) -> str:
    rid = record.get("id") if isinstance(record, dict) else None
    if isinstance(rid, str | int) and not isinstance(rid, bool) and str(rid).strip():
        return f"{rel}#{rid}"
    return label
