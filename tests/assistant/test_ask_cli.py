import json
import random

import pytest
from typer.testing import CliRunner

from deflectkit.cli import ask_cmds

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture
def cli_services(monkeypatch, slice_services):
    """The commands build Services from the environment; hand them the session's (same data dir)."""
    monkeypatch.setattr(ask_cmds, "services", lambda: slice_services)
    return slice_services


def test_ask_json_is_the_answer_contract(cli_services):
    result = runner.invoke(ask_cmds.app, ["ask", "What is the API rate limit?", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for field in ("request_id", "ticket", "draft", "citations", "sentences", "confidence", "confidence_label",
                  "decision", "reasons", "timings", "provider", "prompt_version", "index_version",
                  "calibration_version", "guardrails"):
        assert field in data
    assert data["provider"] == "extractive" and data["citations"][0]["doc_id"] == "articles/api-rate-limits.md"


def test_ask_renders_draft_sources_and_confidence(cli_services):
    result = runner.invoke(ask_cmds.app, ["ask", "What is the API rate limit?"])
    assert result.exit_code == 0, result.output
    assert "confidence" in result.stdout and "Sources" in result.stdout
    assert "articles/api-rate-limits.md" in result.stdout


def test_ask_rejects_an_unknown_provider(cli_services):
    result = runner.invoke(ask_cmds.app, ["ask", "hi", "--provider", "gpt9"])
    assert result.exit_code != 0 and "--provider must be one of" in result.output


def test_ask_empty_ticket_is_an_error(cli_services):
    from assistant.errors import EmptyTicket

    result = runner.invoke(ask_cmds.app, ["ask", "  "])
    assert isinstance(result.exception, EmptyTicket)  # deflectkit.cli.main prints it as "Error: ..."


def _beir(folder):
    docs = {
        "d1": ("Refund a payment", "Open the payment and click Refund. Refunds take 5 to 10 business days."),
        "d2": ("Reset your password", "Click Forgot password on the sign-in page. The link is valid for 60 minutes."),
        "d3": ("Two-factor authentication", "Turn on 2FA under Settings > Security. Recovery codes are shown once."),
        "d4": ("Invoice currencies", "Set the invoice currency before sending. Exchange rates update hourly."),
    }
    queries = {"q1": "how do I refund a payment", "q2": "password reset link", "q3": "turn on two-factor",
               "q4": "invoice in euros", "q5": "how long do refunds take", "q6": "recovery codes 2FA",
               "q7": "refund card payment", "q8": "reset link expired"}
    # q7 and q8 are judged against the wrong article on purpose: the fit needs incorrect answers too.
    qrels = {"q1": "d1", "q2": "d2", "q3": "d3", "q4": "d4", "q5": "d1", "q6": "d3", "q7": "d4", "q8": "d3"}
    folder.mkdir()
    (folder / "corpus.jsonl").write_text("".join(
        json.dumps({"_id": k, "title": t, "text": x}) + "\n" for k, (t, x) in docs.items()))
    (folder / "queries.jsonl").write_text("".join(json.dumps({"_id": k, "text": v}) + "\n" for k, v in queries.items()))
    (folder / "qrels").mkdir()
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(
        f"{q}\t{d}\t1\n" for q, d in qrels.items()))
    return folder


def test_calibrate_fits_and_writes_calibration_json(tmp_path, monkeypatch, make_services):
    svc = make_services()
    monkeypatch.setattr(ask_cmds, "services", lambda: svc)
    folder = _beir(tmp_path / "tiny-beir")
    report = tmp_path / "reports" / "calibration.html"
    result = runner.invoke(ask_cmds.app, ["calibrate", "--dataset", f"beir:{folder}", "--json", "--test-share", "0.25",
                                          "--report", str(report)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    path = svc.settings.data_dir / "calibration.json"
    assert data["path"] == str(path) and path.exists()
    assert data["version"].startswith("cal-") and data["n"] == 8 and data["metrics"]["held_out"]["n"] == 2
    assert {"ece", "coverage_accuracy", "reliability"} <= set(data["metrics"]["held_out"])
    page = report.read_text()  # the eval harness's calibration block, per split
    assert data["version"] in page and 'alt="reliability diagram"' in page and 'alt="coverage-accuracy curve"' in page
    assert f"ECE <b>{data['metrics']['held_out']['ece']:.3f}</b>" in page


def test_batch_answers_every_line_in_order_with_its_id_and_reports_bad_lines(cli_services, tmp_path):
    batch = tmp_path / "backlog.jsonl"
    batch.write_text("\n".join([
        json.dumps({"id": "a1", "subject": "Rate limits", "body": "What is the API rate limit?"}),
        "{not json",
        json.dumps({"id": 7, "text": "How do I refund a customer?"}),
        json.dumps({"id": "empty", "body": "  "}),
        "",
        json.dumps({"id": "last", "body": "Can I require two-factor authentication for my whole team?"}),
    ]) + "\n", encoding="utf-8")
    result = runner.invoke(ask_cmds.app, ["ask", "--batch", str(batch), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [r.get("id") for r in rows] == ["a1", None, "7", "empty", "last"]
    assert rows[1]["line"] == 2 and "not JSON" in rows[1]["error"]
    assert rows[3]["line"] == 4 and "empty" in rows[3]["error"]
    for r in (rows[0], rows[2], rows[4]):
        assert "error" not in r and r["decision"] in ("answer", "escalate") and r["request_id"]
    assert rows[0]["citations"][0]["doc_id"] == "articles/api-rate-limits.md"


def test_batch_needs_a_readable_file(cli_services, tmp_path):
    result = runner.invoke(ask_cmds.app, ["ask", "--batch", str(tmp_path / "missing.jsonl")])
    assert result.exit_code != 0 and isinstance(result.exception, Exception)
    assert "No batch file" in str(result.exception)


def test_ask_reads_a_1_mb_ticket_from_stdin_or_a_file(cli_services, tmp_path):
    ticket = "How do I refund a payment? " + "The customer paid twice. " * 40_000  # ~1 MB
    by_stdin = runner.invoke(ask_cmds.app, ["ask", "-", "--json"], input=ticket.encode())
    path = tmp_path / "ticket.txt"
    path.write_text(ticket, encoding="utf-8")
    by_file = runner.invoke(ask_cmds.app, ["ask", "--file", str(path), "--json"])
    for result in (by_stdin, by_file):
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert any("DEFLECT_MAX_TICKET_CHARS" in r for r in data["reasons"])
        assert data["ticket"].startswith("How do I refund a payment?")
        assert len(data["ticket"]) <= cli_services.settings.max_ticket_chars


@pytest.mark.parametrize("ticket", [
    "\udcff\udcfe refund \udc80 please",  # undecodable argv bytes, as Python hands them over
    "refund \ud800 lone surrogate",
    random.Random(3).randbytes(2000).replace(b"\0", b" ").decode("utf-8", "surrogateescape"),  # argv has no NUL
])
def test_ask_on_bytes_that_are_not_text_answers_cleanly(cli_services, ticket):
    result = runner.invoke(ask_cmds.app, ["ask", ticket, "--json"])
    assert result.exit_code == 0 and result.exception is None, result.output
    data = json.loads(result.stdout)
    assert any("not text" in r for r in data["reasons"]) and "\ufffd" in data["ticket"]


def test_ask_stdin_with_bad_bytes_and_ticket_sources_are_exclusive(cli_services, tmp_path):
    result = runner.invoke(ask_cmds.app, ["ask", "-"], input=b"How do I refund a payment? \xff\xfe")
    assert result.exit_code == 0, result.output
    both = runner.invoke(ask_cmds.app, ["ask", "hi", "--file", str(tmp_path / "t.txt")])
    assert both.exit_code != 0 and "Give one of" in both.output
    missing = runner.invoke(ask_cmds.app, ["ask", "--file", str(tmp_path / "missing.txt")])
    assert "No ticket file" in str(missing.exception)
