"""The Answer contract shared by the assistant, the CLI, the UI, feedback and evals."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Ticket(BaseModel):
    subject: str = ""
    body: str

    @property
    def text(self) -> str:
        return f"{self.subject}\n\n{self.body}".strip() if self.subject else self.body.strip()


class Citation(BaseModel):
    n: int = Field(description="The number used in the draft's [n] markers, from 1.")
    chunk_id: str
    doc_id: str
    title: str
    url: str | None = None
    quote: str = Field(description="The exact supporting passage from the chunk.")
    quote_markdown: str = Field("", description="The quote as Markdown when it holds table rows: the header "
                                               "and the cited rows as a table (empty otherwise).")
    heading_path: list[str] = Field(default_factory=list)
    flagged: bool = Field(False, description="The source was screened as containing instructions (prompt injection).")


class Sentence(BaseModel):
    text: str
    citations: list[int] = Field(default_factory=list)
    supported: bool
    support: float = Field(0.0, description="Best support score against its cited passages (0-1).")


class Answer(BaseModel):
    request_id: str
    ticket: str = Field(description="The ticket text after PII redaction (what the pipeline saw).")
    draft: str = Field(description="Reply text with inline [n] markers; empty when escalating with nothing to say.")
    citations: list[Citation] = Field(default_factory=list)
    sentences: list[Sentence] = Field(default_factory=list)
    confidence: float = Field(ge=0.0, le=1.0)
    confidence_label: Literal["high", "medium", "low"]
    decision: Literal["answer", "escalate"]
    reasons: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds per stage.")
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    provider: str
    model: str = ""
    prompt_version: str
    index_version: int | None = None
    calibration_version: str = ""
    cached: bool = Field(False, description="The LLM draft came from the response cache (no model call).")
    fallbacks: list[str] = Field(
        default_factory=list,
        description="LLM providers skipped or failed before this draft, each with why (provider failover).")
    fell_back_from: str | None = Field(
        None, description="The LLM provider whose draft failed the grounding check and was replaced by the "
        "extractive draft (provider is then 'extractive').")
    guardrails: dict[str, list[str]] = Field(default_factory=dict, description="What the guards found and did.")

    @property
    def body(self) -> str:
        """The answer sentences only: no greeting or sign-off, no [n] markers (what ROUGE-L scores)."""
        return " ".join(s.text for s in self.sentences)
