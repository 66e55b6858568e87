"""`deflect ui`: the streamlit command it runs, the environment it passes, and the demo admin."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from deflectkit.cli import ui_cmds

pytestmark = pytest.mark.unit


def test_command_is_headless_local_and_without_usage_stats():
    cmd = ui_cmds.streamlit_command(8600, "127.0.0.1", 20)
    joined = " ".join(cmd)
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("ui/app.py")
    for part in (
        "--server.address 127.0.0.1",
        "--server.port 8600",
        "--browser.gatherUsageStats false",
        "--server.headless true",
        "--server.maxUploadSize 20",
    ):
        assert part in joined


def test_env_passes_deflect_settings_and_the_provider():
    env = ui_cmds.child_env("local", {"DEFLECT_DATA_DIR": "/x", "PATH": "/bin"})
    assert env["DEFLECT_DATA_DIR"] == "/x" and env["DEFLECT_PROVIDER"] == "local"
    assert env["DEFLECT_ASSISTANT_PROVIDER"] == "local" and env["ANONYMIZED_TELEMETRY"] == "False"
    assert "DEFLECT_PROVIDER" not in ui_cmds.child_env(None, {})
    # with SSO on, uvicorn must not take the peer address from X-Forwarded-For (the SSO check needs the proxy's)
    assert ui_cmds.child_env(None, {}, sso=True)["FORWARDED_ALLOW_IPS"] == ""
    assert "FORWARDED_ALLOW_IPS" not in ui_cmds.child_env(None, {})


def test_demo_admin_is_created_once_and_reset_only_on_request(store):
    outcome, password = ui_cmds.ensure_demo_admin(store)
    assert outcome == "created" and store.users.authenticate("admin", password).role == "admin"
    assert ui_cmds.ensure_demo_admin(store) == ("exists", None)
    outcome, new = ui_cmds.ensure_demo_admin(store, reset=True)
    assert outcome == "reset" and new != password
    assert store.users.authenticate("admin", new) and not store.users.authenticate("admin", password)


def test_cli_prints_the_login_then_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("DEFLECT_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    first = runner.invoke(ui_cmds.app, ["--demo-admin", "--dry-run", "--port", "8765"])
    assert first.exit_code == 0, first.output
    assert re.search(r"^Log in as admin / \S{12,}$", first.output, re.M)
    assert "--server.port 8765" in first.output and "--server.address 127.0.0.1" in first.output
    again = runner.invoke(ui_cmds.app, ["--demo-admin", "--dry-run"])
    assert "already exists" in again.output and "--reset-demo-admin" in again.output
    bad = runner.invoke(ui_cmds.app, ["--provider", "gpt-9", "--dry-run"])
    assert bad.exit_code != 0
