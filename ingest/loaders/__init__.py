"""Turn one file into Documents, whatever its format. One module per format; `load_file` dispatches."""

from __future__ import annotations

from pathlib import Path

from ingest.errors import LoaderError
from ingest.loaders.base import LoadResult, decode_text, read_bytes
from ingest.loaders.export import load_export
from ingest.loaders.pdf import load_pdf
from ingest.loaders.text import load_html, load_markdown, load_text
from ingest.walk import SUPPORTED_EXTENSIONS, doc_id_for

__all__ = ["LoadResult", "load_file", "SUPPORTED_EXTENSIONS"]

_TEXT_LOADERS = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".txt": load_text,
}


def load_file(root: Path, path: Path, max_bytes: int) -> LoadResult:
    """Load `path` (found under `root`, or equal to it) into Documents.

    Returns `LoadResult(documents, problems)`. `documents` is never empty. `problems` lists
    per-record issues in help-center exports (.json/.jsonl), whose good records still load; it is
    empty for other formats.

    Raises `LoaderError(path, reason)` when nothing usable comes out of the file: over `max_bytes`
    (checked before reading), empty, binary, not UTF-8/UTF-16, unreadable, corrupt or encrypted PDF,
    PDF without text, unsupported extension, or an export without a single usable article.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise LoaderError(
            str(path),
            f"unsupported file type {suffix or '(none)'!r}; supported: {', '.join(sorted(SUPPORTED_EXTENSIONS))}",
        )
    rel = doc_id_for(root, path)
    data = read_bytes(path, max_bytes)
    if suffix == ".pdf":
        return LoadResult([load_pdf(path, data, rel, rel)], [])
    text = decode_text(path, data)
    if suffix in (".json", ".jsonl"):
        return load_export(path, text, rel)
    return LoadResult([_TEXT_LOADERS[suffix](path, text, rel, rel)], [])
