"""Evaluator tabs for releases (live, shadow vs live, the canary's gates) and the desk A/B, over the same
functions `deflect release` calls; and the desk patterns an agent sees. Wire into pages/evaluator.py:

    releases_tab, ab_tab = st.tabs([..., "Releases", "Desk A/B"])
    with releases_tab:
        releases.render_releases(res)
    with ab_tab:
        releases.render_experiment(res)
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from feedback.canary import StageCheck, evaluate
from feedback.experiments import ExperimentReport, desk_variant, stored_report
from feedback.shadow import Estimate, ShadowComparison, compare_stored
from ui.services import Resources


def desk_patterns(res: Resources, agent: str) -> dict[str, str | None]:
    """What the desk shows `agent`: citation_display, confidence_display, action_layout (see feedback.experiments)."""
    return desk_variant(res.settings, agent)


def _num(v: float | None, fmt: str = "{:.3f}") -> str:
    return "–" if v is None else fmt.format(v)


def _interval(e: Estimate | None, fmt: str = "{:+.3f}") -> str:
    if e is None or e.low is None:
        return "–"
    return f"[{fmt.format(e.low)}, {fmt.format(e.high)}]"


def gate_frame(check: StageCheck) -> pd.DataFrame:
    return pd.DataFrame([{"gate": g.label, "live": _num(g.live), "candidate": _num(g.candidate),
                          "difference": _num(g.diff, "{:+.3f}"),
                          "interval": "–" if g.low is None else f"[{g.low:+.3f}, {g.high:+.3f}]",
                          "margin": g.margin, "verdict": g.verdict} for g in check.gates]).set_index("gate")


def shadow_frame(c: ShadowComparison) -> pd.DataFrame:
    rows = [("same decision", _num(c.same_decision.value, "{:.0%}"), _interval(c.same_decision, "{:.0%}")),
            ("citation overlap", _num(c.citation_overlap.value, "{:.2f}"), _interval(c.citation_overlap, "{:.2f}")),
            ("confidence shift", _num(c.confidence_shift.value, "{:+.3f}"), _interval(c.confidence_shift)),
            ("latency p50 live / shadow", f"{_num(c.live_latency['p50'], '{:.2f}')} / "
                                          f"{_num(c.latency['p50'], '{:.2f}')} s", ""),
            ("latency p95 live / shadow", f"{_num(c.live_latency['p95'], '{:.2f}')} / "
                                          f"{_num(c.latency['p95'], '{:.2f}')} s", "")]
    return pd.DataFrame(rows, columns=["figure", "value", "95% interval"]).set_index("figure")


def experiment_frame(report: ExperimentReport) -> pd.DataFrame:
    """One row per metric, per arm its value and (against the control) the difference with its interval."""
    rows: dict[str, dict[str, str]] = {}
    for arm in report.arms:
        for m in arm.metrics:
            row = rows.setdefault(m.label, {})
            row[f"{arm.variant}"] = f"{_num(m.value.value, '{:.2f}')} (n={m.n})"
            if m.diff is not None:
                row[f"{arm.variant} vs control"] = f"{_num(m.diff.value, '{:+.2f}')} {_interval(m.diff, '{:+.2f}')}"
                row[f"{arm.variant} verdict"] = m.verdict
    return pd.DataFrame.from_dict(rows, orient="index")


def render_releases(res: Resources) -> None:
    releases = res.store.releases
    pointers, canary = releases.pointers(), releases.canary()
    m = st.columns(3)
    m[0].metric("Live release", pointers.get("live") or "none")
    m[1].metric("Shadow", pointers.get("shadow") or "none")
    m[2].metric("Canary", "none" if canary is None else
                f"{canary.percent}% · {canary.release}" if canary.status == "running"
                else f"{canary.release} {canary.status.replace('_', ' ')}")
    if not releases.list():
        st.info("No releases yet. `deflect release create base --from-current`, then `deflect release activate "
                "base`, records what drafts today.")
        return
    if canary is not None:
        render_canary(res, canary)
    if shadow := pointers.get("shadow"):
        render_shadow(compare_stored(res.store.shadows, shadow))


def render_canary(res: Resources, canary) -> None:
    st.markdown(f"**Canary {canary.release}** vs {canary.baseline} · stages "
                f"{' → '.join(f'{s}%' for s in canary.stages)}")
    if canary.halted_gate:
        st.error(f"Halted at {canary.stages[canary.stage]}% on {canary.halted_gate}: all traffic is back on "
                 f"{canary.baseline}.", icon=":material/undo:")
    if canary.status == "running":
        check = evaluate(res.store.releases, canary, res.settings.eval_bootstrap_samples, res.settings.eval_seed)
    elif canary.last_check and "gates" in canary.last_check:
        check = StageCheck.model_validate(canary.last_check)
    else:
        return
    st.caption(f"Stage {check.stage}%: live {check.n_live}, candidate {check.n_candidate} tickets; judged at "
               f"{check.min_tickets} each, intervals at {check.level:.1%} · decision: {check.decision}")
    st.dataframe(gate_frame(check), width="stretch")


def render_shadow(c: ShadowComparison) -> None:
    seen = f" of {c.live_tickets} live" if c.live_tickets else ""
    st.markdown(f"**Shadow {c.release}**: {c.n} tickets answered{seen}, {c.errors} failed. Never shown to agents.")
    if not c.n:
        return
    st.dataframe(shadow_frame(c), width="stretch")
    st.markdown(f"**Disagreements** ({len(c.disagreements)} shown): the decision differs or no cited document "
                "is shared.")
    for p in c.disagreements:
        with st.expander(f"{p.live_decision} → {p.decision} · {p.ticket[:80]}"):
            live, shadow = st.columns(2)
            for col, title, decision, conf, docs, draft in (
                    (live, "Live", p.live_decision, p.live_confidence, p.live_cited, p.live_draft),
                    (shadow, "Shadow", p.decision, p.confidence, p.cited, p.draft)):
                col.markdown(f"**{title}** · {decision} · confidence {conf:.2f}")
                col.caption("Sources: " + (", ".join(docs) or "none"))
                col.text(draft or "(no draft)")  # text: drafts are data, never markup


def render_experiment(res: Resources) -> None:
    if not res.settings.desk_experiment:
        st.info("No desk experiment runs. Set DEFLECT_DESK_EXPERIMENT (a name) and DEFLECT_DESK_EXPERIMENT_PATTERN "
                "to split agents between variants of a desk pattern.")
        return
    report = stored_report(res.settings, res.store)
    st.markdown(f"**{report.experiment}**: {report.pattern.replace('_', ' ')}, "
                f"{' vs '.join(a.variant for a in report.arms)}" + (f" since {report.since}" if report.since else ""))
    st.markdown(f"**Verdict:** {report.verdict}")
    st.dataframe(experiment_frame(report), width="stretch")
    st.caption(" · ".join(f"{a.variant}: {a.agents} agents, {a.tickets} tickets" for a in report.arms))
    for note in report.notes:
        st.caption(note)
