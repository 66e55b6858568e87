"""Uploaded files land in <data_dir>/uploads/<UTC stamp>/ under safe names, then ingest like a folder."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from deflectkit.core.errors import InputError

_SAFE_NAME = re.compile(r"[^\w.\-]+")


def safe_name(name: str) -> str:
    """Only the base name, stripped of anything odd: an upload can never write outside its folder."""
    return _SAFE_NAME.sub("_", Path((name or "").replace("\\", "/")).name).lstrip(".") or "upload"


def save_uploads(files: Iterable[tuple[str, bytes]], data_dir: Path, now: datetime | None = None) -> Path:
    """Write (name, bytes) pairs under data_dir/uploads/<UTC timestamp>/; returns the folder."""
    files = list(files)
    if not files:
        raise InputError("Choose one or more files to upload first.")
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S-%f")
    folder = Path(data_dir) / "uploads" / stamp
    folder.mkdir(parents=True, exist_ok=False)
    for name, data in files:
        (folder / safe_name(name)).write_bytes(data)
    return folder
