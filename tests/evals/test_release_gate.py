"""The shipped pipeline passes its own release gate: demo retrieval, run fresh, is not worse beyond
doubt than the committed baseline run (evals/baselines/demo-hybrid.json). Re-record that file with
`deflect eval --dataset demo --no-baselines` when a change is meant to move the figures. And the
offline gate a canary must pass stops a release that answers what it should escalate."""

import json

import pytest
from typer.testing import CliRunner

from evals.datasets import REPO

pytestmark = [pytest.mark.slow, pytest.mark.integration]

BASELINE = REPO / "evals" / "baselines" / "demo-hybrid.json"


def test_demo_retrieval_passes_the_release_gate(tmp_path, monkeypatch):
    from deflectkit.cli.eval_cmds import app

    monkeypatch.setenv("DEFLECT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no stray .env
    runner = CliRunner()
    run = runner.invoke(app, ["--dataset", "demo", "--mode", "hybrid", "--no-baselines", "--json", "--no-progress"])
    assert run.exit_code == 0, run.output
    fresh = json.loads(run.stdout)
    baseline = json.loads(BASELINE.read_text())
    assert fresh["n_queries"] == baseline["n_queries"] == 52
    gate = runner.invoke(app, ["compare", str(BASELINE), fresh["run_id"], "--fail-on-regression", "--json"])
    assert gate.exit_code == 0, gate.output
    out = json.loads(gate.stdout)
    assert out["gate"]["passed"] and out["n_paired"] == 52


def test_a_release_that_answers_out_of_scope_questions_fails_the_offline_gate(tmp_path):
    from deflectkit.core.config import Settings
    from evals.release_gate import offline_gate

    live = Settings(data_dir=tmp_path / "data")
    lax = live.model_copy(update={"answer_threshold": 0.3})  # retrieves exactly as live does
    gate = offline_gate(live, lax, ["demo"])
    [demo] = gate.datasets
    assert demo.deltas["ndcg@10"][0] == 0.0 and "ndcg@10" not in demo.failed
    assert not gate.passed and "out_of_scope_answered" in demo.failed, gate.summary
    delta, low, _ = demo.deltas["out_of_scope_answered"]
    assert low > 0 and delta > 0.3  # most of the demo's ten out-of-scope questions now answered
