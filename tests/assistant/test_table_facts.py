"""Table rows and steps as facts: over the real demo help center, through the real loaders and
chunker, every row unit is one source row with its column labels, and steps keep their order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.context import SourceBlock
from assistant.extractive import render
from assistant.sentences import clean, row_sentence, units
from ingest.chunking import Chunker
from ingest.loaders import load_file
from ingest.models import Document
from ingest.tables import find_tables, split_cells
from retrieval.models import Hit, Scores

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "demo" / "helpcenter"
TABLE_FILES = sorted(p for p in DEMO.rglob("*") if p.suffix in (".md", ".html", ".jsonl"))


def _docs(path: Path) -> list[Document]:
    return load_file(DEMO, path, 10_000_000).documents


def _source_rows(doc: Document) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(header, row) of every table row in the loaded document, cells cleaned like units() cleans them."""
    lines = doc.text.split("\n")
    out = []
    for t in find_tables(lines):
        header = tuple(clean(c) for c in split_cells(lines[t.start])) if t.header else ()
        for line in lines[t.start + t.header: t.end]:
            out.append((header, tuple(clean(c) for c in split_cells(line))))
    return out


def _row_units(doc: Document, chunker: Chunker):
    return [u for c in chunker.split(doc) for u in units(c.text) if u.kind == "row"]


DOCS = [d for p in TABLE_FILES for d in _docs(p)]
TABLE_DOCS = [d for d in DOCS if _source_rows(d)]


@pytest.mark.unit
def test_the_demo_has_tables_in_markdown_and_html():
    kinds = {d.format for d in TABLE_DOCS}
    assert {"markdown", "html"} <= kinds, kinds
    assert len(TABLE_DOCS) >= 8


@pytest.mark.unit
@pytest.mark.parametrize("chunk_size", [300, 150])
@pytest.mark.parametrize("doc", TABLE_DOCS, ids=lambda d: d.doc_id)
def test_every_row_unit_is_exactly_one_labelled_source_row(doc, chunk_size):
    rows = _source_rows(doc)
    got = _row_units(doc, Chunker(chunk_size, 50))
    assert len(got) == len(rows), "every source row comes out once, as a row"
    for u in got:
        matches = [(h, r) for h, r in rows if r == u.cells]
        assert len(set(matches)) == 1, u.text
        header, row = matches[0]
        assert u.header == header, f"{u.text!r} lost its labels"
        assert u.text == row_sentence(header, row)
        for label, value in zip(header[1:], row[1:], strict=False):
            if value:
                assert f"{label}: {value.rstrip(' .;')}" in u.text
        # No other row's cell value leaks in (short shared values like "CSV" or "No", and values
        # that are part of this row's own cells, aside).
        foreign = {c for _, r in rows if r != row for c in r if len(c) >= 12 and not any(c in v for v in row)}
        assert not [c for c in foreign if c in u.text], u.text


@pytest.mark.unit
def test_roles_rows_carry_their_own_permissions_only():
    doc = next(d for d in DOCS if d.doc_id.endswith("team-members-and-roles.md"))
    by_role = {u.cells[0]: u.text for u in _row_units(doc, Chunker(300, 50))}
    assert by_role["Accountant"].startswith("Accountant — What they can do: View all invoices, payments and reports")
    assert "Cannot issue refunds or change settings" in by_role["Accountant"]
    assert by_role["Sales"].startswith("Sales — What they can do: Create and send quotes and invoices")
    assert "View all invoices" not in by_role["Sales"]
    assert "Create and send quotes" not in by_role["Accountant"]


@pytest.mark.unit
def test_html_tables_become_labelled_rows_not_pipe_text():
    doc = next(d for d in DOCS if d.doc_id.endswith("import-customers-csv.html"))
    texts = [u.text for u in _row_units(doc, Chunker(300, 50))]
    assert "email — Required: Yes; Notes: Billing email; used to detect duplicates." in texts
    assert not any("|" in t for c in Chunker(300, 50).split(doc) for t in (u.text for u in units(c.text)))


@pytest.mark.unit
def test_a_table_larger_than_a_chunk_repeats_its_header_in_every_part():
    rows = "\n".join(f"| Plan {i} | {i} seats | ${i * 10} a month |" for i in range(1, 21))
    doc = Document(doc_id="p.md", source="p.md", format="markdown", title="Plans",
                   text=f"# Plans\n\nPrices:\n\n| Plan | Seats | Price |\n| --- | --- | --- |\n{rows}\n\nThat is all.")
    chunks = Chunker(120, 20).split(doc)
    table_chunks = [c for c in chunks if "seats |" in c.text]
    assert len(table_chunks) > 3
    assert all(c.text.startswith("| Plan | Seats | Price |\n| --- | --- | --- |\n") for c in table_chunks)
    got = [u for c in chunks for u in units(c.text) if u.kind == "row"]
    assert [u.text for u in got] == [f"Plan {i} — Seats: {i} seats; Price: ${i * 10} a month." for i in range(1, 21)]


@pytest.mark.unit
def test_a_passage_starting_mid_table_does_not_take_a_row_for_the_header():
    text = "| Admin | Everything except billing |\n| Sales | Create quotes |"
    assert [u.text for u in units(text)] == ["Admin — Everything except billing.", "Sales — Create quotes."]


@pytest.mark.unit
def test_row_sentence_skips_empty_cells_and_labels_the_rest():
    assert row_sentence(("Role", "Can", "Cannot"), ("Accountant", "View all invoices", "Issue refunds")) == \
        "Accountant — Can: View all invoices; Cannot: Issue refunds."
    assert row_sentence(("Role", "Can", "Cannot"), ("Viewer", "Read invoices.", "")) == "Viewer — Can: Read invoices."


@pytest.mark.unit
def test_numbered_steps_are_step_units_in_source_order():
    doc = next(d for d in DOCS if d.doc_id.endswith("team-members-and-roles.md"))
    steps = [u.text for c in Chunker(300, 50).split(doc) for u in units(c.text) if u.kind == "step"]
    assert steps[:3] == ["Go to Settings > Team > Invite member.", "Enter their email address and choose a role.",
                         "Click Send invitation."]
    assert steps[3:] == ["Go to Settings > Team.", "Click the Admin's name and choose Make owner.",
                         "Confirm with your password and a two-factor code."]


@pytest.mark.unit
def test_render_numbers_steps_and_keeps_bullets_for_items():
    text = render([("Go to Settings > Team.", [1]), ("Click Make owner.", [1]), ("Done.", [1]), ("Note.", [2])],
                  ["step", "step", "sentence", "item"], greeting=False)
    assert text == "1. Go to Settings > Team [1].\n2. Click Make owner [1].\nDone [1].\n- Note [2]."


@pytest.mark.unit
@pytest.mark.parametrize("raw", ["Go to **Settings > Data > Export**.", "Go to Settings > Data > Export.",
                                 "Go to *Settings* > *Data* > *Export*."])
def test_menu_paths_survive_clean(raw):
    assert clean(raw) == "Go to Settings > Data > Export."


@pytest.mark.unit
def test_menu_paths_survive_in_table_rows():
    doc = next(d for d in DOCS if d.doc_id.endswith("export-your-data.md"))
    texts = [u.text for u in _row_units(doc, Chunker(300, 50))]
    assert "Invoices, quotes, credit notes — Format: CSV or JSON, plus PDFs; Where: Settings > Data > Export." in texts


def _block(n: int, text: str) -> SourceBlock:
    hit = Hit(rank=n, chunk_id=f"c{n}", doc_id=f"{n}.md", title="Roles", text=text, source=f"{n}.md", score=0.0,
              scores=Scores(), index_version=1)
    return SourceBlock(n=n, hit=hit, text=text)


@pytest.mark.unit
def test_citation_quote_is_whole_rows_with_a_markdown_table():
    from assistant.pipeline import _citation

    text = ("| Role | Can | Cannot |\n| --- | --- | --- |\n| Admin | Manage team | Billing |\n"
            "| Sales | Send quotes | See reports |")
    c = _citation(1, _block(1, text), ["Sales — Can: Send quotes; Cannot: See reports."])
    assert c.quote == "Sales — Can: Send quotes; Cannot: See reports."
    assert c.quote_markdown == "| Role | Can | Cannot |\n| --- | --- | --- |\n| Sales | Send quotes | See reports |"


@pytest.mark.unit
def test_truncated_block_keeps_rows_under_their_header():
    from assistant.context import truncate_to_tokens

    doc = next(d for d in DOCS if d.doc_id.endswith("team-members-and-roles.md"))
    section = doc.text[doc.text.index("| Role"):doc.text.index("On the Pro plan")]
    cut = truncate_to_tokens(section, 80)
    rows = [u for u in units(cut) if u.kind == "row"]
    assert rows and all(u.header == ("Role", "What they can do") for u in rows)


@pytest.mark.slow
def test_end_to_end_roles_answer_quotes_single_rows(tmp_path_factory, embedder, redactor):
    """Ingest table-heavy demo files with the real pipeline; every drafted row is one source row."""
    import shutil

    from assistant.pipeline import Assistant
    from tests.assistant.conftest import _services

    root = tmp_path_factory.mktemp("tables")
    for rel in ["articles/team-members-and-roles.md", "guides/import-customers-csv.html",
                "guides/disputes-and-chargebacks.html", "articles/export-your-data.md",
                "articles/refund-a-payment.md"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DEMO / rel, root / rel)
    svc = _services(tmp_path_factory.mktemp("tables-data"), embedder, root)
    bot = Assistant(svc.settings, svc.searcher, svc.embedder, redactor)
    sources = {row_sentence(h, r): r for d in DOCS for h, r in _source_rows(d)}
    labels = {label for d in DOCS for h, _ in _source_rows(d) for label in h[1:] if label}
    alternatives = "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True))
    row_like = re.compile(rf" — (?:{alternatives}): ")
    seen_rows = 0
    for question in ["Which roles can team members have, and can someone with the Accountant role issue refunds?",
                     "Can someone with the Sales role see reports?",
                     "Which columns are required in the customer CSV import?",
                     "What evidence helps for a duplicate charge dispute?"]:
        answer = bot.answer(question)
        for s in answer.sentences:
            if row_like.search(s.text):
                seen_rows += 1
                assert s.text in sources, f"{question!r}: {s.text!r} is not one source row"
        for c in answer.citations:
            assert "|" not in c.quote, c.quote
    assert seen_rows, "no drafted sentence came from a table row"
    roles = bot.answer("Which roles can team members have, and can someone with the Accountant role issue refunds?")
    assert any(s.text.startswith("Accountant — ") for s in roles.sentences), roles.draft
