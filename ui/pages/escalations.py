"""Escalation queue: every escalated ticket, open -> claimed -> resolved. Logic: ui/escalations.py."""

from __future__ import annotations

import streamlit as st

from feedback.models import QUEUE_STATUSES
from ui import desk, render, runtime
from ui import escalations as esc

user = runtime.require("escalate")
res = runtime.resources()

runtime.header("Escalations", "Tickets agents escalated: claim one, answer the customer, record the reply.")
counts = esc.counts(res)
if follow := st.session_state.pop("queue-follow", None):  # after a claim or resolve: show it where it went
    st.session_state["queue-status"] = follow
status = st.segmented_control(
    "Show", QUEUE_STATUSES, default="open", key="queue-status",
    format_func=lambda s: f"{esc.STATUS_LABELS[s]} ({counts[s]})",
) or "open"

items = esc.queue(res, status)
if not items:
    st.info(f"No {esc.STATUS_LABELS[status].lower()} escalations.", icon=":material/inbox:")
check = res.link_check()
for e, answer in items:
    with st.expander(esc.headline(e), expanded=len(items) == 1, key=f"esc-{e.id}"):
        st.caption(esc.who_line(e))
        st.markdown("**Ticket**")
        st.text(e.ticket)
        if e.note:
            st.markdown("**Note from the agent**")
            st.text(e.note)
        if e.draft:
            st.markdown("**Draft at escalation**")
            st.text(e.draft)
        if answer is not None and answer.citations:
            st.markdown("**Sources**")
            for c in desk.cited(answer):
                st.markdown(f"\\[{c.n}\\] {render.md(c.title)}")
                st.html(f'<div class="dk-quote">{render.citation_passage(c)}</div>')
                if link := check(c.url):
                    st.link_button("Open article", link, icon=":material/open_in_new:")
        if e.status == "resolved":
            st.success("Resolved. The reply the customer got:", icon=":material/check_circle:")
            st.text(e.resolution or "")
            st.caption("Labeled " + ("covered by the help center" if e.resolution_in_scope
                                     else "not covered by the help center"))
            continue
        if e.status == "open" and st.button("Claim", key=f"claim-{e.id}", icon=":material/back_hand:"):
            with runtime.shown_errors("Claiming"):
                esc.claim(res, e.id, user)
                st.session_state["queue-follow"] = "claimed"
                st.rerun()
        if e.status == "open" or e.claimed_by == user.name:
            with st.form(f"resolve-{e.id}", border=False):
                reply = st.text_area("Reply sent to the customer", height=150, key=f"reply-{e.id}")
                in_scope = st.checkbox("The help center covers this ticket", key=f"in-scope-{e.id}",
                                       help="Your label for evaluations: could a better draft have answered it?")
                if st.form_submit_button("Resolve", type="primary", icon=":material/task_alt:"):
                    with runtime.shown_errors("Resolving"):
                        esc.resolve(res, e.id, user, reply, in_scope)
                        st.session_state["queue-follow"] = "resolved"
                        st.rerun()
        else:
            st.caption(f"Claimed by {render.md(e.claimed_by or '')}: they resolve it.")
