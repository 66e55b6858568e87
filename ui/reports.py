"""Evaluator tabs for the SLOs, the content gaps and the owner inbox: small renderers over the same
functions the `deflect report` commands call (pages/evaluator.py shows them as tabs).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
import streamlit as st

from feedback.slo import RequestOutcome, SloConfig, SloStatus, slos_from_store
from ui import runtime
from ui.services import Resources

SLO_LABELS = {"draft_latency": "Draft latency", "availability": "Availability",
              "answer_precision": "Answer precision (thumbs)"}
GAPS_KEY, OWNERS_KEY = "dk_gap_report", "dk_owner_inbox"


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.1%}"


def slo_frame(statuses: Sequence[SloStatus]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"SLO": SLO_LABELS[s.name], "objective": _pct(s.objective), "events": s.events,
          "good": _pct(s.good_share), "budget left": _pct(s.error_budget_left),
          "burn 1 h": s.burn_rate_1h, "burn 24 h": s.burn_rate_24h, "fast burn": s.fast_burn}
         for s in statuses]).set_index("SLO")


def render_slos(res: Resources, outcomes: Sequence[RequestOutcome] = ()) -> None:
    cfg = SloConfig.from_settings(res.settings)
    statuses = slos_from_store(res.store, cfg, outcomes)
    for col, s in zip(st.columns(len(statuses)), statuses, strict=True):
        burn = "" if s.burn_rate_1h is None else f"burn {s.burn_rate_1h:.1f}× (1 h)"
        col.metric(SLO_LABELS[s.name], f"{_pct(s.error_budget_left)} left", burn or None, delta_color="off",
                   help=f"Objective {_pct(s.objective)} good over {cfg.window_days} days; "
                        f"{s.events} events, {s.bad} bad.")
    fast = [SLO_LABELS[s.name] for s in statuses if s.fast_burn]
    if fast:
        st.error(f"Fast burn on {', '.join(fast)}: at this rate the budget is gone within days. "
                 "See docs/runbook-incident.md.", icon=":material/local_fire_department:")
    st.dataframe(slo_frame(statuses), width="stretch")
    if not statuses[1].events:
        st.caption("Availability is measured where requests are served (the API); none recorded here yet.")


def render_gaps(res: Resources, since: date | None = None, until: date | None = None) -> None:
    from feedback.gaps import gap_report_for

    st.caption("Tickets the help center could not answer, clustered by topic: the to-do list for content.")
    if st.button("Find content gaps", icon=":material/manage_search:"):
        with st.spinner("Embedding and clustering tickets…"), runtime.shown_errors("Content gaps"):
            st.session_state[GAPS_KEY] = gap_report_for(res.services, since, until)
    report = st.session_state.get(GAPS_KEY)
    if report is None:
        return
    st.markdown(f"**{report.candidates}** of {report.interactions} interactions point at gaps, "
                f"in {len(report.clusters)} topics.")
    for c in report.clusters:
        with st.expander(f"{c.topic} · {c.count} tickets · {c.trend}"):
            st.caption(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in c.signals.items()))
            for ask in c.failed_asks:
                st.text(f"asks: {ask}")
            if c.nearest_articles:
                st.text("nearest articles: " + "; ".join(a.title for a in c.nearest_articles))
            for t in c.representatives:
                st.text(f"{t.created_at:%Y-%m-%d} · {t.request_id}\n{t.excerpt}")  # text: no markup from tickets


def render_owners(res: Resources, since: date | None = None, until: date | None = None) -> None:
    from feedback.owners import owner_inbox_for

    with runtime.shown_errors("Owner inbox"):
        boxes = owner_inbox_for(res.services, since, until)
        if not boxes:
            st.info("Nothing to review: no cited article was voted down or flagged outdated.")
        for b in boxes:
            with st.expander(f"{b.owner} · {len(b.items)} items · {b.outdated} outdated"):
                st.dataframe(pd.DataFrame([i.model_dump() for i in b.items]), width="stretch", hide_index=True)
