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


@pytest.fixture
def gap_data(tmp_path, monkeypatch, embedder):
    """Twelve escalations on three topics the tiny help center does not cover, recorded in a real store."""
    import retrieval.embedder as emb
    from deflectkit.app import Services
    from deflectkit.core.config import Settings
    from tests.conftest import TINY_KB, write_kb
    from tests.feedback.conftest import make_answer
    from tests.feedback.test_gaps import BANK, EXPORT, MOBILE

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEFLECT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DEFLECT_REDACT_PII", "false")  # Presidio is covered by tests/feedback/test_gaps.py
    monkeypatch.setattr(emb, "_embedder", lambda *a: embedder)
    svc = Services(Settings(_env_file=None, data_dir=tmp_path / "data"), embedder=embedder)
    svc.ingest([write_kb(tmp_path / "kb", TINY_KB)])
    store = FeedbackStore(tmp_path / "data" / "feedback.db", clock=Clock())
    for name, texts in (("export", EXPORT), ("bank", BANK), ("mobile", MOBILE)):
        for i, text in enumerate(texts):
            store.record_interaction(make_answer(f"{name}{i}", ticket=text), "ana")
            store.record_escalation(f"{name}{i}", "ana", "out_of_scope")
    store.close()
    return tmp_path


@pytest.mark.slow  # ingest and clustering with the embedding model: about 5 s
def test_gaps_json_and_html(gap_data):
    out = gap_data / "gaps.html"
    res = run("gaps", "--from", "2025-03-01", "--to", "2025-03-31", "--json", "-o", out)
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout)
    assert r["candidates"] == 12 and [c["count"] for c in r["clusters"]] == [4, 4, 4]
    assert all(c["signals"] == {"not_covered": 4} and len(c["nearest_articles"]) == 3 for c in r["clusters"])
    page = out.read_text(encoding="utf-8")
    assert page.count("<h2>") == 3 and page.count("<blockquote>") == 9 and "escalated: not covered 4" in page
    res = run("gaps", "--clusters", "2")
    assert res.exit_code == 0 and "12 of 12 interactions point at content gaps" in res.stdout
    assert "1. " in res.stdout and "2. " in res.stdout and "3. " not in res.stdout


def test_gaps_refuses_a_reversed_period(data):
    res = run("gaps", "--from", "2025-03-16", "--to", "2025-03-03")
    assert isinstance(res.exception, ReportError) and "swap them" in str(res.exception)


@pytest.mark.slow  # ingest and Presidio: about 15 s
def test_owner_inbox_from_front_matter_owners(tmp_path, monkeypatch, embedder):
    import retrieval.embedder as emb
    from deflectkit.app import Services
    from deflectkit.core.config import Settings
    from tests.conftest import TINY_KB, write_kb
    from tests.feedback.conftest import make_answer

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEFLECT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(emb, "_embedder", lambda *a: embedder)
    kb = dict(TINY_KB)
    kb["billing/refunds.md"] = "---\nowner: billing-docs\n---\n" + kb["billing/refunds.md"].strip()
    Services(Settings(_env_file=None, data_dir=tmp_path / "data"), embedder=embedder).ingest(
        [write_kb(tmp_path / "kb", kb)])
    store = FeedbackStore(tmp_path / "data" / "feedback.db", clock=Clock())
    store.record_interaction(make_answer("r1", ("billing/refunds.md", "account/password.md")), "ana")
    store.record_feedback("r1", "ana", "down", reason="outdated_source",
                          comment="Customer jane.doe@example.com says refunds take 3 days now")
    store.record_interaction(make_answer("r2", ("billing/refunds.md",)), "bo")
    store.record_feedback("r2", "bo", "up")
    store.close()
    res = run("owners", "--json")
    assert res.exit_code == 0, res.output
    boxes = json.loads(res.stdout)
    assert [(b["owner"], b["articles"], b["outdated"]) for b in boxes] == [
        ("billing-docs", {"billing/refunds.md": 1}, 1), ("(no owner)", {"account/password.md": 1}, 1)]
    item = boxes[0]["items"][0]
    assert item["title"] == "Refund a payment" and item["request_id"] == "r1"
    assert item["comment"] == "Customer [EMAIL] says refunds take 3 days now"
    res = run("owners", "--owner", "BILLING-DOCS")
    assert res.exit_code == 0 and "billing-docs" in res.stdout and "(no owner)" not in res.stdout
    assert "jane.doe" not in res.stdout
