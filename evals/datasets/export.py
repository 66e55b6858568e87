"""Materialise a non-native corpus as a help-center JSONL export, the format `deflect ingest` reads.

The file lives in the dataset's own data dir (never in the repo). It is rewritten only when its
content changes, and the ingest pipeline is incremental, so loading a dataset again costs nothing.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, Field


class ExportRecord(BaseModel):
    """One article of a help-center export (the fields the export loader reads)."""

    id: str
    title: str
    lines: list[str] = Field(description="Body text, one paragraph per line.")
    url: str | None = None
    updated_at: str | None = None
    locale: str | None = "en"
    labels: list[str] = Field(default_factory=list)

    def to_json(self) -> dict:
        lines = [ln.strip() for ln in self.lines if ln and ln.strip()]
        # A heading-only section still exists in the source; its title is all the text it has.
        lines = lines or [self.title]
        body = "\n".join(f"<p>{html.escape(ln, quote=False)}</p>" for ln in lines)
        return {"id": self.id, "title": self.title, "body": body, "url": self.url,
                "updated_at": self.updated_at, "locale": self.locale, "labels": self.labels}


def write_export(records: Iterable[ExportRecord], path: Path) -> Path:
    """Write records as JSON Lines at `path`; leaves an identical file untouched."""
    text = "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in records)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return path
