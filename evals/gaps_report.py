"""The content-gap report as one HTML page: a to-do list for the help center team, biggest topic first."""

from __future__ import annotations

import html
from pathlib import Path

from evals.report import html_page, html_table
from feedback.gaps import GapCluster, GapReport

SIGNAL_LABELS = {"not_covered": "escalated: not covered", "not_in_docs": "marked not in the docs",
                 "low_confidence": "low confidence", "outdated_source": "thumbs down: outdated source",
                 "heavily_edited": "heavily edited"}
TREND_ARROWS = {"rising": "↑ rising", "falling": "↓ falling", "steady": "→ steady"}


def signal_text(signals: dict[str, int]) -> str:
    return ", ".join(f"{SIGNAL_LABELS.get(k, k)} {v}" for k, v in signals.items())


def period_text(r: GapReport) -> str:
    if r.start and r.end:
        return f"{r.start} to {r.end}"
    return f"from {r.start}" if r.start else f"up to {r.end}" if r.end else "all recorded interactions"


def _cluster(i: int, c: GapCluster) -> list[str]:
    e = html.escape
    parts = [f"<h2>{i}. {e(c.topic)}</h2>",
             f"<p><b>{c.count}</b> tickets · {TREND_ARROWS[c.trend]} ({c.first_half} in the first half of the "
             f"period, {c.second_half} in the second) · {e(signal_text(c.signals))}</p>"]
    if c.failed_asks:
        parts.append("<p>Asks no article answered:</p><ul>" + "".join(f"<li>{e(a)}</li>" for a in c.failed_asks)
                     + "</ul>")
    if c.nearest_articles:
        items = [f'<a href="{e(a.url)}">{e(a.title)}</a>' if a.url else e(a.title) for a in c.nearest_articles]
        parts.append("<p>Nearest existing articles (they do not answer these tickets): "
                     + "; ".join(f"{t} <small>({e(a.doc_id)})</small>" for t, a in
                                 zip(items, c.nearest_articles, strict=True)) + "</p>")
    parts.append("".join(f"<blockquote><small>{t.created_at:%Y-%m-%d} · {e(t.request_id)} · "
                         f"{e(', '.join(SIGNAL_LABELS.get(s, s) for s in t.signals))}</small><br>"
                         f"{e(t.excerpt)}</blockquote>" for t in c.representatives))
    if len(c.weekly) > 1:
        parts.append(html_table(["week", "tickets"], [[w, n] for w, n in c.weekly.items()]))
    return parts


def render_gaps(r: GapReport, title: str | None = None) -> str:
    heading = title or f"Content gaps: {period_text(r)}"
    parts = [f"<h1>{html.escape(heading)}</h1>",
             f"<p>{r.candidates} of {r.interactions} interactions point at missing or stale content, in "
             f"{len(r.clusters)} topics." + (f" {r.skipped_redacted} more had their text removed by retention."
                                              if r.skipped_redacted else "") + "</p>"]
    if not r.clusters:
        parts.append("<p>No gaps found: nothing escalated as not covered, voted outdated or heavily edited.</p>")
    for i, c in enumerate(r.clusters, 1):
        parts += _cluster(i, c)
    style_note = "<p><small>Tickets are shown redacted. Topics are clustered from ticket embeddings (seeded " \
                 "k-means); no LLM is involved.</small></p>"
    return html_page(heading, [*parts, style_note]).replace(
        "</style>", "blockquote{border-left:3px solid #ccc;margin:.5em 0;padding:.2em .8em;color:#333}</style>")


def write_gaps(r: GapReport, path: Path, title: str | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_gaps(r, title), encoding="utf-8")
    return path
