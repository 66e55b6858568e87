"""Admin logic on a real ingested index and feedback store: uploads, versions, flags, users, audit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.models import FileError, IngestReport
from tests.ui.conftest import user
from ui import admin
from ui.errors import UiError


@pytest.mark.unit
def test_uploads_are_saved_under_a_timestamped_folder_with_safe_names(tmp_path):
    folder = admin.save_uploads(
        [("../../etc/passwd.md", b"a"), ("my notes.md", b"b"), (".env", b"c")],
        tmp_path,
        now=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    assert folder.parent == tmp_path / "uploads" and folder.name.startswith("20250102-030405")
    assert sorted(p.name for p in folder.iterdir()) == ["env", "my_notes.md", "passwd.md"]
    with pytest.raises(UiError, match="Choose one or more files"):
        admin.save_uploads([], tmp_path)


@pytest.mark.unit
def test_folder_path_says_what_is_wrong(tmp_path):
    with pytest.raises(UiError, match="Enter the path"):
        admin.folder_path(" ")
    with pytest.raises(UiError, match="No folder at"):
        admin.folder_path(str(tmp_path / "missing"))
    assert admin.folder_path(str(tmp_path)) == tmp_path


@pytest.mark.unit
def test_report_rows_and_progress_text():
    r = IngestReport(
        added=2,
        updated=1,
        redactions=3,
        redactions_by_type={"EMAIL": 3},
        errors=[FileError(path="x.pdf", reason="encrypted")],
        index_version=4,
        new_version=True,
    )
    rows = {row["what"]: row["count"] for row in admin.report_rows(r)}
    assert rows["added"] == 2 and rows["redactions (EMAIL 3)"] == 3 and rows["errors"] == 1
    assert "Published index version 4" in admin.report_summary(r)
    assert admin.progress_text("embed", 5, 10) == (0.5, "Embedding new text: 5/10")
    assert admin.progress_text("bm25", 0, 0)[0] == 1.0


@pytest.mark.integration
def test_versions_activate_and_rollback_are_audited(resources):
    root = user("root")
    rows = admin.version_rows(resources)
    assert [r["version"] for r in rows][:2] == [2, 1] and rows[0]["active"]
    assert admin.rollback(resources, root) == 1
    assert admin.version_rows(resources)[1]["active"]
    admin.activate(resources, 2, root)
    assert resources.services.catalog.active_version() == 2
    actions = [(e.action, e.actor) for e in resources.store.audit.entries(limit=2)]
    assert actions == [("index_activate", "root"), ("index_rollback", "root")]


@pytest.mark.integration
def test_flags_take_the_admin_as_actor_and_default_provider_means_none(resources):
    root = user("root")
    try:
        assert admin.set_flag(resources, "provider", "local", root)["provider"] == "local"
        assert admin.set_flag(resources, "provider", admin.PROVIDER_CHOICES[0], root)["provider"] is None
        assert admin.set_flag(resources, "disabled_sources", ["billing/"], root)["disabled_sources"] == [
            "billing/"
        ]
        assert resources.store.audit.entries(action="flag_set", limit=1)[0].actor == "root"
    finally:
        resources.store.flags.set("disabled_sources", [], actor="test")
    choices = admin.source_choices(resources)
    assert "billing/" in choices and "billing/refunds.md" in choices and "shipping/returns.md" in choices


@pytest.mark.integration
def test_users_delivery_and_audit(resources):
    added = admin.add_user(resources, "newbie", "agent", "newbie-pass-1", user("root"))
    assert added.role == "agent"
    assert any(r["name"] == "newbie" and r["password"] for r in admin.user_rows(resources))
    with pytest.raises(Exception, match="already exists"):
        admin.add_user(resources, "newbie", "agent", "newbie-pass-1", user("root"))
    with pytest.raises(Exception, match="already exists"):  # not "password too short"
        admin.add_user(resources, "newbie", "agent", "short", user("root"))
    assert admin.delivery_message(admin.deliver(resources))[0] == "info"
    assert admin.verify_audit(resources).ok
    assert admin.audit_rows(resources, limit=1)[0]["action"] == "user_add"


@pytest.mark.integration
def test_ingest_uploaded_files_publishes_a_version(tmp_path, ui_data):
    from deflectkit.app import Services
    from retrieval.embedder import make_embedder
    from ui.services import build_resources, make_settings

    settings = make_settings(_env_file=None, data_dir=tmp_path / "data", redact_pii=False)
    embedder = make_embedder(make_settings(_env_file=None, data_dir=ui_data, redact_pii=False))
    res = build_resources(settings, services=Services(settings, embedder=embedder))
    folder = admin.save_uploads(
        [("faq.md", b"# Opening hours\n\nSupport answers from 9 to 17 CET.\n")], settings.data_dir
    )
    stages: list[str] = []
    report = admin.ingest(res, [folder], user("root"), progress=lambda s, d, t: stages.append(s))
    assert report.added == 1 and report.new_version and {"scan", "embed", "bm25"} <= set(stages)
    assert res.store.audit.entries(action="ingest", limit=1)[0].actor == "root"
    res.store.close()


@pytest.mark.unit
def test_user_management_is_audited_and_never_locks_the_admins_out(store):
    from tests.ui.conftest import StoreOnly

    res = StoreOnly(store)
    root = user("root")
    store.users.add("root", "admin", password="admin-pass-1")
    store.users.add("ana", "agent", password="agent-pass-1")
    token = store.sessions.issue("ana", hours=1)
    assert admin.change_role(res, "ana", "evaluator", root).role == "evaluator"
    new = admin.reset_password(res, "ana", root)
    assert store.users.authenticate("ana", new) is not None and store.sessions.resume(token) is None
    token = store.sessions.issue("ana", hours=1)
    assert admin.set_disabled(res, "ana", True, root).disabled and store.sessions.resume(token) is None
    assert not admin.set_disabled(res, "ana", False, root).disabled
    admin.delete_user(res, "ana", root)
    assert store.users.get("ana") is None
    with pytest.raises(UiError, match="your own account"):
        admin.delete_user(res, "root", root)
    with pytest.raises(UiError, match="your own account"):
        admin.change_role(res, "root", "agent", root)
    store.users.add("boss", "admin", password="admin-pass-2")
    store.users.update("root", actor="boss", disabled=True)
    with pytest.raises(UiError, match="last enabled admin"):
        admin.set_disabled(res, "boss", True, user("root"))
    actions = [e.action for e in reversed(store.audit.entries()) if e.actor == "root"]
    assert actions == ["user_update"] * 4 + ["user_delete"]


@pytest.mark.integration
def test_activate_and_rollback_say_what_they_will_do(resources):
    assert admin.confirmation(resources, "rollback") == (
        "Roll back from version 2 to version 1? Every draft from now on cites version 1.")
    assert admin.confirmation(resources, "activate", 1).startswith("Activate version 1 instead of version 2?")
