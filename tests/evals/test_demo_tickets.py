"""demo/tickets.jsonl: shape, labels that point at real help-center docs, the mix it promises, and the loader."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from evals.datasets.tickets import DemoTicket, load_demo_tickets, load_tickets
from evals.errors import DatasetFormatError

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
HELPCENTER = REPO / "demo" / "helpcenter"
TICKETS = REPO / "demo" / "tickets.jsonl"

# Fake PII planted on purpose, so redaction can be tested on whole tickets.
CARD = re.compile(r"\b(?:\d{4}[ -]?){3}\d{4}\b")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = {"uk": re.compile(r"(?:\+44 ?\d{2,3}|\b0\d{3,4}) ?\d{3} ?\d{4}\b"),
         "de": re.compile(r"\+49 ?\d{2,4} ?\d{3,8}"),
         "fr": re.compile(r"(?:\+33 ?\d|\b0\d)(?: ?\d{2}){4}\b")}


@pytest.fixture(scope="module")
def tickets() -> list[DemoTicket]:
    return load_tickets(TICKETS)


def helpcenter_doc_ids() -> set[str]:
    """Doc ids as ingest assigns them: path relative to the help center, or an export record's own id."""
    export = HELPCENTER / "export"
    ids = {p.relative_to(HELPCENTER).as_posix() for p in HELPCENTER.rglob("*") if p.is_file() and export not in p.parents}
    for f in export.glob("*.jsonl"):
        ids |= {json.loads(line)["id"] for line in f.read_text(encoding="utf-8").splitlines() if line.strip()}
    return ids


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in re.sub(r"\D", "", number)][::-1]
    return (sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])) % 10 == 0


def test_file_parses_into_enough_tickets_with_unique_ids(tickets):
    assert len(tickets) >= 80
    assert len({t.id for t in tickets}) == len(tickets)


def test_every_relevant_doc_exists_in_the_help_center(tickets):
    known = helpcenter_doc_ids()
    missing = {(t.id, d) for t in tickets for a in t.asks for d in a.relevant_doc_ids if d not in known}
    assert not missing


def test_language_and_scope_mix(tickets):
    langs = Counter(t.language for t in tickets)
    assert set(langs) == {"en", "de", "es", "fr"}
    assert all(langs[lang] >= 6 for lang in ("de", "es", "fr")), langs
    cats = Counter(t.category for t in tickets)
    assert cats["out_of_scope"] >= 18 and cats["partial"] >= 5 and cats["in_scope"] >= 40, cats
    assert sum(len(t.asks) > 1 for t in tickets) >= 10
    assert any(len(t.asks) >= 3 for t in tickets)


def test_pii_is_present_and_fake_but_valid_looking(tickets):
    texts = [t.text for t in tickets]
    cards = [c for text in texts for c in CARD.findall(IBAN.sub("", text))]
    assert cards and all(luhn_ok(c) for c in cards)
    assert any(re.search(r"\b(?:CVC|CVV|security code)\b", text, re.I) for text in texts)
    ibans = {i.replace(" ", "")[:2] for text in texts for i in IBAN.findall(text)}
    assert {"DE", "FR", "ES"} <= ibans
    assert sum(bool(EMAIL.search(text)) for text in texts) >= 5
    for country, pattern in PHONE.items():
        assert any(pattern.search(text) for text in texts), country


def test_required_tickets_are_there(tickets):
    by_body = {t.body: t for t in tickets}
    reset = by_body["Hi, I clicked forgot password but the reset email never came. What should I do?"]
    assert "articles/reset-your-password.md" in reset.relevant and "spam" in reset.asks[0].answer
    twice = next(t for t in tickets if "charged twice for invoice INV-5512" in t.body)
    assert "articles/refund-a-payment.md" in twice.relevant and twice.category == "in_scope"
    both = next(t for t in tickets if "2FA" in t.body and "invite a team member" in t.body)
    assert set(both.relevant) >= {"articles/two-factor-authentication.md", "articles/team-members-and-roles.md"}


def test_load_demo_tickets_has_load_demos_shape(tickets):
    rows, corpus = load_demo_tickets(REPO)
    assert corpus == HELPCENTER and len(rows) == len(tickets)
    assert all(set(r) == {"qid", "text", "relevant", "answer", "category", "out_of_scope"} for r in rows)
    row, ticket = next((r, t) for r, t in zip(rows, tickets, strict=True) if len(t.asks) > 1 and t.category == "partial")
    assert row["qid"] == ticket.id and row["text"] == f"{ticket.subject}\n\n{ticket.body}"
    assert row["relevant"] == list(dict.fromkeys(d for a in ticket.asks for d in a.relevant_doc_ids))
    # a partial ticket should escalate naming its uncovered ask: it counts as out of scope
    assert row["answer"] == " ".join(a.answer for a in ticket.asks if a.covered) and row["out_of_scope"]
    oos = [r for r in rows if r["category"] == "out_of_scope"]
    assert all(r["out_of_scope"] and r["relevant"] == [] and r["answer"] == "" for r in oos)


def test_rows_feed_the_query_model():
    from evals.datasets import Query

    rows, _ = load_demo_tickets(REPO)
    assert [Query(**r).qid for r in rows[:3]] == ["T001", "T002", "T003"]


GOOD = {"id": "X1", "subject": "s", "body": "b", "language": "en", "category": "in_scope",
        "asks": [{"ask": "a", "relevant_doc_ids": ["articles/x.md"], "answer": "y", "covered": True}]}


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "tickets.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("bad, message", [
    ("{not json", "not valid JSON"),
    (json.dumps({**GOOD, "id": "X2", "category": "partial"}), "category is 'partial'"),
    (json.dumps({**GOOD, "id": "X2", "asks": [{"ask": "a", "covered": False, "answer": "oops"}]}), "uncovered ask"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "asks"}), "asks"),
    (json.dumps(GOOD), "duplicate id 'X1' \\(first used on line 1\\)"),
])
def test_a_bad_line_names_file_and_line(tmp_path, bad, message):
    path = write(tmp_path, json.dumps(GOOD), "", bad)
    with pytest.raises(DatasetFormatError, match=rf"tickets\.jsonl:3: .*{message}"):
        load_tickets(path)


def test_blank_lines_are_skipped(tmp_path):
    assert [t.id for t in load_tickets(write(tmp_path, "", json.dumps(GOOD), ""))] == ["X1"]
