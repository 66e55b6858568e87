"""Local accounts with argon2, authentication, user management, the permission table and the CLI."""

from __future__ import annotations

import json
import sqlite3

import pytest

from feedback.errors import UserError
from feedback.models import User
from feedback.users import PERMISSIONS, can

pytestmark = pytest.mark.integration


def test_add_and_authenticate(store, db_path):
    store.users.add("ana", "admin", password="correct horse", actor="cli:root")
    stored = sqlite3.connect(db_path).execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert store.users.authenticate("ana", "correct horse") == store.users.get("ana")
    assert store.users.authenticate("ANA", "correct horse").name == "ana"  # names are case-insensitive
    assert store.users.authenticate("ana", "wrong password") is None
    assert store.users.authenticate("nobody", "correct horse") is None
    actions = [e.action for e in reversed(store.audit.entries())]
    assert actions == ["user_add", "login", "login", "login_failed", "login_failed"]


def test_sso_only_and_disabled_accounts_cannot_use_passwords(store):
    store.users.add("sso-user", "agent")
    assert store.users.authenticate("sso-user", "") is None
    store.users.add("bob", "agent", password="password123")
    store.users.update("bob", actor="admin", disabled=True)
    assert store.users.authenticate("bob", "password123") is None


def test_bad_input_is_refused(store):
    store.users.add("ana", "agent")
    with pytest.raises(UserError, match="already exists"):
        store.users.add("Ana", "agent")
    with pytest.raises(UserError, match="agent, admin, evaluator"):
        store.users.add("carl", "root")
    with pytest.raises(UserError, match="at least 8"):
        store.users.add("dan", "agent", password="short")
    assert [u.name for u in store.users.list()] == ["ana"]


def test_a_duplicate_name_says_exists_whatever_the_password(store):
    store.users.add("ana", "agent", password="agent-pass-1")
    for password in ("short", "long-enough-pass", None):
        with pytest.raises(UserError, match="already exists"):
            store.users.add("ANA", "admin", password=password)


def test_change_role_reset_password_disable_and_delete_are_audited(store):
    store.users.add("bob", "admin", password="bob-pass-01")
    store.users.update("bob", actor="root", role="agent")
    store.users.update("bob", actor="root", password="new-pass-02")
    assert store.users.authenticate("bob", "bob-pass-01") is None
    assert store.users.authenticate("bob", "new-pass-02").role == "agent"
    store.users.update("bob", actor="root", disabled=True)
    assert store.users.get("bob").disabled
    store.users.delete("bob", actor="root")
    assert store.users.get("bob") is None
    with pytest.raises(UserError, match="No user"):
        store.users.delete("bob", actor="root")
    changes = [(e.action, e.actor, e.target) for e in reversed(store.audit.entries())
               if e.action.startswith("user_")]
    assert changes == [("user_add", "system", "bob")] + [("user_update", "root", "bob")] * 3 + [
        ("user_delete", "root", "bob")]
    assert store.audit.entries(action="user_delete")[0].details == {"role": "agent"}


@pytest.mark.unit
def test_permission_table():
    agent, admin, evaluator = (User(name=r, role=r) for r in ("agent", "admin", "evaluator"))
    assert all(can(u, "ask") and can(u, "feedback") and can(u, "escalate") for u in (agent, admin, evaluator))
    assert can(admin, "flags") and can(admin, "retention") and not can(admin, "eval")
    # admins read what evaluators read: dashboards, replay, export (not running evaluations)
    assert all(can(admin, a) for a in ("dashboards", "replay", "export"))
    assert can(evaluator, "replay") and can(evaluator, "dashboards") and not can(evaluator, "users")
    assert not can(agent, "ingest") and not can(None, "ask")
    assert not can(User(name="x", role="admin", disabled=True), "ask")
    assert PERMISSIONS["agent"] < PERMISSIONS["admin"] and PERMISSIONS["agent"] < PERMISSIONS["evaluator"]
    with pytest.raises(ValueError, match="Unknown action"):
        can(admin, "fly")


def test_cli_users_add_and_list(cli, cli_env):
    out = cli("users", "add", "root", "--role", "admin", "--password-stdin", "--json", input="s3cret-pass\n")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) | {"created_at": None} == {
        "name": "root", "role": "admin", "source": "local", "created_at": None, "disabled": False, "has_password": True}
    # the CLI uses argon2-cffi's default (RFC 9106 low-memory) parameters
    assert sqlite3.connect(cli_env).execute("SELECT password_hash FROM users").fetchone()[0].startswith(
        "$argon2id$v=19$m=65536,t=3,p=4$")
    assert cli("users", "add", "sam", "--role", "agent").exit_code == 0
    listed = json.loads(cli("users", "list", "--json").stdout)
    assert [(u["name"], u["role"], u["has_password"]) for u in listed] == [("root", "admin", True), ("sam", "agent", False)]
    both = cli("users", "add", "x", "--role", "agent", "--password", "p" * 8, "--password-stdin", input="y" * 8)
    assert both.exit_code != 0
    assert cli("users", "add", "y", "--role", "god").exit_code != 0
