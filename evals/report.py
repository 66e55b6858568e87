"""Self-contained HTML report: metric table, per-category bars, rank histogram and, when answers
were scored, the calibration block (ECE, reliability diagram, coverage-accuracy curve and table).
`deflect calibrate --report` renders the same block per split with `write_calibration_report`.
Charts are matplotlib PNGs inlined as base64, so the file opens offline in any browser."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from evals.models import EvalRun

TABLE_METRICS = ("hit@1", "hit@5", "hit@10", "recall@10", "mrr@10", "ndcg@10", "chunk_hit@5", "chunk_mrr@10")
RANK_BUCKETS = ("1", "2", "3", "4-5", "6-10", ">10", "none")


def png_uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _bucket(rank: int | None) -> str:
    if rank is None:
        return "none"
    if rank <= 3:
        return str(rank)
    return "4-5" if rank <= 5 else "6-10" if rank <= 10 else ">10"


def new_figure(width: float = 7.0, height: float = 3.4):
    import matplotlib

    matplotlib.use("Agg", force=True)  # no display: render to memory only
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def category_chart(runs: list[EvalRun], metric: str) -> str:
    import numpy as np

    cats = sorted({c for r in runs for c in r.per_category} | {"overall"}, key=lambda c: (c == "overall", c))
    fig, ax = new_figure()
    width = 0.8 / max(len(runs), 1)
    x = np.arange(len(cats))
    for i, r in enumerate(runs):
        vals = [r.metrics.get(metric, 0.0) if c == "overall" else r.per_category.get(c, {}).get(metric, 0.0)
                for c in cats]
        ax.bar(x + i * width - 0.4 + width / 2, vals, width, label=r.mode)
    ax.set_xticks(x, cats)
    ax.set_ylim(0, 1)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} per category")
    ax.legend(fontsize=8)
    return png_uri(fig)


def rank_chart(runs: list[EvalRun]) -> str:
    import numpy as np

    fig, ax = new_figure()
    width = 0.8 / max(len(runs), 1)
    x = np.arange(len(RANK_BUCKETS))
    for i, r in enumerate(runs):
        scored = [q for q in r.queries if q.metrics]
        counts = [sum(1 for q in scored if _bucket(q.first_relevant_rank) == b) for b in RANK_BUCKETS]
        ax.bar(x + i * width - 0.4 + width / 2, counts, width, label=r.mode)
    ax.set_xticks(x, RANK_BUCKETS)
    ax.set_xlabel("rank of the first relevant document")
    ax.set_ylabel("queries")
    ax.set_title("Rank distribution")
    ax.legend(fontsize=8)
    return png_uri(fig)


def reliability_chart(bins: list[dict], ece: float | None) -> str:
    fig, ax = new_figure(4.2, 4.0)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfect calibration")
    if bins:
        ax.bar([b["low"] for b in bins], [b["accuracy"] for b in bins], width=[b["high"] - b["low"] for b in bins],
               align="edge", alpha=0.7, edgecolor="black", label="accuracy")
        ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], "o", color="black", markersize=3)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence")
    ax.set_ylabel("share correct")
    ax.set_title(f"Reliability (ECE {ece:.3f})" if ece is not None else "Reliability")
    ax.legend(fontsize=8)
    return png_uri(fig)


def coverage_chart(curve: list[dict]) -> str:
    """Accuracy against coverage as the answer threshold t rises (each point labelled with its t)."""
    fig, ax = new_figure(4.6, 4.0)
    pts = [p for p in curve if p.get("accuracy") is not None]
    ax.plot([p["coverage"] for p in pts], [p["accuracy"] for p in pts], "o-", markersize=3)
    for p in pts:
        ax.annotate(f"{p['threshold']:g}", (p["coverage"], p["accuracy"]), fontsize=7,
                    textcoords="offset points", xytext=(3, 3))
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("coverage (share answered: confidence >= t)")
    ax.set_ylabel("accuracy of the answered")
    ax.set_title("Coverage vs accuracy")
    return png_uri(fig)


def plot_risk_coverage(ax, curve: list[dict], label: str = "", mark: float | None = None) -> None:
    """Risk (answered and wrong, over answered) against coverage (answered, over all) as the threshold
    rises; `mark` circles the point of that threshold (the shipped one)."""
    pts = sorted((p for p in curve if p.get("risk") is not None), key=lambda p: p["coverage"])
    line, = ax.plot([p["coverage"] for p in pts], [p["risk"] for p in pts], "-", label=label or None)
    if mark is not None and pts:
        at = min(pts, key=lambda p: abs(p["threshold"] - mark))
        ax.plot([at["coverage"]], [at["risk"]], "o", color=line.get_color())
        ax.annotate(f"t={at['threshold']:.2f}", (at["coverage"], at["risk"]), fontsize=7,
                    textcoords="offset points", xytext=(4, 4))
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, max(0.5, max((p["risk"] for p in pts), default=0) + 0.05))
    ax.set_xlabel("coverage (share of tickets answered: confidence >= t)")
    ax.set_ylabel("risk (answered but wrong)")


def risk_coverage_chart(curve: list[dict], mark: float | None = None) -> str:
    fig, ax = new_figure(4.6, 4.0)
    plot_risk_coverage(ax, curve, mark=mark)
    ax.set_title("Risk vs coverage")
    return png_uri(fig)


def deflection_section(a: dict) -> list[str]:
    """The support team's figures: answered share, answered precision, safe deflection, out-of-scope
    answered, ROUGE-L (each with its 95% interval), per category, and the risk-coverage curve."""
    keys = ("answered_share", "answered_precision", "safe_deflection", "out_of_scope_answered", "rouge_l")
    if not all(k in a for k in keys):
        return []

    def cell(m: dict | None) -> str:
        if not m or m.get("value") is None:
            return "–"
        return f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"

    rows = [["all", *[cell(a[k]) for k in keys]]]
    rows += [[g, *[cell(m.get(k)) for k in keys]] for g, m in (a.get("by_category") or {}).items()]
    parts = ["<h2>Deflection</h2>", html_table(["tickets", *keys], rows)]
    if a.get("risk_coverage"):
        parts.append(f'<img alt="risk-coverage curve" src="{risk_coverage_chart(a["risk_coverage"])}">')
    return parts


def calibration_section(metrics: dict, heading: str | None = None) -> list[str]:
    """HTML for one set of calibration metrics: ECE, reliability diagram, coverage-accuracy curve and table.

    `metrics` holds `ece`, `reliability` (bins) and `coverage_accuracy` (threshold, coverage, accuracy)."""
    ece, curve = metrics.get("ece"), metrics.get("coverage_accuracy") or []
    parts = [f"<h3>{html.escape(heading)}</h3>"] if heading else []
    facts = [f"ECE <b>{ece:.3f}</b>" if ece is not None else "ECE –"]
    facts += [f"{k.replace('_', ' ')} {_fmt(metrics[k])}" for k in ("n", "base_rate", "correct_share")
              if metrics.get(k) is not None]
    parts.append("<p>" + " · ".join(facts) + "</p>")
    parts.append(f'<img alt="reliability diagram" src="{reliability_chart(metrics.get("reliability") or [], ece)}">')
    if curve:
        parts += [f'<img alt="coverage-accuracy curve" src="{coverage_chart(curve)}">',
                  html_table(["threshold", "coverage", "accuracy"],
                         [[p["threshold"], p["coverage"], "–" if p["accuracy"] is None else p["accuracy"]]
                          for p in curve])]
    return parts


def _fmt(v) -> str:
    return f"{v:.3f}" if isinstance(v, float) else html.escape(str(v))


def html_table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_report(runs: list[EvalRun], title: str | None = None) -> str:
    if not runs:
        raise ValueError("render_report needs at least one run")
    first = runs[0]
    metrics = [m for m in TABLE_METRICS if any(m in (r.metrics | r.chunk_metrics) for r in runs)]
    rows = [[r.mode, r.run_id, r.n_queries, *[(r.metrics | r.chunk_metrics).get(m, "–") for m in metrics]]
            for r in runs]
    parts = [
        f"<h1>{html.escape(title or f'Evaluation: {first.dataset}')}</h1>",
        f"<p>Dataset <b>{html.escape(first.dataset)}</b> · index version {first.index_version} · "
        f"git {html.escape(first.git_commit[:12])} · {html.escape(first.created_at)} · "
        f"embedding {html.escape(first.model_ids.get('embedding', '?'))}</p>",
        "<h2>Metrics</h2>", html_table(["mode", "run", "queries", *metrics], rows),
        "<h2>Per category</h2>",
    ]
    cats = sorted({c for r in runs for c in r.per_category})
    cat_rows = [[c, r.mode, r.per_category[c].get("n_queries", 0),
                 *[r.per_category[c].get(m, "–") for m in ("hit@5", "mrr@10", "ndcg@10")]]
                for c in cats for r in runs if c in r.per_category]
    parts += [html_table(["category", "mode", "queries", "hit@5", "mrr@10", "ndcg@10"], cat_rows),
              f'<img alt="ndcg@10 per category" src="{category_chart(runs, "ndcg@10")}">',
              f'<img alt="hit@5 per category" src="{category_chart(runs, "hit@5")}">',
              "<h2>Rank of the first relevant document</h2>",
              f'<img alt="rank distribution" src="{rank_chart(runs)}">']
    for r in runs:
        if r.answers:
            a = r.answers
            keys = [k for k in ("rouge_l_f1", "citation_precision", "abstention_precision", "abstention_recall",
                                "supported_sentence_share", "ece", "cost_per_answer") if k in a]
            profile = a.get("calibration_profile")
            parts += [f"<h2>Answers ({html.escape(r.mode)})</h2>",
                      html_table(keys, [[a[k] if a[k] is not None else "–" for k in keys]]),
                      html_table(["stage", "p50 s", "p95 s"], [[s, v["p50"], v["p95"]] for s, v in a.get("latency", {}).items()]),
                      *deflection_section(a),
                      "<h2>Calibration</h2>",
                      f"<p>calibration {html.escape(str(a.get('calibration_version', '?')))}"
                      + (f", profile {html.escape(profile)}" if profile else "") + "</p>",
                      *calibration_section(a)]
    notes = [n for r in runs for n in r.notes]
    if notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    return html_page(title or first.dataset, parts)


def render_calibration_report(cal: dict, title: str | None = None) -> str:
    """A fitted calibration (Calibration.model_dump()) as a page: per split and dataset, the calibration block."""
    m = cal.get("metrics", {})
    parts = [f"<h1>{html.escape(title or 'Confidence calibration')}</h1>",
             f"<p>version <b>{html.escape(cal.get('version', '?'))}</b> · fitted on "
             f"{html.escape(', '.join(cal.get('fitted_on', [])))} ({cal.get('n', 0)} questions) · profile "
             f"{html.escape(cal.get('profile', ''))}</p>", f"<p>Correct means: {html.escape(cal.get('label', ''))}</p>"]
    splits = [("held_out", f"Held-out split ({m.get('test_share', 0):.0%}, seed {m.get('seed', '?')}): "
               "model fitted on the rest"),
              ("cross_validated", f"{m.get('cross_validated', {}).get('folds', '?')}-fold cross-validation: "
               "every question scored by a model that never saw it")]
    for key, heading in splits:
        if key not in m:
            continue
        parts += [f"<h2>{html.escape(heading)}</h2>", *calibration_section(m[key], "all datasets")]
        for name in cal.get("fitted_on", []):
            if isinstance(m[key].get(name), dict):
                parts += calibration_section(m[key][name], name)
    return html_page(title or "Confidence calibration", parts)


def write_calibration_report(cal: dict, path: Path, title: str | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_calibration_report(cal, title), encoding="utf-8")
    return path


def html_page(title: str, parts: list[str]) -> str:
    style = ("body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
             "th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}img{max-width:100%;display:block}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")


def write_report(runs: list[EvalRun], path: Path, title: str | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(runs, title), encoding="utf-8")
    return path
