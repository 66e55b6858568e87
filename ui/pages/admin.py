"""Admin: keep the knowledge base fresh and the assistant safe. Logic: ui/admin.py."""

from __future__ import annotations

import streamlit as st

from deflectkit.core.config.feedback import Role
from feedback.users import ROLES, can
from ui import admin, runtime

user = runtime.require("ingest")
res = runtime.resources()

runtime.header("Admin", "Keep the knowledge base fresh and the assistant safe.")
kb, versions, flags, escalations, users, audit = st.tabs(
    ["Knowledge base", "Index versions", "Flags & kill switches", "Escalations", "Users", "Audit log"]
)

with kb:
    st.subheader("Re-ingest the help center")
    st.caption(
        "Changed articles are re-embedded, unchanged ones reused; a new index version goes live when done."
    )
    source = st.radio("Source", ["Folder on the server", "Upload files"], horizontal=True)
    paths = None
    if source == "Folder on the server":
        folder = st.text_input("Folder", placeholder="demo/helpcenter")
        start = st.button("Ingest folder", type="primary", icon=":material/sync:")
        if start:
            with runtime.shown_errors("Checking the folder"):
                paths = [admin.folder_path(folder)]
    else:
        files = st.file_uploader(
            "Markdown, HTML, text, PDF or JSONL export files",
            accept_multiple_files=True,
            type=["md", "markdown", "html", "htm", "txt", "pdf", "json", "jsonl"],
        )
        if st.button("Ingest uploaded files", type="primary", icon=":material/upload:"):
            with runtime.shown_errors("Saving the uploads"):
                paths = [
                    admin.save_uploads(((f.name, f.getvalue()) for f in files or []), res.settings.data_dir)
                ]
    if paths:
        bar = st.progress(0.0, text="Starting…")
        with runtime.shown_errors("Ingest"):
            report = admin.ingest(
                res, paths, user, progress=lambda s, d, t: bar.progress(*admin.progress_text(s, d, t))
            )
            bar.progress(1.0, text="Done")
            st.session_state["ingest_report"] = report
    if flagged := admin.flagged_rows(res):
        st.warning(f"{len(flagged)} passage(s) in the live index were flagged by screening: instructions, requests "
                   "for credentials or payment data, software to install or disable, or links outside the help "
                   "center. Those sentences never reach a draft; fix the articles.", icon=":material/flag:")
        st.dataframe(flagged, hide_index=True)
    if st.button("Find articles that say the same thing", icon=":material/content_copy:"):
        with runtime.shown_errors("Comparing articles"):
            pairs = admin.overlap_rows(res)
            if pairs:
                st.info(f"{len(pairs)} article pair(s) say the same thing. A draft citing one is held back by the "
                        "other (\"another article matches about as well\"): merge each pair, or make each article "
                        "say which product, version or case it is for.", icon=":material/content_copy:")
                st.dataframe(pairs, hide_index=True)
            else:
                st.success("No two articles say the same thing.", icon=":material/check_circle:")
    if report := st.session_state.get("ingest_report"):
        st.success(admin.report_summary(report), icon=":material/check_circle:")
        st.dataframe(admin.report_rows(report), hide_index=True, width=420)
        if report.errors:
            st.warning(f"{len(report.errors)} file(s) could not be read:")
            st.dataframe([e.model_dump() for e in report.errors], hide_index=True)

with versions:
    st.subheader("Index versions")
    rows = admin.version_rows(res)
    if not rows:
        st.info("No index yet: ingest a folder on the Knowledge base tab.")
    else:
        st.dataframe(
            rows, hide_index=True, column_config={"active": st.column_config.CheckboxColumn("active")}
        )
        ready = [r["version"] for r in rows if r["status"] == "ready" and not r["active"]]
        pick, go, back = st.columns([2, 1, 1], vertical_alignment="bottom")
        chosen = pick.selectbox("Version to activate", ready, index=None, placeholder="Pick a ready version")
        if go.button("Activate", disabled=chosen is None, icon=":material/play_arrow:", width="stretch"):
            st.session_state["admin-confirm"] = ("activate", chosen)
        if back.button(
            "Roll back",
            icon=":material/undo:",
            width="stretch",
            help="Activate the newest ready version older than the active one.",
        ):
            st.session_state["admin-confirm"] = ("rollback", None)
        if pending := st.session_state.get("admin-confirm"):
            action, version = pending
            with runtime.shown_errors("Checking"), st.container(border=True):
                st.warning(admin.confirmation(res, action, version), icon=":material/help:")
                yes, no = st.columns(2)
                if yes.button(f"Confirm {'activate' if action == 'activate' else 'roll back'}", type="primary",
                              width="stretch"):
                    st.session_state.pop("admin-confirm")
                    with runtime.shown_errors("Switching the index"):
                        if action == "activate":
                            admin.activate(res, version, user)
                            st.toast(f"Activated version {version}")
                        else:
                            st.toast(f"Rolled back to version {admin.rollback(res, user)}")
                        st.rerun()
                if no.button("Cancel", width="stretch"):
                    st.session_state.pop("admin-confirm")
                    st.rerun()

with flags:
    st.subheader("Feature flags and kill switches")
    st.caption("Changes apply to the very next draft, in every session; no restart. Each change is audited.")
    current = res.store.flags.get_all()
    on = st.toggle(
        "LLM generation",
        value=current["generation_enabled"],
        help="Off = kill switch: drafts are built extractively from the sources, no model is called.",
    )
    if on != current["generation_enabled"]:
        with runtime.shown_errors("Setting the flag"):
            admin.set_flag(res, "generation_enabled", on, user)
            st.rerun()
    choices = list(admin.PROVIDER_CHOICES)
    now = current["provider"] if current["provider"] in choices else choices[0]
    provider = st.selectbox(
        "Provider",
        choices,
        index=choices.index(now),
        help="Who writes drafts; extractive = no model, sentences taken from the sources.",
    )
    if provider == "local":
        st.warning(admin.LOCAL_MODEL_NOTE, icon=":material/speed:")
    if (None if provider == choices[0] else provider) != current["provider"]:
        with runtime.shown_errors("Setting the flag"):
            admin.set_flag(res, "provider", provider, user)
            st.rerun()
    options = sorted(set(admin.source_choices(res)) | set(current["disabled_sources"]))
    disabled = st.multiselect(
        "Sources the assistant must not cite",
        options,
        default=current["disabled_sources"],
        help="Folders (ending in /) or single documents, e.g. an outdated article.",
    )
    if st.button("Save disabled sources", disabled=sorted(disabled) == sorted(current["disabled_sources"])):
        with runtime.shown_errors("Setting the flag"):
            admin.set_flag(res, "disabled_sources", disabled, user)
            st.rerun()

with escalations:
    queue = res.store.escalations.counts()
    st.subheader("Escalation queue")
    m = st.columns(3)
    for col, (status, n) in zip(m, queue.items(), strict=True):
        col.metric(status.capitalize(), n)
    st.page_link("pages/escalations.py", label="Open the escalation queue", icon=":material/support:")
    st.subheader("Escalation webhook")
    pending = res.store.list_outbox("pending")
    st.metric("Queued webhook deliveries", len(pending))
    if st.button("Deliver queued escalations", icon=":material/send:"):
        with runtime.shown_errors("Delivering"):
            level, text = admin.delivery_message(admin.deliver(res))
            getattr(st, level)(text)
    if pending:
        st.dataframe(
            [
                p.model_dump(include={"escalation_id", "attempts", "last_error", "created_at"})
                for p in pending
            ],
            hide_index=True,
        )

with users:
    st.subheader("Users")
    st.dataframe(admin.user_rows(res), hide_index=True)
    if can(user, "users"):
        with st.form("add_user", clear_on_submit=True):
            name_col, role_col = st.columns(2)
            name = name_col.text_input("Name")
            role: Role = role_col.selectbox("Role", ROLES)
            password = st.text_input("Password (leave empty for SSO-only accounts)", type="password")
            if st.form_submit_button("Add user", icon=":material/person_add:"):
                with runtime.shown_errors("Adding the user"):
                    added = admin.add_user(res, name, role, password, user)
                    st.success(f"Added {added.name} ({added.role}).")

        st.subheader("Change a user")
        names = [u.name for u in res.store.users.list()]
        who = st.selectbox("User", names, index=None, placeholder="Pick a user", key="manage-user")
        target = res.store.users.get(who) if who else None
        if target is not None:
            role_col, go_col = st.columns([2, 1], vertical_alignment="bottom")
            new_role = role_col.selectbox("Role", ROLES, index=ROLES.index(target.role), key=f"role-{who}")
            if go_col.button("Change role", disabled=new_role == target.role, width="stretch", key=f"set-role-{who}"):
                with runtime.shown_errors("Changing the role"):
                    admin.change_role(res, who, new_role, user)
                    st.rerun()
            a, b, c = st.columns(3)
            if a.button("Enable" if target.disabled else "Disable", width="stretch", key=f"toggle-{who}",
                        icon=":material/block:"):
                with runtime.shown_errors("Changing the account"):
                    admin.set_disabled(res, who, not target.disabled, user)
                    st.rerun()
            if b.button("Reset password", width="stretch", key=f"reset-{who}", icon=":material/key:"):
                with runtime.shown_errors("Resetting the password"):
                    st.session_state["new-password"] = (who, admin.reset_password(res, who, user))
            if c.button("Delete", width="stretch", key=f"delete-{who}", icon=":material/delete:"):
                st.session_state["confirm-delete"] = who
            if (shown := st.session_state.get("new-password")) and shown[0] == who:
                st.success(f"New password for {who} (shown once; their sessions were signed out):")
                st.code(shown[1], language=None)
            if st.session_state.get("confirm-delete") == who:
                st.warning(f"Delete {who}? Their recorded tickets and feedback stay, under their name.")
                yes, no = st.columns(2)
                if yes.button(f"Confirm delete {who}", type="primary", width="stretch"):
                    st.session_state.pop("confirm-delete")
                    with runtime.shown_errors("Deleting the user"):
                        admin.delete_user(res, who, user)
                        st.rerun()
                if no.button("Keep the user", width="stretch"):
                    st.session_state.pop("confirm-delete")
                    st.rerun()

with audit:
    st.subheader("Audit log")
    if st.button("Verify the hash chain", icon=":material/verified_user:"):
        report = admin.verify_audit(res)
        if report.ok:
            st.success(f"Audit log intact: {report.rows} rows, head hash {report.head_hash[:16]}…")
        else:
            st.error("Audit log was tampered with: " + "; ".join(p.detail for p in report.problems))
    st.dataframe(admin.audit_rows(res), hide_index=True)
