"""The ROI readout as one self-contained HTML page for executives: headline figures before and after,
each change with its 95% interval and a plain verdict, and the plots inlined as base64 PNGs (no
external assets, so it opens offline and can be mailed as one file)."""

from __future__ import annotations

import html
from pathlib import Path

from evals.report import html_page, html_table, new_figure, png_uri
from feedback.roi import Estimate, MetricRow, RoiReadout

SECTIONS = {"outcomes": "Outcomes", "adoption": "Adoption", "risk": "Risk"}
HEADLINES = ("handle_time", "deflection", "escalation", "cost_per_resolution")
_VERDICT_COLOUR = {"better": "#1a7f37", "worse": "#c62828"}


def fmt_value(v: float | None, unit: str) -> str:
    if v is None:
        return "–"
    return {"min": f"{v:.1f} min", "share": f"{v:.1%}", "cost": f"{v:,.2f}"}.get(unit, f"{v:.3g}")


def fmt_change(v: float | None, unit: str) -> str:
    if v is None:
        return "–"
    return {"min": f"{v:+.1f} min", "share": f"{v * 100:+.1f} pp", "cost": f"{v:+,.2f}"}.get(unit, f"{v:+.3g}")


def fmt_estimate(e: Estimate | None, unit: str) -> str:
    if e is None or e.value is None:
        return "–"
    ci = "" if e.ci_low is None else f" [{fmt_value(e.ci_low, unit)}, {fmt_value(e.ci_high, unit)}]"
    return f"{fmt_value(e.value, unit)}{ci} · n={e.n}"


def fmt_delta(e: Estimate | None, unit: str) -> str:
    if e is None or e.value is None:
        return "–"
    ci = "" if e.ci_low is None else f" [{fmt_change(e.ci_low, unit)}, {fmt_change(e.ci_high, unit)}]"
    return f"{fmt_change(e.value, unit)}{ci}"


def _verdict(m: MetricRow) -> str:
    colour = _VERDICT_COLOUR.get(m.verdict)
    text = html.escape(m.verdict)
    return f'<b style="color:{colour}">{text}</b>' if colour else text


def headline(m: MetricRow) -> str:
    """'Handle time …: 20.0 min → 12.5 min (−7.5 min, 95% interval −11.0 to −4.0): better.'"""
    if m.after is None:
        return f"{m.label}: not recorded in the pilot."
    if m.before is None or m.delta is None:
        return f"{m.label}: {fmt_value(m.after.value, m.unit)} in the pilot (the baseline does not record it)."
    d = m.delta
    ci = ("" if d.ci_low is None
          else f", 95% interval {fmt_change(d.ci_low, m.unit)} to {fmt_change(d.ci_high, m.unit)}")
    return (f"{m.label}: {fmt_value(m.before.value, m.unit)} → {fmt_value(m.after.value, m.unit)} "
            f"({fmt_change(d.value, m.unit)}{ci}): {m.verdict}.")


def _table(rows: list[MetricRow]) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("figure", "before", "pilot", "change [95% interval]", "verdict"))
    body = "".join(f"<tr><td>{html.escape(m.label)}</td><td>{fmt_estimate(m.before, m.unit)}</td>"
                   f"<td>{fmt_estimate(m.after, m.unit)}</td><td>{fmt_delta(m.delta, m.unit)}</td>"
                   f"<td>{_verdict(m)}</td></tr>" for m in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --- plots ---------------------------------------------------------------------------------------
def shares_chart(rows: list[MetricRow]) -> str:
    """Before and pilot bars per share figure, with their 95% intervals as whiskers."""
    import numpy as np

    rows = [m for m in rows if m.unit == "share" and m.after and m.after.value is not None]
    fig, ax = new_figure(7.0, 0.6 + 0.55 * max(len(rows), 1))
    y = np.arange(len(rows))
    for offset, side, colour in ((0.2, "before", "#9e9e9e"), (-0.2, "after", "#1f77b4")):
        vals, errs = [], [[], []]
        for m in rows:
            e = getattr(m, side)
            v = e.value if e and e.value is not None else 0.0
            vals.append(v)
            errs[0].append(v - e.ci_low if e and e.ci_low is not None else 0.0)
            errs[1].append(e.ci_high - v if e and e.ci_high is not None else 0.0)
        ax.barh(y + offset, vals, 0.4, xerr=errs, color=colour, capsize=3,
                label="baseline" if side == "before" else "pilot")
    ax.set_yticks(y, [m.label for m in rows], fontsize=8)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.invert_yaxis()
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Shares before and during the pilot (whiskers: 95% intervals)")
    return png_uri(fig)


def handle_time_chart(r: RoiReadout) -> str:
    h = r.handle_time_minutes
    fig, ax = new_figure(7.0, 3.0)
    if h.edges:
        width = h.edges[1] - h.edges[0]
        for counts, label, colour in ((h.before, "baseline", "#9e9e9e"), (h.after, "pilot", "#1f77b4")):
            total = sum(counts) or 1
            ax.bar(h.edges[:-1], [c / total for c in counts], width=width, align="edge", alpha=0.55,
                   color=colour, edgecolor="white", label=f"{label} (n={sum(counts)})")
        ax.legend(fontsize=8)
    ax.set_xlabel("minutes from ticket open to reply sent")
    ax.set_ylabel("share of tickets")
    ax.set_title("Handle time")
    return png_uri(fig)


def weekly_chart(r: RoiReadout) -> str:
    fig, ax = new_figure(7.0, 3.0)
    weeks = [w.week for w in r.weekly]
    for key, colour in (("deflection", "#1a7f37"), ("escalation", "#c62828")):
        ax.plot(weeks, [getattr(w, key) for w in r.weekly], "o-", color=colour, label=f"{key} (pilot)")
        before = r.metric(key).before
        if before and before.value is not None:
            ax.axhline(before.value, color=colour, linestyle="--", linewidth=1, label=f"{key} (baseline)")
    ax2 = ax.twinx()
    ax2.bar(weeks, [w.active_agents for w in r.weekly], alpha=0.15, color="black")
    ax2.set_ylabel("active agents (bars)")
    ax2.yaxis.get_major_locator().set_params(integer=True)
    ax.set_zorder(ax2.get_zorder() + 1)  # the lines over the bars
    ax.patch.set_visible(False)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title("Pilot week by week")
    return png_uri(fig)


def risk_chart(r: RoiReadout) -> str:
    items = [(f"thumbs down: {k}", v) for k, v in r.thumbs_down_reasons.items()]
    items += [(f"override: {k.replace('_', ' ')}", v) for k, v in r.overrides.items()]
    fig, ax = new_figure(7.0, 0.8 + 0.35 * max(len(items), 1))
    if items:
        ax.barh([k for k, _ in items], [v for _, v in items], color="#c62828")
        ax.invert_yaxis()
    else:
        ax.text(0.5, 0.5, "no thumbs down and no overrides", ha="center", va="center")
    ax.set_xlabel("tickets")
    ax.set_title("Risk: why drafts were rejected, where agents overrode the assistant")
    return png_uri(fig)


def render_roi(r: RoiReadout, title: str | None = None) -> str:
    b = r.baseline
    source = (f"a CSV of {b.tickets} pre-pilot tickets ({html.escape(b.source)})" if b.kind == "csv"
              else f"the period {html.escape(b.source)} ({b.tickets} tickets)")
    cfg = r.config
    parts = [f"<h1>{html.escape(title or f'Pilot readout {r.start} to {r.end}')}</h1>",
             f"<p>{r.tickets} tickets in the pilot ({r.start} to {r.end}, UTC), worked by {r.active_agents} "
             f"agents, against {source}.</p>",
             "<ul>" + "".join(f"<li>{html.escape(headline(r.metric(k)))}</li>" for k in HEADLINES) + "</ul>"]
    for key, name in SECTIONS.items():
        parts += [f"<h2>{name}</h2>", _table([m for m in r.metrics if m.section == key])]
        if key == "outcomes":
            parts += [f'<img alt="shares before and after" src="{shares_chart(r.metrics)}">',
                      f'<img alt="handle time distribution" src="{handle_time_chart(r)}">']
        elif key == "adoption":
            parts.append(f'<img alt="pilot week by week" src="{weekly_chart(r)}">')
        else:
            parts += [html_table(["thumbs-down reason", "tickets"], [[k, v] for k, v in
                                                                    r.thumbs_down_reasons.items()]),
                      f'<img alt="thumbs-down reasons and overrides" src="{risk_chart(r)}">']
    parts += ["<h2>How to read this</h2><ul>",
              f"<li>Every change is pilot minus baseline with a {cfg.level:.0%} percentile bootstrap interval "
              f"({cfg.samples} resamples of the tickets of each period, seed {cfg.seed}). The verdict says "
              "better or worse only when the interval excludes zero.</li>",
              "<li>Handle time runs from the ticket's opening to the first reply sent (or hand-off); tickets "
              "without a recorded opening are left out of it.</li>",
              "<li>Deflection counts tickets the customer marked resolved through self-service and drafts an "
              "agent sent unchanged.</li>",
              f"<li>Cost per resolution is the LLM cost plus agent minutes at {cfg.agent_cost_per_minute:g} per "
              "minute (DEFLECT_AGENT_COST_PER_MINUTE), over tickets resolved without escalation.</li>",
              "<li>An override is a draft sent although the assistant advised escalating, or an escalation "
              "although it offered an answer.</li></ul>"]
    return html_page(title or f"Pilot readout {r.start} to {r.end}", parts)


def write_roi(r: RoiReadout, path: Path, title: str | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_roi(r, title), encoding="utf-8")
    return path
