"""Agent desk: paste a ticket, get a cited draft, act on it in one click. Logic: ui/desk.py."""

from __future__ import annotations

import time

import streamlit as st

from feedback.models import ESCALATION_REASONS, REASON_CODES
from ui import desk, runtime

user = runtime.require("ask")
res = runtime.resources()
state = st.session_state.setdefault("desk", {})

runtime.header(
    "Agent desk",
    "Paste the customer's ticket. You get a draft built only from your help center, with its sources.",
)

left, right = st.columns([2, 3], gap="large")

with left, st.form("ticket", border=True):
    subject = st.text_input("Subject", placeholder="e.g. Refund not received")
    body = st.text_area(
        "Customer message",
        height=220,
        placeholder="Paste the ticket text here. Personal data is redacted before anything else.",
    )
    asked = st.form_submit_button("Draft reply", type="primary", icon=":material/edit_note:", width="stretch")

if asked:
    state.clear()  # a new ticket: never leave the previous draft on screen, even if this one fails
    with right, runtime.shown_errors("Drafting the reply"):
        ticket = desk.make_ticket(subject, body)
        progress = st.empty()  # shown while the pipeline runs, then replaced by the draft
        with progress.status("Drafting a reply…", expanded=True):
            st.write(" → ".join(desk.STAGES))
            started = time.perf_counter()
            answer = desk.draft_reply(res, ticket, user)
        progress.empty()
        state.update(answer=answer, seconds=time.perf_counter() - started)

answer = state.get("answer")
with right:
    if answer is None:
        st.info(
            "Your draft appears here, with a confidence badge and the help-center passages it cites.",
            icon=":material/article:",
        )
        st.stop()

    if msg := desk.escalation_message(answer):
        st.error(msg, icon=":material/priority_high:")

    badge = desk.confidence_badge(answer)
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        st.badge(badge.label, color=badge.color, help=badge.help, icon=":material/verified:")
        st.caption(desk.meta_line(answer, state.get("seconds")), help=desk.timings_line(answer) or None)
    for note in desk.safety_notes(answer):
        st.caption(f":material/shield: {note}")

    with st.container(border=True, key="dk-draft"):
        if state.get("editing"):
            edited = st.text_area(
                "Edit the reply (keep the [n] markers of the sources you keep)",
                value=answer.draft,
                height=260,
            )
            with st.container(horizontal=True):
                if st.button("Save and send", type="primary", icon=":material/send:"):
                    with runtime.shown_errors("Saving the edit"):
                        state["edit"] = desk.save_edit(res, answer, user, edited)
                        state["editing"] = False
                        st.rerun()
                if st.button("Cancel"):
                    state["editing"] = False
                    st.rerun()
        elif answer.draft:
            st.markdown(desk.draft_markdown(answer), unsafe_allow_html=True)
        elif answer.decision == "escalate" and answer.citations:
            st.markdown("_No draft to send: this ticket needs a person. The related articles below may help._")
        else:
            st.markdown("_No draft: the help center has nothing reliable on this ticket._")

    if unsupported := desk.unsupported_sentences(answer):
        st.warning(
            f"{len(unsupported)} sentence(s) are not backed by their sources (struck through above). "
            "Check or remove them before sending.",
            icon=":material/report:",
        )

    if sources := desk.cited(answer):
        st.caption("Related articles: click one to read the passage" if not answer.draft
                   else "Sources: click one to read the exact passage")
        with st.container(horizontal=True, gap="small"):
            for c in sources:
                with st.popover(desk.source_label(c), icon=":material/menu_book:", type="secondary"):
                    st.markdown(f"**{c.title}**")
                    if c.heading_path:
                        st.caption(" › ".join(c.heading_path))
                    st.markdown(desk.quote_html(c), unsafe_allow_html=True)
                    if c.flagged:
                        st.warning(
                            "This passage contained instruction-like text; it was screened before use."
                        )
                    if c.url:
                        st.link_button("Open article", c.url, icon=":material/open_in_new:")
                    else:
                        st.caption(c.doc_id)

    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="dk-actions"):
        done = "sent" in state or "edit" in state
        suggest_escalation = answer.decision == "escalate"
        if st.button(
            "Sent" if done else "Use draft",
            type="secondary" if suggest_escalation else "primary",
            icon=":material/content_copy:",
            disabled=not answer.draft or done,
            help="Records that the draft went out as it is.",
        ):
            with runtime.shown_errors("Recording the send"):
                state["sent"] = desk.use_draft(res, answer, user)
                st.rerun()
        if st.button("Edit", icon=":material/edit:", disabled=not answer.draft or done):
            state["editing"] = True
            st.rerun()
        with st.popover(
            "Escalate", icon=":material/support:", type="primary" if suggest_escalation else "secondary"
        ):
            reason = st.selectbox("Reason", ESCALATION_REASONS, format_func=desk.ESCALATION_LABELS.get)
            note = st.text_area("Note for the team", height=80)
            if st.button("Escalate ticket", type="primary"):
                with runtime.shown_errors("Escalating"):
                    state["escalation"] = desk.escalate(res, answer, user, reason, note)
        st.space("small")
        thumbs = st.feedback("thumbs", key=f"thumbs-{answer.request_id}")

    if thumbs is not None and "feedback" not in state:
        with st.container(border=True):
            reason = None
            if thumbs == 0:
                reason = st.selectbox(
                    "What was wrong?",
                    REASON_CODES,
                    index=None,
                    format_func=desk.REASON_LABELS.get,
                    placeholder="Pick a reason",
                )
            comment = st.text_input("Comment (optional)")
            if st.button("Send feedback"):
                with runtime.shown_errors("Sending feedback"):
                    state["feedback"] = desk.send_feedback(res, answer, user, thumbs, reason, comment)
                    st.rerun()
    if fb := state.get("feedback"):
        st.success(
            "Thanks: feedback recorded" + (f" ({desk.REASON_LABELS[fb.reason]})." if fb.reason else "."),
            icon=":material/thumb_up:" if fb.thumbs == "up" else ":material/thumb_down:",
        )

    if state.get("sent"):
        st.success(
            "Recorded as sent as-is. Copy the reply (button at the top right of the box):",
            icon=":material/check:",
        )
        st.code(desk.customer_text(answer), language=None, wrap_lines=True)
    if edit_row := state.get("edit"):
        st.success("Your edited reply was recorded as sent. Copy it:", icon=":material/check:")
        st.code(desk.customer_text(answer, edit_row.final_text), language=None, wrap_lines=True)
    if escalation := state.get("escalation"):
        level, text = desk.webhook_message(escalation)
        getattr(st, level)(text)
