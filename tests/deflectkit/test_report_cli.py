"""`deflect report ...` end to end on a real feedback store in a tmp data dir."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from deflectkit.cli import app
from feedback.errors import ReportError
from feedback.store import FeedbackStore
from tests.feedback.conftest import BASELINE_CSV, Clock, seed_pilot

pytestmark = pytest.mark.integration

runner = CliRunner()


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DEFLECT_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    store = FeedbackStore(tmp_path / "data" / "feedback.db", clock=Clock())
    seed_pilot(store, store._clock)
    store.close()
    (tmp_path / "baseline.csv").write_text(BASELINE_CSV, encoding="utf-8")
    return tmp_path


def run(*args):
    return runner.invoke(app, ["report", *map(str, args)])


def test_roi_writes_html_and_json_against_a_csv_baseline(data):
    out = data / "out" / "roi.html"
    res = run("roi", "--from", "2025-03-03", "--to", "2025-03-16", "--baseline-csv", data / "baseline.csv",
              "-o", out, "--json")
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout)
    assert r["tickets"] == 112 and r["active_agents"] == 3 and r["baseline"]["tickets"] == 60
    m = {row["key"]: row for row in r["metrics"]}
    assert m["handle_time"]["before"]["value"] == pytest.approx(11.0)  # 9..13 min evenly
    assert m["handle_time"]["verdict"] == "better" and m["handle_time"]["delta"]["ci_high"] < 0
    assert m["escalation"]["before"]["value"] == pytest.approx(0.2)
    assert m["escalation"]["after"]["value"] == pytest.approx(11 / 112)
    assert m["deflection"]["verdict"] == "better"
    assert r["thumbs_down_reasons"] == {"outdated_source": 8, "incomplete": 7}
    page = out.read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 4 and not re.search(r'(src|href)="(?!data:)', page)
    assert "Handle time, mean (open to reply sent): 11.0 min →" in page


def test_roi_against_a_baseline_period_prints_a_table(data):
    res = run("roi", "--from", "2025-03-10", "--to", "2025-03-16", "--baseline-from", "2025-03-03",
              "--baseline-to", "2025-03-09")
    assert res.exit_code == 0, res.output
    assert "56 pilot tickets, 3 agents; baseline: 2025-03-03..2025-03-09 (56 tickets)" in res.stdout
    assert "Thumbs-down rate" in res.stdout


@pytest.mark.parametrize(("args", "says"), [
    (["--from", "2025-03-03", "--to", "2025-03-16"], "Give one baseline"),
    (["--from", "2025-03-16", "--to", "2025-03-03", "--baseline-csv", "baseline.csv"], "swap the dates"),
    (["--from", "2026-01-01", "--to", "2026-01-31", "--baseline-csv", "baseline.csv"], "No interactions"),
    (["--from", "2025-03-03", "--to", "2025-03-16", "--baseline-from", "2025-03-10", "--baseline-to",
      "2025-03-20"], "overlaps the pilot"),
])
def test_roi_refuses_what_it_cannot_compare(data, args, says):
    res = run("roi", *args)
    assert isinstance(res.exception, ReportError) and says in str(res.exception)


def test_roi_needs_both_baseline_days(data):
    res = run("roi", "--from", "2025-03-03", "--to", "2025-03-16", "--baseline-from", "2025-01-01")
    assert res.exit_code == 2 and "--baseline-to" in res.output


def test_slo_table_and_json(data):
    res = run("slo", "--json")
    assert res.exit_code == 0, res.output
    names = [s["name"] for s in json.loads(res.stdout)]
    assert names == ["draft_latency", "availability", "answer_precision"]
    # The seeded drafts are from 2025: outside today's 28-day window, so no events and no budget spent.
    assert all(s["events"] == 0 and s["error_budget_left"] is None for s in json.loads(res.stdout))
    res = run("slo")
    assert res.exit_code == 0 and "availability" in res.stdout and "No request outcomes" in res.stdout
