"""Pure text clean-up shared by every loader: Unicode/whitespace normalisation and HTML -> Markdown."""

from __future__ import annotations

import re
import unicodedata

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from ingest.tables import md_delimiter, md_row

# Zero-width and invisible formatting characters that break tokenisation and dedupe.
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u180e]")
# C0/C1 controls except \t and \n (\r is handled before this runs).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_INLINE_SPACE = re.compile(r"[^\S\n]+")  # any whitespace but newline (incl. NBSP, tabs)
_BLANK_RUNS = re.compile(r"\n{3,}")
_ANY_SPACE = re.compile(r"\s+")

_DROP_TAGS = ("nav", "header", "footer", "aside", "script", "style", "noscript", "form", "iframe", "svg",
              "template", "button", "head")
_BOILERPLATE_WORDS = ("cookie", "banner", "breadcrumb", "sidebar", "menu")
_HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.I)
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd",
               "table", "thead", "tbody", "tfoot", "figure", "figcaption", "details", "summary", "body", "html",
               "address", "hr"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


def normalize_text(s: str) -> str:
    """NFC, LF line endings, no zero-width/control chars, single spaces, at most one blank line in a row."""
    s = unicodedata.normalize("NFC", s)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = _ZERO_WIDTH.sub("", s)
    s = _CONTROL.sub("", s)
    s = "\n".join(_normalize_line(line) for line in s.split("\n"))
    s = _BLANK_RUNS.sub("\n\n", s)
    return s.strip("\n")


def _normalize_line(line: str) -> str:
    body = line.lstrip()
    if not body:
        return ""
    # Leading indentation is kept (tabs as 4 columns): it carries nested lists and code blocks in Markdown.
    width = len(line[: len(line) - len(body)].expandtabs(4))
    return " " * width + _INLINE_SPACE.sub(" ", body).rstrip()


def humanize_stem(stem: str) -> str:
    """`getting-started_guide` -> `Getting started guide` (a title for files without one)."""
    words = re.sub(r"[-_.]+", " ", stem).split()
    if not words:
        return stem
    text = " ".join(words)
    return text[0].upper() + text[1:]


def markdown_title(text: str, fallback: str) -> str:
    """The first `# ` heading of Markdown text, else `fallback` humanised (pass the file stem)."""
    in_fence = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence  # a `# comment` inside a code block is not a title
            continue
        if not in_fence and stripped.startswith("# "):
            title = stripped[2:].strip().rstrip("#").strip()
            if title:
                return title
    return humanize_stem(fallback)


def html_to_markdown(html: str) -> tuple[str, str]:
    """Visible article content of an HTML page as (title, Markdown-shaped text).

    Drops page chrome (nav, header, footer, scripts, cookie banners, hidden elements), keeps
    `<main>`/`<article>` when present, and renders headings as `#` lines, list items as `- `
    (`1. ` in an ordered list), tables as Markdown tables (`| a | b |`, a `| --- |` delimiter
    under a header row). Links keep their text, not their URL.
    """
    soup = BeautifulSoup(html, "lxml")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    _strip_boilerplate(soup)
    root = soup.find("main") or soup.find("article") or soup.body or soup
    h1 = root.find("h1") if isinstance(root, Tag) else None
    title = normalize_text(h1.get_text(" ", strip=True)) if h1 else ""
    if not title:
        title = normalize_text(page_title)
    parts: list[str] = []
    _render(root, parts)
    return title, normalize_text("".join(parts))


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden"):
        return True
    if str(tag.get("aria-hidden", "")).strip().lower() == "true":
        return True
    return bool(_HIDDEN_STYLE.search(str(tag.get("style", ""))))


def _is_boilerplate(tag: Tag) -> bool:
    if tag.name in ("main", "article", "body", "html"):
        return False  # a <body class="has-sidebar"> must not take the whole page with it
    classes = tag.get("class") or []
    names = " ".join(classes if isinstance(classes, list) else [classes]) + " " + str(tag.get("id") or "")
    names = names.lower()
    return any(word in names for word in _BOILERPLATE_WORDS)


def _strip_boilerplate(soup: BeautifulSoup) -> None:
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    # Collect first, then decompose: decomposing while iterating skips siblings.
    doomed = [t for t in soup.find_all(True) if _is_hidden(t) or _is_boilerplate(t)]
    for tag in doomed:
        if not tag.decomposed:
            tag.decompose()


def _render(node: Tag | BeautifulSoup, out: list[str]) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            # Source indentation is layout, not content: collapse it, and never start a line with it.
            text = _ANY_SPACE.sub(" ", str(child))
            if not out or out[-1].endswith("\n"):
                text = text.lstrip()
            if text:
                out.append(text)
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name in _HEADINGS:
            text = " ".join(child.get_text(" ", strip=True).split())
            if text:
                out.append(f"\n\n{'#' * _HEADINGS[name]} {text}\n\n")
        elif name == "br":
            out.append("\n")
        elif name == "li":
            out.append(_line_start(out) + _marker(child) + _inline(child) + "\n")
        elif name == "table":
            table = _table(child)
            if table:
                out.append("\n\n" + table + "\n\n")
        elif name == "tr":
            cells = [_inline(c) for c in child.find_all(["td", "th"], recursive=False)]
            if any(cells):
                out.append(_line_start(out) + " | ".join(cells) + "\n")
        elif name == "pre":
            out.append("\n\n" + child.get_text().strip("\n") + "\n\n")  # keep its line breaks
        elif name in _BLOCK_TAGS:
            out.append("\n\n")
            _render(child, out)
            out.append("\n\n")
        else:
            _render(child, out)


def _marker(li: Tag) -> str:
    """'- ' for a bullet, '3. ' for the third item of an ordered list (its `start` honoured)."""
    parent = li.parent
    if not isinstance(parent, Tag) or parent.name != "ol":
        return "- "
    try:
        start = int(str(parent.get("start", "1")).strip())
    except ValueError:
        start = 1
    before = sum(1 for s in li.find_previous_siblings("li"))
    return f"{start + before}. "


def _table(table: Tag) -> str:
    """A <table> as a Markdown table, so every row can later be read with its column labels.

    The first row is the header when it sits in <thead> or holds only <th> cells; a table
    without one is written without a delimiter row, and its rows stay unlabelled.
    """
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    grid = [[_inline(c) for c in tr.find_all(["td", "th"], recursive=False)] for tr in rows]
    keep = [(tr, cells) for tr, cells in zip(rows, grid, strict=True) if any(cells)]
    if not keep:
        return ""
    first, head = keep[0]
    has_header = first.find_parent("thead") is not None or all(c.name == "th" for c in
                                                                 first.find_all(["td", "th"], recursive=False))
    lines = [md_row(cells) for _, cells in keep]
    if has_header:
        lines.insert(1, md_delimiter(len(head)))
    return "\n".join(lines)


def _line_start(out: list[str]) -> str:
    return "" if not out or out[-1].endswith("\n") else "\n"


def _inline(tag: Tag) -> str:
    """Text of a list item or table cell on one line (nested lists flattened into it)."""
    return " ".join(tag.get_text(" ", strip=True).split())
