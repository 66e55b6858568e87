"""Each page rendered by Streamlit's AppTest against the real app entry point, index and feedback store."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.conftest import APP, PASSWORDS, seed_interactions

pytestmark = pytest.mark.integration
TIMEOUT = 120  # the first run in a process opens Chroma and may load models


def store_of(ui_env):
    from feedback.store import FeedbackStore

    return FeedbackStore(ui_env / "feedback.db")


def signed_in(name: str, ui_env) -> AppTest:
    """A tab signed in as `name` the way the login form does it: a live session in the store."""
    from ui.auth import Session

    store = store_of(ui_env)
    token = store.sessions.issue(name, hours=1)
    store.close()
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["dk_session"] = Session(name=name, source="local", token=token)
    return at.run()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]


def draft(at: AppTest, subject: str, body: str) -> str:
    next(t for t in at.text_input if t.label == "Subject").input(subject)
    next(t for t in at.text_area if t.label == "Customer message").input(body)
    button(at, "Draft reply").click().run()
    assert not at.exception, at.exception
    return at.session_state["desk"]["answer"].request_id


def test_login_form_signs_in_and_opens_the_agent_desk(ui_env):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception and texts(at, "title") == ["deflectkit"]
    at.text_input[0].input("ana")
    at.text_input[1].input("wrong-password")
    button(at, "Sign in").click().run()
    assert "Wrong user name or password" in texts(at, "error")[0]
    at.text_input[1].input(PASSWORDS["ana"])
    button(at, "Sign in").click().run()
    assert not at.exception and texts(at, "title") == ["Agent desk"]
    session = at.session_state["dk_session"]
    assert session.name == "ana" and session.token
    assert any(session.token in h.value for h in at.html)  # the cookie writer that makes F5 keep the session


def test_pages_outside_the_role_are_not_even_registered(ui_env):
    at = signed_in("ana", ui_env)
    for page in ("pages/admin.py", "pages/evaluator.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    assert not at.sidebar.button or [b.label for b in at.sidebar.button] == ["Sign out"]


def test_admin_page_shows_versions_flags_and_applies_a_kill_switch(ui_env):
    at = signed_in("root", ui_env)
    at.switch_page("pages/admin.py").run()
    assert not at.exception and texts(at, "title") == ["Admin"]
    versions = next(d.value for d in at.dataframe if "version" in d.value.columns)
    assert list(versions["version"])[:2] == [2, 1] and bool(versions["active"].iloc[0])
    toggle = at.toggle[0]
    assert toggle.label == "LLM generation" and toggle.value is True
    try:
        toggle.set_value(False).run()
        assert not at.exception
        store = store_of(ui_env)
        assert store.flags.get_all()["generation_enabled"] is False
        assert store.audit.entries(action="flag_set", limit=1)[0].actor == "root"
        store.close()
        assert at.toggle[0].value is False  # the page shows the stored value after the rerun
    finally:
        at.toggle[0].set_value(True).run()
    assert at.multiselect[0].label.startswith("Sources the assistant must not cite")


def test_admin_finds_articles_that_say_the_same_thing_on_request(ui_env):
    at = signed_in("root", ui_env)
    at.switch_page("pages/admin.py").run()
    button(at, "Find articles that say the same thing").click().run()
    assert not at.exception
    assert "No two articles say the same thing." in texts(at, "success")  # the tiny KB's articles differ


def test_rollback_asks_for_confirmation_first(ui_env):
    from ui.services import build_resources, make_settings

    catalog = build_resources(make_settings(_env_file=None)).services.catalog
    at = signed_in("root", ui_env)
    at.switch_page("pages/admin.py").run()
    button(at, "Roll back").click().run()
    assert catalog.active_version() == 2  # nothing happened yet
    assert any("Roll back from version 2 to version 1?" in w for w in texts(at, "warning"))
    button(at, "Cancel").click().run()
    assert catalog.active_version() == 2 and not any("Roll back from" in w for w in texts(at, "warning"))
    button(at, "Roll back").click().run()
    button(at, "Confirm roll back").click().run()
    try:
        assert not at.exception and catalog.active_version() == 1
    finally:
        from retrieval.indexer import activate

        activate(make_settings(_env_file=None), catalog, 2)


def test_admins_may_open_the_evaluator_page(ui_env):
    at = signed_in("root", ui_env)
    at.switch_page("pages/evaluator.py").run()
    assert not at.exception and texts(at, "title") == ["Evaluator"]


def test_exports_reach_only_the_signed_in_tab_never_a_media_url(ui_env):
    import json

    from tests.ui.conftest import make_answer

    store = store_of(ui_env)
    store.record_interaction(make_answer("export-1"), "eva")
    store.close()
    at = signed_in("eva", ui_env)
    at.switch_page("pages/evaluator.py").run()
    button(at, "Prepare export").click().run()
    assert not at.exception
    assert not at.get("download_button")  # st.download_button would serve the file at /media/<hash> to anyone
    [download] = [c for c in at.get("bidi_component") if "deflect_download_button" in c.proto.component_name]
    data = json.loads(download.proto.json)  # goes over this session's websocket only
    assert data["filename"] == "feedback.jsonl" and data["label"].startswith("Download ")
    assert "export-1" in {json.loads(line)["request_id"] for line in data["text"].splitlines()}


def test_a_demoted_admin_loses_the_admin_page_on_the_next_action(ui_env):
    store = store_of(ui_env)
    store.users.add("temp-admin", "admin", password="temp-pass-1", actor="test")
    try:
        at = signed_in("temp-admin", ui_env)
        at.switch_page("pages/admin.py").run()
        assert texts(at, "title") == ["Admin"]
        store.users.update("temp-admin", actor="root", role="agent")
        at.run()  # any click reruns the script
        assert "Admin" not in texts(at, "title") and "You do not have access" in texts(at, "error")[0]
        store.users.update("temp-admin", actor="root", disabled=True)
        at.run()
        assert "dk_session" not in at.session_state and "Admin" not in texts(at, "title")  # signed out
    finally:
        store.users.delete("temp-admin", actor="test")
        store.close()


def test_evaluator_page_draws_charts_from_recorded_interactions(ui_env):
    store = store_of(ui_env)
    seed_interactions(store)
    store.close()
    at = signed_in("eva", ui_env)
    at.switch_page("pages/evaluator.py").run()
    assert not at.exception and texts(at, "title") == ["Evaluator"]
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Tickets"]) >= 6
    charts = at.get("vega_lite_chart")
    assert len(charts) >= 6
    # multi-series charts carry their series names in the Arrow data, not in the spec
    specs = b"".join(d.data.data for c in charts for d in c.proto.datasets).decode("utf-8", "ignore")
    for series in (
        "escalated by the assistant",
        "used as-is",
        "p95 (s)",
        "per used draft",
        "outdated_source",
    ):
        assert series in specs
    labels = [b.label for b in at.button]
    assert "Replay this feedback set" in labels and "Prepare export" in labels
    assert [t.label for t in at.tabs][:9] == ["Dashboard", "Replay", "Export", "Self-service", "Releases", "Desk A/B",
                                             "SLOs", "Content gaps", "Owner inbox"]


def test_desk_drafts_with_citations_badge_and_records_every_action(ui_env):
    at = signed_in("ana", ui_env)
    assert texts(at, "title") == ["Agent desk"] and at.info  # the empty state says what will appear
    request_id = draft(at, "Refund", "How long do card refunds take to reach my customer?")
    assert not at.error, texts(at, "error")
    page_html = " ".join(texts(at, "html"))
    assert 'class="dk-cite" tabindex="0"' in page_html and "5 to 10 business days" in page_html
    assert 'class="dk-quote"' in page_html  # the exact passage, in the chip's card and the source popovers
    markdown = " ".join(texts(at, "markdown"))
    assert ":green-badge[" in markdown or ":orange-badge[" in markdown  # the confidence badge
    assert not at.status  # the progress box gives way to the draft
    assert any(c.startswith("drafted in ") for c in texts(at, "caption"))
    assert at.query_params["ticket"] == request_id  # a reload reopens this ticket

    at.feedback[0].set_value(0).run()  # 👎
    reason = next(s for s in at.selectbox if s.label == "What was wrong?")
    reason.set_value("outdated_source").run()
    button(at, "Send feedback").click().run()
    assert any("feedback recorded" in s for s in texts(at, "success"))

    store = store_of(ui_env)
    it = store.get_interaction(request_id)
    assert it.user == "ana" and not it.sent and not it.edited
    assert [(f.thumbs, f.reason) for f in store.list_feedback(request_id)] == [("down", "outdated_source")]
    store.close()


def test_a_new_ticket_resets_the_escalation_form(ui_env):
    at = signed_in("ana", ui_env)
    first = draft(at, "Payout", "Where is the payout for INV-0042?")
    note = next(t for t in at.text_area if t.label == "Note for the team")
    assert note.key == f"esc-note-{first}"  # every per-ticket widget is keyed by the ticket's request id
    note.input("payout for INV-0042 is missing")
    next(s for s in at.selectbox if s.label == "Reason").set_value("policy_exception")
    second = draft(at, "Password", "How do I reset my password?")
    assert second != first
    note = next(t for t in at.text_area if t.label == "Note for the team")
    assert (note.key, note.value) == (f"esc-note-{second}", "")
    assert next(s for s in at.selectbox if s.label == "Reason").value == "out_of_scope"
    widgets = (*at.text_area, *at.selectbox, *at.text_input, *at.button)
    assert all(first not in (w.key or "") for w in widgets if not (w.key or "").startswith("recent-"))
    button(at, "Escalate ticket").click().run()
    store = store_of(ui_env)
    assert [e.note for e in store.list_escalations(second)] == [""] and store.list_escalations(first) == []
    store.close()
    assert any(b.label == "Escalated" and b.disabled for b in at.button)  # the button shows it is done


def test_escalation_queue_claim_and_resolve(ui_env):
    at = signed_in("ana", ui_env)
    rid = draft(at, "Account", "Please close my company account and delete all invoices")
    next(t for t in at.text_area if t.label == "Note for the team").input("wants account closure")
    button(at, "Escalate ticket").click().run()
    store = store_of(ui_env)
    [escalation] = store.list_escalations(rid)

    queue = signed_in("root", ui_env)
    queue.switch_page("pages/escalations.py").run()
    assert not queue.exception and texts(queue, "title") == ["Escalations"]
    assert any("wants account closure" in t for t in texts(queue, "text"))
    next(b for b in queue.button if b.key == f"claim-{escalation.id}").click().run()
    assert store.escalations.get(escalation.id).claimed_by == "root"
    next(t for t in queue.text_area if t.key == f"reply-{escalation.id}").input("Closed it for you.")
    next(b for b in queue.button if b.label == "Resolve").click().run()
    done = store.escalations.get(escalation.id)
    assert (done.status, done.resolved_by, done.resolution) == ("resolved", "root", "Closed it for you.")
    store.close()


def test_sign_out_clears_everything_the_previous_user_left(ui_env):
    from ui.auth import Session

    at = signed_in("ana", ui_env)
    draft(at, "Refund", "How long do card refunds take?")
    at.feedback[0].set_value(0).run()  # a half-filled feedback form too
    token = at.session_state["dk_session"].token
    button(at, "Sign out").click().run()
    assert list(at.session_state) == ["dk_signed_out"]  # drafts, forms, widget values: all gone
    assert not at.query_params.get("ticket")
    store = store_of(ui_env)
    assert store.sessions.resume(token) is None  # the cookie's token is dead even if the browser kept it
    # eva signs in on the same tab (what the sign-in form does) and finds an empty desk
    at.session_state["dk_session"] = Session(name="eva", source="local", token=store.sessions.issue("eva", 1))
    store.close()
    at.run()
    assert texts(at, "title") == ["Agent desk"] and at.info and not at.session_state["desk"]
    assert not [b for b in at.button if b.label in ("Edit", "Escalate ticket")]
