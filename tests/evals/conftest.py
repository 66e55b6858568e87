"""Fixtures for the evaluation harness: a tiny BEIR folder, settings with the eval fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

BEIR_CORPUS = [
    {"_id": "d-refund", "title": "Refund a payment",
     "text": "Open Payments, pick the payment and choose Refund.\nRefunds reach the card in 5 to 10 business days."},
    {"_id": "d-password", "title": "Reset your password",
     "text": "Click Forgot password on the sign-in page. The reset link expires after 30 minutes."},
    {"_id": "d-2fa", "title": "Two-factor authentication",
     "text": "Turn on 2FA under Settings > Security. Authenticator apps and SMS codes are supported."},
    {"_id": "d-currency", "title": "",
     "text": "Invoices can be sent in 34 currencies; exchange rates update every hour."},
    {"_id": "d-export", "title": "Export your data", "text": "Download every invoice and customer as CSV from Settings > Export."},
    {"_id": "d-empty", "title": "", "text": ""},
]
BEIR_QUERIES = [
    {"_id": "q1", "text": "how long does a refund take to reach the card"},
    {"_id": "q2", "text": "password reset link expired"},
    {"_id": "q3", "text": "which currencies can invoices use"},
    {"_id": "q4", "text": "enable two factor authentication with an authenticator app"},
    {"_id": "q-unjudged", "text": "not in qrels"},
]
BEIR_QRELS = [("q1", "d-refund", 1), ("q2", "d-password", 2), ("q3", "d-currency", 1),
              ("q4", "d-2fa", 1), ("q4", "d-export", 0)]


def write_beir(folder: Path, corpus=BEIR_CORPUS, queries=BEIR_QUERIES, qrels=BEIR_QRELS) -> Path:
    (folder / "qrels").mkdir(parents=True, exist_ok=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in corpus), encoding="utf-8")
    (folder / "queries.jsonl").write_text("".join(json.dumps(r) + "\n" for r in queries), encoding="utf-8")
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t{s}\n" for q, d, s in qrels), encoding="utf-8")
    return folder


@pytest.fixture
def tiny_beir(tmp_path) -> Path:
    return write_beir(tmp_path / "beir-tiny")


@pytest.fixture
def eval_settings(make_settings):
    """Settings (EvalSettings fields included) on a fresh data dir; keyword overrides."""
    return make_settings
