"""Context assembly: retrieved hits -> numbered source blocks, deduplicated, within a token budget."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.sentences import as_markdown, units
from retrieval.models import Hit


class SourceBlock(BaseModel):
    """One numbered source: what the draft cites as [n] and the prompt shows as data."""

    n: int
    hit: Hit
    text: str = Field(description="Passage text shown to the model, instruction-like sentences removed.")
    flagged: bool = False
    findings: list[str] = Field(default_factory=list)

    @property
    def doc_id(self) -> str:
        return self.hit.doc_id


def approx_tokens(text: str) -> int:
    """Cheap token estimate (about 4 characters per token for English); providers count exactly."""
    return len(text) // 4 + 1


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def dedupe_hits(hits: list[Hit], sections: dict[str, tuple] | None = None) -> list[Hit]:
    """Drop repeats of the same chunk, the same text (case and whitespace aside) or the same section
    (`sections`: chunk_id -> section key); keeps rank order."""
    seen: set = set()
    out = []
    for h in sorted(hits, key=lambda h: h.rank):
        keys = {h.chunk_id, _key(h.text)} | ({sections[h.chunk_id]} if sections and h.chunk_id in sections else set())
        if keys & seen:
            continue
        seen |= keys
        out.append(h)
    return out


def truncate_to_tokens(text: str, budget: int) -> str:
    """Cut at a unit boundary so a block never ends mid-sentence (or mid-row).

    The kept units are written back as Markdown, so steps stay numbered and rows stay under
    their header: the cut passage parses into the same units as the start of the whole one.
    """
    kept = []
    used = 0
    for u in units(text):
        cost = approx_tokens(u.text)
        if used + cost > budget:
            break
        kept.append(u)
        used += cost
    return as_markdown(kept)


def assemble(hits: list[Hit], texts: dict[str, str], budget: int, max_blocks: int,
             sections: dict[str, tuple] | None = None) -> list[SourceBlock]:
    """Blocks numbered from 1 in rank order (most relevant first), while the budget lasts.

    `texts` maps chunk_id to the (screened, expanded) passage text; the first block is truncated
    rather than dropped so there is always something to cite.
    """
    blocks: list[SourceBlock] = []
    used = 0
    for h in dedupe_hits(hits, sections)[:max_blocks]:
        text = texts.get(h.chunk_id, h.text)
        cost = approx_tokens(text)
        if used + cost > budget:
            if blocks:
                continue  # a later, shorter passage may still fit
            text = truncate_to_tokens(text, budget)
            cost = approx_tokens(text)
        blocks.append(SourceBlock(n=len(blocks) + 1, hit=h, text=text))
        used += cost
    return blocks
