"""The PII sweep: plant personal data in tickets and documents, in many formats, run the app's flows
through the composition root and the CLI (ingest, ask, desk actions, escalation with a webhook,
feedback export, replay, an eval run), then grep every file under the data dir (SQLite files with
their WAL, Chroma, BM25 indexes, eval runs, exports, traces, logs) for each raw value, in its
written and normalised forms. Nothing may be found. Screen output (CLI, Answers, the webhook's
received payloads) is held to the same rule.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import DEMO, write_kb
from tests.feedback.test_feedback_webhook import FlakyServer
from tests.ingest.conftest import make_pdf

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# name -> the value as planted; every form of it that must not appear anywhere.
PLANTED: dict[str, tuple[str, ...]] = {
    "card": ("4111 1111 1111 1111", "4111111111111111", "4111-1111-1111-1111"),
    "card_mc": ("5500 0000 0000 0004", "5500000000000004"),
    "cvc": ("cvv 739", "cvv: 739"),
    "cvc_unlabelled": ("0004 09/27 482", "09/27 482"),
    "expiry": ("exp 11/28", "11/28"),
    "uk_mobile": ("+44 7700 900123", "447700900123", "7700 900123", "7700900123"),
    "uk_landline": ("020 7946 0958", "02079460958", "7946 0958"),
    "de_landline": ("+49 30 901820", "4930901820"),
    "de_mobile": ("0151 23456789", "015123456789"),
    "fr_mobile": ("+33 6 12 34 56 78", "33612345678", "6 12 34 56 78"),
    "us": ("(415) 555-0132", "4155550132", "555-0132"),
    "es": ("+34 612 34 56 78", "34612345678"),
    "url_phone": ("%2B447700900456", "447700900456", "7700900456"),
    "iban": ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    "iban_lower": ("gb82west12345698765432", "GB82 WEST 1234 5698 7654 32"),
    "email": ("jane.doe@example.com", "jane.doe%40example.com"),
    "email_2": ("sam.carter@mail.example.org", "sam.carter%40mail.example.org"),
    "ssn": ("078-05-1120", "078051120"),
    "ssn_bare": ("219099999", "219-09-9999"),
    "address": ("221B Baker Street", "Baker Street"),
}

TICKETS = {
    "refund": ("Hi, I was charged twice. My card 4111 1111 1111 1111 cvv 739 exp 11/28. How do I get a refund? "
               "Call me on +44 7700 900123 or 020 7946 0958, or mail jane.doe@example.com.\nThanks, Jane"),
    "methods": ("Which payment methods can I use? I'd pay by card 5500 0000 0000 0004 09/27 482 or from IBAN "
                "gb82west12345698765432. My SSN is 219099999, phone (415) 555-0132."),
    "weather": ("hello my name is sam carter from 221B Baker Street, what will the weather be in Springfield? "
                "Ring +49 30 901820 or 0151 23456789, SSN 078-05-1120, IBAN DE89 3704 0044 0532 0130 00."),
}
PLANTED_DOC = """
    # Card payment troubleshooting

    When a card payment fails, check the card details the customer entered. In the example below the customer
    jane.doe@example.com paid with card 4111 1111 1111 1111, exp 11/28, cvv 739 and was charged twice.

    ## Refunds to a bank account

    Refunds for failed card payments go back to the customer's bank account, for example IBAN
    DE89 3704 0044 0532 0130 00 or gb82west12345698765432. The customer's SSN 219099999 is never needed.
    For urgent cases the billing desk calls the customer on +33 6 12 34 56 78 or +34 612 34 56 78.
    """
DEMO_SLICE = ["articles/refund-a-payment.md", "articles/accepted-payment-methods.md",
              "articles/troubleshooting-failed-payments.md", "articles/contact-support.md"]


def forms(value: str) -> set[str]:
    """The value and its normalised forms: digits only, no spaces, upper and lower case."""
    out = {value, value.replace(" ", ""), value.lower(), value.upper()}
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 8:
        out.add(digits)
    return out


def raw_hits(blob: bytes) -> list[str]:
    low = blob.lower()
    return sorted({name for name, values in PLANTED.items() for v in values for f in forms(v)
                   if f.lower().encode() in low})


@pytest.fixture
def kb(tmp_path) -> Path:
    root = write_kb(tmp_path / "kb", {"billing/card-troubleshooting.md": PLANTED_DOC})
    for rel in DEMO_SLICE:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DEMO / rel, root / rel)
    # PII in what names documents: a file name, an export id's URL, a label, a title
    write_kb(root, {"customers/sam.carter@mail.example.org.md": "# Customer notes\n\nRefund approved by phone.\n"})
    record = {"id": "hc-7001", "title": "Refunds to gb82west12345698765432",
              "body": "<p>Refunds reach the customer's bank in 5 to 10 business days.</p>",
              "url": "https://help.acme.example/hc-7001?callback=%2B447700900456",
              "labels": ["billing", "jane.doe@example.com"]}
    (root / "export.jsonl").write_text(json.dumps(record) + "\n")
    (root / "contacts.pdf").write_bytes(make_pdf(["Escalation contacts",
                                                  "Escalations: call +33 6 12 34 56 78 or mail "
                                                  "sam.carter@mail.example.org."]))
    return root


@pytest.fixture
def server():
    s = FlakyServer(fail=1000)  # never accepts: the escalation stays queued in the outbox
    yield s
    s.close()


@pytest.fixture
def debug_log(tmp_path):
    """Every log record of the run, at DEBUG, as JSON lines in a file under the data dir."""
    from deflectkit.core.observability import JsonFormatter

    path = tmp_path / "data" / "logs" / "app.log"
    path.parent.mkdir(parents=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    root, numba = logging.getLogger(), logging.getLogger("numba")
    levels = root.level, numba.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    numba.setLevel(logging.WARNING)  # its compiler's DEBUG output is megabytes of IR, no text of ours
    yield path
    root.removeHandler(handler)
    root.setLevel(levels[0])
    numba.setLevel(levels[1])
    handler.close()


@pytest.fixture
def traced(tmp_path):
    """Spans written to <data_dir>/traces.jsonl, as `deflect` sets it up (without touching the global tracer)."""
    from deflectkit.core import observability
    from deflectkit.core.config import Settings

    saved = observability._provider
    provider = observability.setup_tracing(Settings(_env_file=None, data_dir=tmp_path / "data",
                                                    tracing_exporter="file"), set_global=False)
    yield
    provider.shutdown()
    observability._provider = saved


def cli(*args: str):
    """The CLI commands the sweep runs, invoked in-process (the session's model, patched in below)."""
    import typer
    from typer.testing import CliRunner

    from deflectkit.cli import ask_cmds, feedback_cmds, ingest_cmds

    app = typer.Typer()
    app.command("ingest")(ingest_cmds.ingest)
    app.command("ask")(ask_cmds.ask)
    app.add_typer(feedback_cmds.feedback_app, name="feedback")
    app.command("replay")(feedback_cmds.replay)
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_no_planted_value_reaches_any_file(tmp_path, kb, server, debug_log, traced, embedder, monkeypatch):
    import retrieval.embedder as emb
    from deflectkit.app import Services
    from deflectkit.core.config import Settings
    from evals.answer_run import run_answers
    from evals.datasets import Dataset, Query
    from evals.runner import run_retrieval_eval
    from evals.store import EvalStore
    from feedback.export import export_dataset
    from feedback.replay import replay

    data = tmp_path / "data"
    monkeypatch.chdir(tmp_path)  # no stray .env
    env = {"DEFLECT_DATA_DIR": str(data), "DEFLECT_ESCALATION_WEBHOOK_URL": server.url,
           "DEFLECT_WEBHOOK_RETRIES": "0", "DEFLECT_WEBHOOK_TIMEOUT_S": "2", "DEFLECT_CALIBRATION_PROFILE": "demo"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(emb, "_embedder", lambda *a: embedder)
    shown: list[str] = []  # everything a person would see on a screen

    # ingest through the CLI (its report is printed), then the composition root for the rest
    shown.append(cli("ingest", str(kb), "--no-progress"))
    svc = Services(Settings(_env_file=None), embedder=embedder)
    assert svc.settings.data_dir == data and svc.catalog.active_version() == 1

    # ask: the desk records every answer; the CLI prints one
    answers = {}
    for key, ticket in TICKETS.items():
        answers[key] = svc.answer(ticket)
        svc.feedback.record_interaction(answers[key], "agent1")
    shown += [a.model_dump_json() for a in answers.values()]
    shown.append(cli("ask", TICKETS["refund"], "--json"))
    shown.append(cli("ask", TICKETS["methods"]))

    # desk actions: sent as-is, an edit, feedback with comments, an escalation with a note (webhook queued)
    store = svc.feedback
    store.record_sent(answers["methods"].request_id, "agent1")
    store.record_feedback(answers["methods"].request_id, "agent1", "up",
                          comment="Customer paid with 4111-1111-1111-1111, cvv: 739; fine.")
    store.record_edit(answers["refund"].request_id, "agent1",
                      "Hi Jane, we refunded card 4111 1111 1111 1111 (exp 11/28). We'll call +44 7700 900123.")
    store.record_feedback(answers["weather"].request_id, "agent1", "down", reason="not_in_docs",
                          comment="Asked about weather; mail sam.carter@mail.example.org, +33 6 12 34 56 78.")
    escalation = store.record_escalation(
        answers["weather"].request_id, "agent1", "out_of_scope",
        note="Caller at 221B Baker Street, SSN 078-05-1120, IBAN DE89 3704 0044 0532 0130 00.",
        draft="Refund to gb82west12345698765432 and call 0151 23456789.")
    assert escalation.webhook_status == "queued" and server.calls
    shown += [json.dumps(body) for _, body in server.calls]
    shown += [r.model_dump_json() for r in store.list_escalations() + store.list_feedback() + store.list_edits()]

    # feedback export (library and CLI), replay (library and CLI), an eval run over the export
    exports = data / "exports"
    export_dataset(store, None, exports / "feedback.jsonl", actor="test")
    shown.append(cli("feedback", "export", "-o", str(exports / "cli.jsonl"), "--json"))
    report = replay(store, None, svc.answer_fn())
    assert report.total == 3
    (exports / "replay.json").write_text(report.model_dump_json())
    shown.append(cli("replay", "--json"))
    rows = [json.loads(line) for line in (exports / "feedback.jsonl").read_text().splitlines()]
    assert {r["category"] for r in rows} == {"in_scope", "out_of_scope"}
    ds = Dataset(name="feedback", corpus=kb, queries=[
        Query(qid=r["id"], text=r["question"], relevant=r["relevant_doc_ids"], answer=r["answer"],
              out_of_scope=r["category"] == "out_of_scope") for r in rows])
    run = run_retrieval_eval(ds, svc, "hybrid")
    run.answers = run_answers(ds, svc)
    EvalStore(data).save(run)
    shown.append(run.model_dump_json())
    store.close()

    # the redactor did redact: placeholders are where the values were
    stored = json.dumps([a.model_dump() for a in answers.values()])
    assert "[CARD]" in stored and "[PHONE]" in stored and "[IBAN]" in stored and "[SSN]" in stored
    files = [p for p in data.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"catalog.db", "feedback.db", "traces.jsonl", "app.log", "evals.db", "feedback.jsonl", "cli.jsonl",
            "replay.json"} <= names and any(n.endswith("-wal") for n in names)
    assert any("chroma" in p.parts for p in files) and any("indexes" in p.parts for p in files)
    assert debug_log.stat().st_size > 0 and (data / "traces.jsonl").stat().st_size > 0

    found = {str(p.relative_to(data)): hits for p in files if (hits := raw_hits(p.read_bytes()))}
    assert found == {}
    assert {i: hits for i, text in enumerate(shown) if (hits := raw_hits(text.encode()))} == {}
    assert [p for p in files if raw_hits(str(p.relative_to(data)).encode())] == []
