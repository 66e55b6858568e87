"""Agent desk: paste a ticket, get a cited draft, act on it in one click. Logic: ui/desk.py.

Every per-ticket widget is keyed by the ticket's request id, so a new ticket starts with empty forms.
The open ticket's id is in the URL (?ticket=...), so a reload reopens it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import streamlit as st

from feedback.models import ESCALATION_REASONS, REASON_CODES
from ui import desk, releases, render, runtime, widgets

user = runtime.require("ask")
res = runtime.resources()
state = st.session_state.setdefault("desk", {})
# The agent is free for the next ticket from the first view or the last draft on: handle time runs from here.
opened_at = st.session_state.setdefault("dk_opened_at", datetime.now(UTC))
patterns = releases.desk_patterns(res, user.name)  # the desk A/B variant of this agent (today's desk by default)



def passage_card(title: str, heading_path: list[str], passage_html: str, link: str | None, *, warning: str = "",
                 otherwise: str = "") -> None:
    """A help-center passage as the desk shows it: title, section path, the passage (tables as tables), a
    warning if any, and 'Open article' when the article has an allowed link (else the `otherwise` caption)."""
    st.markdown(f"**{render.md(title)}**")
    if heading_path:
        st.caption(render.md(" › ".join(heading_path)))
    st.html(f'<div class="dk-quote">{passage_html}</div>')
    if warning:
        st.warning(warning)
    if link:
        st.link_button("Open article", link, icon=":material/open_in_new:")
    elif otherwise:
        st.caption(render.md(otherwise))


runtime.header(
    "Agent desk",
    "Paste the customer's ticket. You get a draft built only from your help center, with its sources.",
)

left, right = st.columns([2, 3], gap="large")

with left:
    with st.form("ticket", border=True):
        subject = st.text_input("Subject", placeholder="e.g. Refund not received")
        body = st.text_area(
            "Customer message",
            height=220,
            placeholder="Paste the ticket text here. Personal data is redacted before anything else.",
        )
        asked = st.form_submit_button(
            "Draft reply", type="primary", icon=":material/edit_note:", width="stretch"
        )

    with st.expander("Search the help center", icon=":material/search:"):
        with st.form("help-search", border=False):
            query = st.text_input("Search", placeholder="e.g. refund to card", label_visibility="collapsed")
            searched = st.form_submit_button("Search", icon=":material/search:")
        if searched:
            with runtime.shown_errors("Searching"):
                state["hits"] = desk.search_help_center(res, query)
        check = res.link_check()
        for hit in state.get("hits", []):
            with st.container(border=True):
                passage_card(hit.title, hit.heading_path, render.passage_html(hit.text), check(hit.url))
        if searched and not state.get("hits"):
            st.caption("Nothing found.")

    with st.expander("My recent tickets", icon=":material/history:"):
        recent = desk.recent_tickets(res, user)
        if not recent:
            st.caption("Tickets you draft appear here.")
        for it in recent:
            if st.button(desk.ticket_label(it), key=f"recent-{it.request_id}", type="tertiary"):
                with runtime.shown_errors("Reopening the ticket"):
                    state.clear()
                    state.update(answer=desk.reopen(res, it.request_id, user))
                    st.query_params["ticket"] = it.request_id
                    st.rerun()

if asked:
    state.clear()  # a new ticket: never leave the previous draft on screen, even if this one fails
    st.query_params.pop("ticket", None)
    with right, runtime.shown_errors("Drafting the reply"):
        ticket = desk.make_ticket(subject, body)
        progress = st.empty()  # shown while the pipeline runs, then replaced by the draft
        with progress.status("Drafting a reply…", expanded=True):
            st.write(" → ".join(desk.STAGES))
            started = time.perf_counter()
            answer = desk.draft_reply(res, ticket, user, opened_at=opened_at)
        st.session_state["dk_opened_at"] = datetime.now(UTC)
        progress.empty()
        state.update(answer=answer, seconds=time.perf_counter() - started)
        st.query_params["ticket"] = answer.request_id
elif "answer" not in state and (rid := st.query_params.get("ticket")):
    with right, runtime.shown_errors("Reopening the ticket"):  # a reload: the ticket in the URL
        state["answer"] = desk.reopen(res, rid, user)

answer = state.get("answer")
with right:
    if answer is None:
        st.info(
            "Your draft appears here, with a confidence badge and the help-center passages it cites.",
            icon=":material/article:",
        )
        st.stop()

    rid = answer.request_id
    if st.session_state.pop(f"use-clicked-{rid}", None):  # set by the copy button's callback
        with runtime.shown_errors("Recording the send"):
            desk.use_draft(res, answer, user)
            st.toast("Copied to the clipboard and recorded as sent.", icon=":material/content_copy:")
    done = desk.ticket_state(res, rid)
    view = desk.draft_view(answer, draft_anyway=state.get(f"anyway-{rid}", False))

    if msg := desk.escalation_message(answer):
        st.error(render.md(msg), icon=":material/priority_high:")

    badge = desk.confidence_badge(answer)
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        if patterns["confidence_display"] in (None, "badge"):
            st.badge(badge.label, color=badge.color, help=badge.help, icon=":material/verified:")
        elif patterns["confidence_display"] == "number":
            st.caption(f"Confidence {answer.confidence:.0%}", help=badge.help)
        st.caption(render.md(desk.meta_line(answer, state.get("seconds"))), help=desk.timings_line(answer) or None)
    for note in desk.safety_notes(answer):
        st.caption(f":material/shield: {render.md(note)}")

    with st.container(border=True, key="dk-draft"):
        if state.get(f"editing-{rid}"):
            edited = st.text_area(
                "Edit the reply (keep the [n] markers of the sources you keep)",
                value=answer.draft,
                height=260,
                key=f"edit-{rid}",
            )
            with st.container(horizontal=True):
                if st.button("Save and send", type="primary", icon=":material/send:", key=f"save-{rid}"):
                    with runtime.shown_errors("Saving the edit"):
                        desk.save_edit(res, answer, user, edited)
                        state[f"editing-{rid}"] = False
                        st.rerun()
                if st.button("Cancel", key=f"cancel-{rid}"):
                    state[f"editing-{rid}"] = False
                    st.rerun()
        elif view.show_draft:
            st.html(desk.draft_html(res, answer))
        elif answer.decision == "escalate":
            st.markdown("_No draft to send: this ticket needs a person. The related passages below may help._")
            if view.can_draft_anyway and st.button(
                "Draft anyway", icon=":material/edit_note:", key=f"anyway-btn-{rid}",
                help="Show the assistant's draft although it suggests escalating; check every sentence.",
            ):
                state[f"anyway-{rid}"] = True
                st.rerun()
        else:
            st.markdown("_No draft: the help center has nothing reliable on this ticket._")
    if answer.decision == "escalate" and view.show_draft:
        st.warning("The assistant suggests escalating this ticket: check the draft carefully before sending.",
                   icon=":material/warning:")

    if view.show_draft and (unsupported := desk.unsupported_sentences(answer)):
        st.warning(
            f"{len(unsupported)} sentence(s) are not backed by their sources (struck through above). "
            "Check or remove them before sending.",
            icon=":material/report:",
        )

    if sources := desk.cited(answer):
        check = res.link_check()
        if not view.show_draft:
            st.caption("Related passages")
            for c in sources:
                with st.container(border=True):
                    passage_card(c.title, c.heading_path, render.citation_passage(c), check(c.url))
        elif patterns["citation_display"] != "inline_chips":  # the A/B variant without this row keeps the chips
            st.caption("Sources: click a number in the draft, or one below, to read the exact passage")
            with st.container(horizontal=True, gap="small"):
                for c in sources:
                    with st.popover(desk.source_label(c), icon=":material/menu_book:", type="secondary"):
                        passage_card(c.title, c.heading_path, render.citation_passage(c), check(c.url),
                                     warning="This passage contained instruction-like text; it was screened "
                                     "before use." if c.flagged else "", otherwise=c.doc_id)

    with st.container(horizontal=patterns["action_layout"] != "stacked", vertical_alignment="center", gap="small",
                      key="dk-actions"):
        if view.sendable and not done.edit:
            widgets.copy_button(
                "✓ Sent · copy again" if done.sent else "Use draft",
                desk.customer_text(res, answer),
                key=f"use-{rid}",
                on_click=lambda: st.session_state.update({f"use-clicked-{rid}": True}),
                primary=done.sent is None and answer.decision != "escalate",
                help="Copies the reply (without [n] markers) to the clipboard and records that it went out as-is.",
            )
        if st.button("Edit", icon=":material/edit:", disabled=not view.sendable or done.replied, key=f"edit-btn-{rid}"):
            state[f"editing-{rid}"] = True
            st.rerun()
        if done.escalation is not None:
            st.button("Escalated", icon=":material/check:", disabled=True, key=f"escalated-{rid}",
                      help="This ticket is in the escalation queue.")
        else:
            with st.popover(
                "Escalate", icon=":material/support:", type="primary" if answer.decision == "escalate" else "secondary"
            ), st.form(f"escalate-{rid}", border=False):  # a form: typing the note does not rerun (and close) it
                reason = st.selectbox(
                    "Reason", ESCALATION_REASONS, format_func=desk.ESCALATION_LABELS.get, key=f"esc-reason-{rid}"
                )
                note = st.text_area("Note for the team", height=80, key=f"esc-note-{rid}")
                if st.form_submit_button("Escalate ticket", type="primary"):
                    with runtime.shown_errors("Escalating"):
                        desk.escalate(res, answer, user, reason, note)
                        st.rerun()
        st.space("small")
        thumbs = st.feedback("thumbs", key=f"thumbs-{rid}")

    if thumbs is not None and done.feedback is None:
        with st.container(border=True):
            reason = None
            if thumbs == 0:
                reason = st.selectbox(
                    "What was wrong?",
                    REASON_CODES,
                    index=None,
                    format_func=desk.REASON_LABELS.get,
                    placeholder="Pick a reason",
                    key=f"fb-reason-{rid}",
                )
            comment = st.text_input("Comment (optional)", key=f"fb-comment-{rid}")
            if st.button("Send feedback", key=f"fb-send-{rid}"):
                with runtime.shown_errors("Sending feedback"):
                    desk.send_feedback(res, answer, user, thumbs, reason, comment)
                    st.rerun()
    if fb := done.feedback:
        st.success(
            "Thanks: feedback recorded" + (f" ({desk.REASON_LABELS[fb.reason]})." if fb.reason else "."),
            icon=":material/thumb_up:" if fb.thumbs == "up" else ":material/thumb_down:",
        )

    if done.edit is not None:
        st.success("Your edited reply was recorded as sent. Copy it:", icon=":material/check:")
        st.code(desk.customer_text(res, answer, done.edit.final_text), language=None, wrap_lines=True)
    elif done.sent is not None:
        st.success("Copied to your clipboard and recorded as sent as-is. The reply:", icon=":material/check:")
        st.code(desk.customer_text(res, answer), language=None, wrap_lines=True)
    if done.escalation is not None:
        level, text = desk.webhook_message(done.escalation)
        getattr(st, level)(text)
