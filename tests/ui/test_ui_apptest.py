"""Each page rendered by Streamlit's AppTest against the real app entry point, index and feedback store."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.conftest import APP, PASSWORDS, seed_interactions, user

pytestmark = pytest.mark.integration
TIMEOUT = 120  # the first run in a process opens Chroma and may load models


def signed_in(name: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["dk_user"] = user(name)
    return at.run()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]


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
    assert at.session_state["dk_user"].name == "ana"


def test_pages_outside_the_role_are_not_even_registered(ui_env):
    at = signed_in("ana")
    for page in ("pages/admin.py", "pages/evaluator.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    assert not at.sidebar.button or [b.label for b in at.sidebar.button] == ["Sign out"]


def test_admin_page_shows_versions_flags_and_applies_a_kill_switch(ui_env):
    at = signed_in("root")
    at.switch_page("pages/admin.py").run()
    assert not at.exception and texts(at, "title") == ["Admin"]
    versions = next(d.value for d in at.dataframe if "version" in d.value.columns)
    assert list(versions["version"])[:2] == [2, 1] and bool(versions["active"].iloc[0])
    toggle = at.toggle[0]
    assert toggle.label == "LLM generation" and toggle.value is True
    try:
        toggle.set_value(False).run()
        assert not at.exception
        from ui.services import build_resources, make_settings

        store = build_resources(make_settings(_env_file=None)).store
        assert store.flags.get_all()["generation_enabled"] is False
        assert store.audit.entries(action="flag_set", limit=1)[0].actor == "root"
        assert at.toggle[0].value is False  # the page shows the stored value after the rerun
    finally:
        at.toggle[0].set_value(True).run()
    assert at.multiselect[0].label.startswith("Sources the assistant must not cite")


def test_evaluator_page_draws_charts_from_recorded_interactions(ui_env):
    from feedback.store import FeedbackStore

    store = FeedbackStore(ui_env / "feedback.db")
    seed_interactions(store)
    store.close()
    at = signed_in("eva")
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


def test_desk_drafts_with_citations_badge_and_records_every_action(ui_env):
    from feedback.store import FeedbackStore

    at = signed_in("ana")
    assert texts(at, "title") == ["Agent desk"] and at.info  # the empty state says what will appear
    at.text_input[0].input("Refund")
    at.text_area[0].input("How long do card refunds take to reach my customer?")
    button(at, "Draft reply").click().run()
    assert not at.exception, at.exception
    assert not at.error, texts(at, "error")
    markdown = " ".join(texts(at, "markdown"))
    assert 'class="dk-chip"' in markdown and "5 to 10 business days" in markdown
    assert ":green-badge[" in markdown or ":orange-badge[" in markdown  # the confidence badge
    assert 'class="dk-quote"' in markdown  # the popover's exact passage
    assert not at.status  # the progress box gives way to the draft
    assert any(c.startswith("drafted in ") for c in texts(at, "caption"))
    request_id = at.session_state["desk"]["answer"].request_id

    button(at, "Use draft").click().run()
    assert "5 to 10 business days" in at.code[0].value and "[1]" not in at.code[0].value

    at.feedback[0].set_value(0).run()  # 👎
    reason = next(s for s in at.selectbox if s.label == "What was wrong?")
    reason.set_value("outdated_source").run()
    button(at, "Send feedback").click().run()
    assert any("feedback recorded" in s for s in texts(at, "success"))

    store = FeedbackStore(ui_env / "feedback.db")
    it = store.get_interaction(request_id)
    assert it.user == "ana" and it.sent and not it.edited
    assert [(f.thumbs, f.reason) for f in store.list_feedback(request_id)] == [("down", "outdated_source")]
    store.close()
