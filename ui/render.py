"""Untrusted text on screen: help-center articles, tickets and drafts are data, never markup.

Two ways to show text, both safe:
- `md(text)` for Streamlit's Markdown (labels, captions, bold titles): every Markdown and HTML special
  character is escaped, so `![t](https://evil.example/t.png)` shows as those characters, no image is fetched.
- the `*_html` functions for `st.html` (no Markdown at all): HTML-escaped text, tables as tables, citation
  chips that open by click or keyboard. Links appear only for http(s) URLs on allowed domains (`link_ok`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from assistant.models import Answer, Citation
from feedback.export import MARKER
from ingest.tables import find_tables, is_delimiter, split_cells

LinkCheck = Callable[[str | None], str | None]

# CommonMark's backslash-escapable punctuation (Streamlit adds :emoji: and :color[...] directives).
_MD_SPECIAL = set("\\`*_{}[]()#+-.!|~:$=\"'")
_HTML_SPECIAL = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def md(text: str | None) -> str:
    """`text` for st.markdown, labels and captions, shown exactly as written (newlines become spaces)."""
    out = []
    for ch in " ".join((text or "").split()):
        if ch in _HTML_SPECIAL:
            out.append(_HTML_SPECIAL[ch])
        elif ch in _MD_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def esc(text: str | None) -> str:
    """`text` for st.html (no Markdown there): HTML-escaped, "$" as an entity all the same."""
    return html.escape(text or "", quote=True).replace("$", "&#36;")


# --- links ---------------------------------------------------------------------------------------
def host_of(url: str | None) -> str:
    try:
        return (urlsplit(url or "").hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def link_ok(url: str | None, domains: Iterable[str]) -> str | None:
    """`url` if it is http(s), carries no credentials and its host is one of `domains` (or a subdomain)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme.lower() not in ("http", "https") or not host or parts.username or parts.password:
        return None
    allowed = {d.lower().strip().lstrip(".") for d in domains if d.strip()}
    if not any(host == d or host.endswith("." + d) for d in allowed):
        return None
    return url.strip()


def link_html(url: str | None, label: str, check: LinkCheck) -> str:
    href = check(url)
    if not href:
        return ""
    return f'<a class="dk-link" href="{esc(href)}" target="_blank" rel="noopener noreferrer">{esc(label)}</a>'


# --- passages ------------------------------------------------------------------------------------
def table_html(lines: list[str]) -> str:
    rows = [split_cells(line) for line in lines if not is_delimiter(line)]
    header = len(lines) > 1 and is_delimiter(lines[1])
    out = ['<table class="dk-table">']
    for i, cells in enumerate(rows):
        tag = "th" if header and i == 0 else "td"
        out.append("<tr>" + "".join(f"<{tag}>{esc(c)}</{tag}>" for c in cells) + "</tr>")
    return "".join(out) + "</table>"


def passage_html(text: str) -> str:
    """A passage's text as HTML: its Markdown tables as tables, every other line as plain text."""
    lines = (text or "").splitlines()
    parts: list[str] = []
    i = 0
    for t in find_tables(lines):
        parts += [esc(line) for line in lines[i:t.start] if line.strip()]
        parts.append(table_html(lines[t.start:t.end]))
        i = t.end
    parts += [esc(line) for line in lines[i:] if line.strip()]
    out = []
    for part in parts:  # no <br> right before or after a table
        if out and not part.startswith("<table") and not out[-1].endswith("</table>"):
            out.append("<br>")
        out.append(part)
    return "".join(out)


def citation_passage(c: Citation) -> str:
    return passage_html(c.quote_markdown or c.quote)


def citation_card(c: Citation, check: LinkCheck, card_id: str) -> str:
    """The passage card of one citation: title, heading path, exact passage, and 'Open article'."""
    bits = [f'<span class="dk-card-title">{esc(c.title)}</span>']
    if c.heading_path:
        bits.append(f'<span class="dk-card-path">{esc(" › ".join(c.heading_path))}</span>')
    bits.append(f'<span class="dk-quote">{citation_passage(c)}</span>')
    if c.flagged:
        bits.append('<span class="dk-card-flag">This passage contained instruction-like text; '
                    "it was screened before use.</span>")
    bits.append(link_html(c.url, "Open article ↗", check) or f'<span class="dk-card-path">{esc(c.doc_id)}</span>')
    return f'<span class="dk-card" id="{card_id}" role="note">{"".join(bits)}</span>'


# --- the draft -----------------------------------------------------------------------------------
def _chip(n: int, by_n: dict[int, Citation], check: LinkCheck, card_id: str) -> str:
    c = by_n.get(n)
    if c is None:  # a marker with no source behind it: shown, flagged
        return f'<span class="dk-cite dk-cite-missing" title="No source [{n}] in this answer">{n}</span>'
    return (f'<span class="dk-cite" tabindex="0" role="button" aria-describedby="{card_id}" '
            f'aria-label="Source {n}: {esc(c.title)}">{n}{citation_card(c, check, card_id)}</span>')


def draft_html(answer: Answer, unsupported: list[str], check: LinkCheck) -> str:
    """The draft for st.html: paragraphs, [n] markers as citation chips (click, tap or Tab shows the exact
    passage), unsupported sentences struck with a tooltip. Every piece of draft text is escaped first."""
    text = esc(answer.draft)
    tip = esc("Not supported by the cited source: check it or remove it before sending.")
    for sentence in unsupported:
        bare = esc(MARKER.sub("", sentence).strip())
        if bare and bare in text:
            text = text.replace(bare, f'<span class="dk-unsupported" title="{tip}">{bare}</span>', 1)
    by_n = {c.n: c for c in answer.citations}
    seen = iter(range(1_000_000))
    prefix = re.sub(r"[^\w-]", "", answer.request_id)[:40]
    text = MARKER.sub(lambda m: _chip(int(m.group(1)), by_n, check, f"dk-card-{prefix}-{next(seen)}"), text)
    paragraphs = [p.strip("\n").replace("\n", "<br>") for p in re.split(r"\n\s*\n", text) if p.strip()]
    return '<div class="dk-draft">' + "".join(f'<div class="dk-para">{p}</div>' for p in paragraphs) + "</div>"
