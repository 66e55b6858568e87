"""`deflect release` as an operator runs it: create, list, show, activate, shadow, canary, check, status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deflectkit.cli import app
from deflectkit.core.config import Settings
from feedback.canary import GATES
from feedback.releases import ReleaseError

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DEFLECT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def run(*args: str, ok: bool = True):
    res = runner.invoke(app, ["release", *args])
    if ok:
        assert res.exit_code == 0, res.output
    return res


def js(*args: str):
    return json.loads(run(*args, "--json").stdout)


def test_create_activate_list_show(env):
    base = js("create", "base", "--from-current", "--note", "what drafts today")
    assert base["version"] == "0.1.0" and base["index_version"] is None and base["provider"] == "extractive"
    default = Settings.model_fields["answer_threshold"].default
    assert base["settings"]["answer_threshold"] == default and base["calibration_version"].startswith("cal-")
    assert js("activate", "base") == {"live": "base", "previous": None}
    strict = js("create", "strict", "--set", "answer_threshold=0.9", "--set", "DEFLECT_SEARCH_MODE=bm25")
    assert strict["version"] == "0.2.0" and strict["settings_hash"] != base["settings_hash"]
    assert strict["differs_from_live"] == {"answer_threshold": [default, 0.9], "search_mode": ["hybrid", "bm25"]}
    derived = js("create", "derived", "--set", "answer_top_k=4")  # from the live release, not from strict
    assert derived["differs_from_live"] == {"answer_top_k": [6, 4]}
    listed = js("list")
    assert [(r["name"], r["live"]) for r in listed] == [("base", True), ("strict", False), ("derived", False)]
    assert js("show", "strict")["note"] == "" and "Differs from the live release base" in run("show", "strict").stdout


def test_bad_settings_and_names_are_refused(env):
    res = run("create", "x", "--set", "chunk_size=500", ok=False)
    assert isinstance(res.exception, ReleaseError) and "does not hold it" in str(res.exception)
    res = run("create", "x", "--set", "answer_threshold", ok=False)
    assert "use KEY=VALUE" in str(res.exception)
    out = subprocess.run([sys.executable, "-m", "deflectkit.cli", "release", "create", "x", "--set",
                          "answer_threshold=1.5"], capture_output=True, text=True, timeout=120, cwd=env,
                         env={**os.environ, "DEFLECT_DATA_DIR": str(env / "data"), "PYTHONPATH": str(REPO)})
    assert out.returncode == 2 and "DEFLECT_ANSWER_THRESHOLD='1.5'" in out.stderr and "Traceback" not in out.stderr
    assert js("list") == []


def test_shadow_canary_check_and_status(env):
    from deflectkit.cli.common import services

    js("create", "base", "--from-current")
    js("activate", "base")
    js("create", "strict", "--set", "answer_threshold=0.9")
    assert js("shadow", "strict") == {"shadow": "strict", "previous": None}
    assert run("canary", "--stop", ok=False).exception.args[0] == "No canary is running."
    releases = services().feedback.releases
    releases.start_canary("strict", [5, 50, 100], 30, {"escalation": 0.0, "p95_latency": 0.5},
                          {"passed": True, "summary": "injected"}, "test")
    status = js("status")
    assert status["live"] == "base" and status["shadow"]["release"] == "strict" and status["shadow"]["n"] == 0
    assert status["canary"]["stages"] == [5, 50, 100] and status["canary"]["status"] == "running"
    assert [g["gate"] for g in status["check"]["gates"]] == ["escalation", "p95_latency"]
    assert status["check"]["decision"] == "wait" and status["check"]["level"] == pytest.approx(0.975)
    checked = js("check")
    assert checked["check"]["decision"] == "wait" and checked["canary"]["last_check"]["n_candidate"] == 0
    assert "Stage 5%" in run("status").stdout
    stopped = js("canary", "--stop")
    assert stopped["canary"]["status"] == "stopped" and services().feedback.releases.route().canary is None
    assert js("shadow", "--stop") == {"shadow": None, "previous": "strict"}


@pytest.mark.slow
def test_canary_starts_only_after_the_offline_gate_on_the_shipped_dataset(env, embedder, monkeypatch):
    import retrieval.embedder as emb

    monkeypatch.setattr(emb, "_embedder", lambda *a: embedder)  # the session's model, loaded once
    js("create", "base", "--from-current")
    js("activate", "base")
    js("create", "strict", "--set", "answer_threshold=0.9")
    started = runner.invoke(app, ["release", "canary", "strict", "--stages", "10,100", "--min-tickets", "20",
                                  "--gates", "escalation,error", "--no-progress", "--json"])
    assert started.exit_code == 0, started.output
    canary = json.loads(started.stdout)["canary"]
    assert canary["status"] == "running" and canary["stages"] == [10, 100] and canary["min_tickets"] == 20
    gate = canary["offline"]
    assert gate["passed"] and [d["dataset"] for d in gate["datasets"]] == ["demo"]
    assert gate["datasets"][0]["n_paired"] == 52 and gate["datasets"][0]["failed"] == []
    assert set(gate["datasets"][0]["deltas"]) == {"ndcg@10", "hit@5", "safe_deflection", "out_of_scope_answered",
                                                  "wrong_answered"}
    assert set(GATES) >= set(canary["gates"])
