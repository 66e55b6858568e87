import pytest

from assistant.expand import SectionExpander, grow, join_overlapping
from ingest.models import Chunk
from retrieval.models import Hit, Scores

pytestmark = pytest.mark.unit


def chunk(i: int, text: str, path=("Refunds", "Rules")) -> Chunk:
    return Chunk(chunk_id=f"c{i}", doc_id="refunds.md", ordinal=i, text=text, title="Refunds",
                 heading_path=list(path), source="refunds.md")


def test_join_overlapping_removes_the_splitters_overlap():
    assert join_overlapping("Open Payments. Click Refund.", "Click Refund. Confirm it.") == \
        "Open Payments. Click Refund. Confirm it."
    assert join_overlapping("First part.", "Second part.") == "First part.\n\nSecond part."


def test_grow_prefers_the_following_chunk_and_respects_the_budget():
    chunks = [chunk(i, "x" * 100) for i in range(5)]
    assert [c.ordinal for c in grow(chunks, 2, 250)] == [2, 3]
    assert [c.ordinal for c in grow(chunks, 2, 350)] == [1, 2, 3]
    assert [c.ordinal for c in grow(chunks, 4, 1000)] == [0, 1, 2, 3, 4]


class FakeCatalog:
    """The one catalog call the expander makes, over an in-memory list (a real Catalog is tested in
    the pipeline tests)."""

    def __init__(self, chunks):
        self.chunks = chunks

    def chunks_of_docs(self, version, doc_ids):
        return [c for c in self.chunks if c.doc_id in doc_ids]


def test_passages_grow_within_the_section_and_share_one_key():
    chunks = [chunk(0, "Intro.", ("Refunds",)), chunk(1, "Rule one applies."), chunk(2, "Rule two applies."),
              chunk(3, "Rule three applies.")]
    hits = [Hit(rank=r, chunk_id=f"c{i}", doc_id="refunds.md", title="Refunds", heading_path=["Refunds", "Rules"],
                text=chunks[i].text, source="refunds.md", score=1.0, scores=Scores(), index_version=1)
            for r, i in ((1, 2), (2, 3))]
    out = SectionExpander(FakeCatalog(chunks), max_chars=1000).passages(hits)
    assert out["c2"].text == "Rule one applies.\n\nRule two applies.\n\nRule three applies."
    assert "Intro." not in out["c2"].text  # another heading path is another section
    assert out["c2"].key == out["c3"].key
