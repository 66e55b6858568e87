"""Typed records of evaluation runs and comparisons (what the store saves and the CLI prints)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class QueryResult(BaseModel):
    qid: str
    question: str
    category: str
    out_of_scope: bool = False
    relevant: list[str] = Field(default_factory=list)
    ranked: list[str] = Field(default_factory=list, description="Top 10 document ids, best first.")
    first_relevant_rank: int | None = Field(None, description="1-based rank of the first relevant doc among all "
                                            "fetched ones; None when none was retrieved.")
    metrics: dict[str, float] = Field(default_factory=dict, description="Empty when excluded (out of scope).")
    chunk_metrics: dict[str, float] = Field(default_factory=dict)
    seconds: float = 0.0


class EvalRun(BaseModel):
    run_id: str
    created_at: str
    dataset: str
    mode: str
    n_queries: int = Field(description="Queries counted in the retrieval metrics.")
    metrics: dict[str, float]
    per_category: dict[str, dict[str, int | float]] = Field(default_factory=dict)
    chunk_metrics: dict[str, float] = Field(default_factory=dict)
    n_chunk_queries: int = 0
    index_version: int | None = None
    config_hash: str = ""
    config: dict[str, Any] = Field(default_factory=dict)
    model_ids: dict[str, str] = Field(default_factory=dict)
    git_commit: str = "unknown"
    group_id: str | None = Field(None, description="Runs made together (baselines) share it.")
    seconds: float = 0.0
    answers: dict[str, Any] | None = Field(None, description="Answer metrics, when --answers ran.")
    notes: list[str] = Field(default_factory=list)
    queries: list[QueryResult] = Field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The flat JSON `deflect eval --json` prints."""
        return {**self.metrics, **self.chunk_metrics, "n_queries": self.n_queries, "run_id": self.run_id,
                "mode": self.mode, "dataset": self.dataset, "index_version": self.index_version,
                "per_category": self.per_category, "config_hash": self.config_hash,
                "git_commit": self.git_commit, "answers": self.answers, "notes": self.notes}


class MetricDelta(BaseModel):
    metric: str
    a: float
    b: float
    delta: float
    ci_low: float
    ci_high: float
    p_better: float = Field(description="Share of bootstrap resamples where B beats A.")


class QueryChange(BaseModel):
    qid: str
    question: str
    category: str
    rank_before: int | None
    rank_after: int | None


class Comparison(BaseModel):
    run_a: str
    run_b: str
    dataset: str
    n_paired: int
    samples: int
    seed: int
    deltas: list[MetricDelta]
    n_better: int = 0
    n_worse: int = 0
    better: list[QueryChange]
    worse: list[QueryChange]
