import pytest

from ingest.chunking import chunk_id
from ingest.dedupe import dedupe
from ingest.models import Chunk

pytestmark = pytest.mark.unit

BASE = ("Refunds reach the customer's card in five to ten business days after you confirm the refund "
        "in the payments screen of the dashboard, and a receipt email goes out automatically to the payer")


def ch(doc, text, i=0):
    return Chunk(chunk_id=chunk_id(doc, text), doc_id=doc, ordinal=i, text=text, title=doc, source=doc)


def test_exact_duplicates_are_indexed_once_keeping_every_source():
    res = dedupe([ch("b.md", BASE), ch("a.md", BASE.upper()), ch("c.md", "something else entirely")])
    kept = res.kept
    assert [c.doc_id for c in kept] == ["a.md", "c.md"]
    assert kept[0].also_in == ["b.md"]
    assert len(res.groups) == 1 and len(res.groups[0]) == 2
    assert [c.duplicate_of for c in res.chunks if c.doc_id == "b.md"] == [kept[0].chunk_id]


def test_near_duplicates_fold_above_threshold_only():
    near = BASE.replace("automatically", "automatically too")
    res = dedupe([ch("a.md", BASE), ch("b.md", near)], near_threshold=0.8)
    assert len(res.kept) == 1 and res.kept[0].also_in == ["b.md"]
    far = "Invoices can be exported as PDF or CSV from the reports page at any time of day or night"
    assert len(dedupe([ch("a.md", BASE), ch("b.md", far)], near_threshold=0.8).kept) == 2


def test_threshold_one_means_exact_only():
    near = BASE.replace("automatically", "automatically too")
    assert len(dedupe([ch("a.md", BASE), ch("b.md", near)], near_threshold=1.0).kept) == 2


def test_order_of_input_does_not_matter():
    items = [ch("b.md", BASE), ch("a.md", BASE), ch("c.md", "other text here")]
    assert dedupe(items).chunks == dedupe(list(reversed(items))).chunks


def test_bad_threshold():
    with pytest.raises(ValueError, match="near_threshold"):
        dedupe([], near_threshold=0)
