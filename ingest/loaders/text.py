"""Markdown, HTML and plain-text files: one Document each."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.errors import LoaderError
from ingest.models import OWNER_PREFIX, Document
from ingest.normalize import html_to_markdown, humanize_stem, markdown_title, normalize_text

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_TITLE = re.compile(r"^title[ \t]*:[ \t]*(.+?)[ \t]*$", re.M)
_FRONT_OWNER = re.compile(r"^owner[ \t]*:[ \t]*(.+?)[ \t]*$", re.M)
_FRONT_URL = re.compile(r"^url[ \t]*:[ \t]*(.+?)[ \t]*$", re.M)
_CANONICAL = re.compile(r"<link\b[^>]*\brel\s*=\s*[\"']?canonical\b[^>]*>", re.I)
_HREF = re.compile(r"\bhref\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", re.I)
_MAX_TITLE = 200


def load_markdown(path: Path, text: str, doc_id: str, source: str) -> Document:
    """Markdown stays Markdown; YAML front matter is dropped from the text but its `title:` is used, its
    `owner:` becomes an `owner:NAME` label (who is told when agents reject the article), and its `url:` is
    the article's public address (for "Open article")."""
    text = normalize_text(text)
    front: dict[str, str] = {}
    m = _FRONT_MATTER.match(text)
    if m:
        for key, pattern in (("title", _FRONT_TITLE), ("owner", _FRONT_OWNER), ("url", _FRONT_URL)):
            found = pattern.search(m.group(1))
            front[key] = normalize_text(found.group(1).strip().strip("\"'")) if found else ""
        text = text[m.end():].lstrip("\n")
    _require_text(path, text)
    title = front.get("title") or markdown_title(text, path.stem)
    labels = [f"{OWNER_PREFIX}{front['owner']}"] if front.get("owner") else []
    return Document(doc_id=doc_id, source=source, format="markdown", title=title, text=text, labels=labels,
                    url=front.get("url") or None)


def load_html(path: Path, html: str, doc_id: str, source: str) -> Document:
    try:
        title, text = html_to_markdown(html)
    except RecursionError as e:
        raise LoaderError(str(path), "HTML is nested too deeply to parse; simplify or exclude it") from e
    if not text:
        raise LoaderError(str(path), "no visible text in the HTML (only navigation, scripts or hidden content)")
    return Document(doc_id=doc_id, source=source, format="html", title=title or humanize_stem(path.stem), text=text,
                    url=canonical_url(html))


def canonical_url(html: str) -> str | None:
    """The page's `<link rel="canonical" href="...">`: its public address, for "Open article"."""
    link = _CANONICAL.search(html[:200_000])
    href = _HREF.search(link.group(0)) if link else None
    return next((g for g in href.groups() if g), None) if href else None


def load_text(path: Path, text: str, doc_id: str, source: str) -> Document:
    """Plain text; the title is its first non-empty line, else the humanised file name."""
    text = normalize_text(text)
    _require_text(path, text)
    return Document(doc_id=doc_id, source=source, format="text", title=first_line_title(text, path.stem), text=text)


def first_line_title(text: str, stem: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:_MAX_TITLE].rstrip()
    return humanize_stem(stem)


def _require_text(path: Path, text: str) -> None:
    if not text.strip():
        raise LoaderError(str(path), "file has no text (only whitespace or invisible characters)")
