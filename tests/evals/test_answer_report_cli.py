"""`deflect eval --dataset NAME --answers --report out.html --json`: the calibration report comes from
the eval harness, on real drafts from the real assistant (tiny BEIR folder, real index and model)."""

import json
import re

import pytest
from typer.testing import CliRunner

from deflectkit.cli.eval_cmds import app

pytestmark = [pytest.mark.slow, pytest.mark.integration]
runner = CliRunner()


def test_eval_answers_report_and_json_carry_the_calibration(tiny_beir, tmp_path, monkeypatch):
    monkeypatch.setenv("DEFLECT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no stray .env
    report = tmp_path / "out.html"
    result = runner.invoke(app, ["--dataset", f"beir:{tiny_beir}", "--answers", "--report", str(report), "--json",
                                 "--no-progress"], env={"DEFLECT_REDACT_PII": "false"})
    assert result.exit_code == 0, result.output
    answers = json.loads(result.stdout)["answers"]
    assert answers["n_answers"] == 4 and 0.0 <= answers["ece"] <= 1.0
    curve = answers["coverage_accuracy"]
    assert curve[0] == {"threshold": 0.0, "coverage": 1.0, "accuracy": answers["correct_share"]}
    assert all(a["coverage"] >= b["coverage"] for a, b in zip(curve, curve[1:], strict=False))
    assert sum(b["count"] for b in answers["reliability"]) == 4 and answers["calibration_version"].startswith("cal-")
    page = report.read_text()
    for alt in ("reliability diagram", "coverage-accuracy curve"):
        assert re.search(rf'<img alt="{alt}" src="data:image/png;base64,', page), alt
    assert f"ECE <b>{answers['ece']:.3f}</b>" in page
