"""The Answer contract shared by the assistant, the CLI, the UI, feedback and evals."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from assistant.generation import Fallback


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


GuardStage = Literal["pii", "ticket", "sources", "generation", "output", "grounding"]


class GuardFinding(BaseModel):
    """One thing a guard found or did, at one stage of the pipeline (typed, so nobody parses prefixes)."""

    stage: GuardStage = Field(description="pii (redacted from the ticket), ticket (instruction-like text), sources "
                              "(instruction-like passages screened out), generation (how the LLM went), output "
                              "(removed from the draft), grounding (sentences the citations do not support).")
    detail: str
    doc_id: str | None = Field(None, description="The source document, for findings about a source.")

    def __str__(self) -> str:
        return f"{self.doc_id}: {self.detail}" if self.doc_id else self.detail


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
    release: str = Field("", description="The release that drafted this answer (live or canary); empty when "
                                         "no release is defined.")
    cached: bool = Field(False, description="The LLM draft came from the response cache (no model call).")
    fallbacks: list[Fallback] = Field(
        default_factory=list,
        description="LLM providers skipped or failed before this draft, each with why (provider failover).")
    fell_back_from: str | None = Field(
        None, description="The LLM provider whose draft failed the grounding check and was replaced by the "
        "extractive draft (provider is then 'extractive').")
    guardrails: list[GuardFinding] = Field(default_factory=list, description="What the guards found and did.")

    @field_validator("fallbacks", mode="before")
    @classmethod
    def _stored_fallbacks(cls, v: Any) -> Any:
        # Answers stored before fallbacks were typed hold "provider: why" strings.
        return [Fallback(provider=f.partition(": ")[0], kind="failed", detail=f.partition(": ")[2])
                if isinstance(f, str) else f for f in v or []]

    @field_validator("guardrails", mode="before")
    @classmethod
    def _stored_guardrails(cls, v: Any) -> Any:
        # Answers stored before findings were typed hold {stage: ["text", ...]} ("doc: finding" for sources).
        if not isinstance(v, dict):
            return v
        out = []
        for stage, items in v.items():
            for text in items:
                doc, _, detail = text.partition(": ") if stage == "sources" else ("", "", text)
                out.append(GuardFinding(stage=stage, detail=detail or text, doc_id=doc or None))
        return out

    def findings(self, stage: GuardStage) -> list[GuardFinding]:
        return [g for g in self.guardrails if g.stage == stage]

    @property
    def body(self) -> str:
        """The answer sentences only: no greeting or sign-off, no [n] markers (what ROUGE-L scores)."""
        return " ".join(s.text for s in self.sentences)
