"""Typed search results and filters."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SearchMode = Literal["hybrid", "bm25", "dense"]


class Filters(BaseModel):
    """Metadata filters; every given field must match."""

    locale: str | None = None
    labels: list[str] = Field(default_factory=list, description="Chunks must carry all of these labels.")
    sources: list[str] = Field(default_factory=list, description="Source path prefixes, e.g. 'guides/'.")
    exclude_sources: list[str] = Field(default_factory=list, description="Source prefixes to leave out (kill switch per source).")

    def is_empty(self) -> bool:
        return not (self.locale or self.labels or self.sources or self.exclude_sources)


class Scores(BaseModel):
    fused: float = 0.0
    bm25: float | None = None
    dense: float | None = None
    bm25_rank: int | None = None
    dense_rank: int | None = None


class Hit(BaseModel):
    rank: int
    chunk_id: str
    doc_id: str
    title: str
    heading_path: list[str] = Field(default_factory=list)
    text: str
    url: str | None = None
    source: str
    locale: str | None = None
    labels: list[str] = Field(default_factory=list)
    updated_at: str | None = None
    also_in: list[str] = Field(default_factory=list)
    score: float
    scores: Scores
    index_version: int
