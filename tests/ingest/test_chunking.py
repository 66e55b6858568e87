import pytest

from ingest.chunking import Chunker, chunk_id
from ingest.models import Document

pytestmark = pytest.mark.unit

DOC = Document(
    doc_id="a.md", source="a.md", format="markdown", title="Refunds",
    text="# Refunds\n\nIntro line.\n\n## Partial refunds\n\nUp to three.\n\n### Limits\n\n" + " ".join(f"w{i}" for i in range(400)),
)


def test_heading_path_and_title_travel_with_each_chunk():
    chunks = Chunker(300, 50).split(DOC)
    assert chunks[0].heading_path == ["Refunds"]
    assert chunks[1].heading_path == ["Refunds", "Partial refunds"]
    assert all(c.title == "Refunds" for c in chunks)
    assert chunks[-1].heading_path == ["Refunds", "Partial refunds", "Limits"]
    assert "Partial refunds" in chunks[1].embed_text and chunks[1].embed_text.startswith("Refunds")


def test_long_sections_are_windowed_within_size():
    chunks = Chunker(300, 50).split(DOC)
    limits = [c for c in chunks if c.heading_path[-1] == "Limits"]
    assert len(limits) > 3
    assert all(len(c.text) <= 300 for c in chunks)


def test_same_input_same_ids_and_order():
    a = [c.model_dump() for c in Chunker(300, 50).split(DOC)]
    b = [c.model_dump() for c in Chunker(300, 50).split(DOC)]
    assert a == b
    assert [c["ordinal"] for c in a] == list(range(len(a)))


def test_chunk_id_ignores_whitespace_and_case_but_not_doc():
    assert chunk_id("a.md", "Hello  World") == chunk_id("a.md", "hello world")
    assert chunk_id("a.md", "hello") != chunk_id("b.md", "hello")


def test_overlap_must_be_smaller_than_size():
    with pytest.raises(ValueError, match="chunk_overlap"):
        Chunker(200, 200)
