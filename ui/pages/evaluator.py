"""Evaluator: is it working? Dashboards, feedback replay and export. Logic: ui/evaluator.py."""

from __future__ import annotations

import streamlit as st

from feedback.models import REASON_CODES
from ui import evaluator as ev
from ui import releases, render, reports, runtime, widgets

user = runtime.require("dashboards")
res = runtime.resources()

runtime.header("Evaluator", "Is it working? What agents do with the drafts, and why.")
versions, providers = ev.version_choices(res)
with st.expander("Feedback set", expanded=False, icon=":material/filter_alt:"):
    a, b, c = st.columns(3)
    feedback_set = a.selectbox("Interactions", list(ev.FEEDBACK_SETS))
    reason = b.selectbox("Reason code", REASON_CODES, index=None, placeholder="any")
    days = c.date_input("Dates (UTC)", value=(), help="Pick a start and an end day; empty = all time.")
    d, e = st.columns(2)
    index_version = d.selectbox("Index version", versions, index=None, placeholder="any")
    provider = e.selectbox("Provider", providers, index=None, placeholder="any")

flt = None
with runtime.shown_errors("Filtering"):
    since, until = (tuple(days) + (None, None))[:2] if isinstance(days, tuple) else (days, None)
    flt = ev.make_filter(feedback_set, reason, since, until, index_version, provider)
if flt is None:
    st.stop()

dash, replay_tab, export_tab, self_tab, releases_tab, ab_tab, slo_tab, gaps_tab, owners_tab = st.tabs(
    ["Dashboard", "Replay", "Export", "Self-service", "Releases", "Desk A/B", "SLOs", "Content gaps", "Owner inbox"])

with dash:
    total = ev.totals(res, flt)
    if total.volume == 0:
        st.info("No recorded interactions match. Drafts made on the agent desk show up here.")
    else:
        m = st.columns(5)
        m[0].metric("Tickets", total.volume)
        m[1].metric(
            "Answered", f"{total.answered_share:.0%}", help="Share the assistant answered (not escalated)."
        )
        used = (total.used_as_is + total.edited) / total.volume
        m[2].metric("Drafts used", f"{used:.0%}", help="Sent as-is or after an edit: the deflection proxy.")
        m[3].metric("Thumbs-up ratio", "–" if total.thumbs_ratio is None else f"{total.thumbs_ratio:.0%}")
        m[4].metric("Latency p95", "–" if total.latency_p95 is None else f"{total.latency_p95:.2f} s")

        by = (
            st.segmented_control("Group by", list(ev.GROUPS), default="day", format_func=ev.GROUPS.get)
            or "day"
        )
        frame = ev.dashboard(res, flt, by)

        def trend(data) -> None:
            # Lines over days (bars until there are a few: a line needs two points); side-by-side bars
            # across versions, which have no order in time.
            if by == "day" and len(data) >= 3:
                st.line_chart(data, height=260)
            else:
                st.bar_chart(data, stack=False, height=260)

        left, right = st.columns(2)
        with left:
            st.markdown("**Volume: answered vs escalated**")
            st.bar_chart(ev.volume_chart(frame), stack=True, height=260)
            st.markdown("**What agents did with the drafts**")
            st.bar_chart(ev.outcome_chart(frame), stack=True, height=260)
            st.markdown("**Latency (seconds)**")
            trend(ev.latency_chart(frame))
        with right:
            st.markdown("**Shares**")
            trend(ev.share_chart(frame))
            st.markdown("**Thumbs up / down and reason codes**")
            st.bar_chart(ev.thumbs_chart(frame), stack=True, height=200)
            reasons = ev.reasons_chart(frame)
            if reasons.empty:
                st.caption("No reason codes yet.")
            else:
                st.bar_chart(reasons, stack=True, height=200)
            st.markdown("**Cost per answer and per used draft**")
            st.bar_chart(ev.cost_chart(frame), stack=False, height=200)
        with st.expander("Table"):
            st.dataframe(frame, width="stretch")

with replay_tab:
    st.caption(
        f"Re-runs the matching tickets (newest {res.settings.ui_replay_limit} at most) through the current "
        "pipeline and compares old and new answers."
    )
    if st.button("Replay this feedback set", type="primary", icon=":material/replay:"):
        bar = st.progress(0.0, text="Replaying…")
        with runtime.shown_errors("Replay"):
            report = ev.run_replay(
                res, flt, progress=lambda i, n: bar.progress(i / n, text=f"Replayed {i}/{n}")
            )
            st.session_state["replay_report"] = report
    if report := st.session_state.get("replay_report"):
        cols = st.columns(len(report.counts))
        for col, (verdict, n) in zip(cols, report.counts.items(), strict=True):
            col.metric(ev.VERDICT_LABELS[verdict], n, help=ev.VERDICT_LEGEND[verdict])
        with st.expander("What the verdicts mean", icon=":material/help:"):
            st.markdown(ev.legend_markdown())
        for row in ev.replay_rows(report):
            with st.expander(f"{ev.VERDICT_LABELS[row['verdict']]} · {render.md(row['ticket'][:80])}"):
                old, new = st.columns(2)
                for col, side in ((old, "old"), (new, "new")):
                    col.markdown(
                        f"**{side.capitalize()}** · {row[f'{side} decision']} · confidence "
                        f"{row[f'{side} confidence']}"
                    )
                    col.caption("Sources: " + render.md(row[f"{side} docs"] or "none"))
                    col.text(row[f"{side} draft"] or row["error"] or "(no draft)")

with export_tab:
    st.caption(
        "The matching interactions as a labeled dataset (demo/questions.jsonl shape) for `deflect eval`."
    )
    if st.button("Prepare export", icon=":material/download:"):
        with runtime.shown_errors("Export"):
            st.session_state["export"] = ev.export_jsonl(res, flt, user)
    if exported := st.session_state.get("export"):
        data, n = exported
        widgets.download_button(
            f"Download {n} items (JSONL)", data.decode("utf-8"), filename="feedback.jsonl",
            mime="application/jsonl", key="export-download",
        )

with self_tab:
    st.caption("Customer self-service (POST /v1/deflect and the widget): questions asked, answered, and resolved "
               "by the customer's 'did this help?'. Deflection rate = resolved / asked.")
    deflection = ev.deflection_frame(res)
    if deflection.empty:
        st.info("No self-service questions yet.")
    else:
        st.line_chart(deflection.pivot_table(index="day", columns="index_version", values="deflection_rate"),
                      height=220)
        st.dataframe(deflection, width="stretch", hide_index=True)

with releases_tab:
    releases.render_releases(res)

with ab_tab:
    releases.render_experiment(res)

with slo_tab:
    reports.render_slos(res)

with gaps_tab:
    reports.render_gaps(res, since, until)

with owners_tab:
    reports.render_owners(res, since, until)
