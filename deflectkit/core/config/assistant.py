"""Assistant settings, one area of deflectkit.core.config.Settings (env prefix DEFLECT_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from deflectkit.core.config.providers import ProviderName


class AssistantSettings(BaseModel):
    # --- generation
    assistant_provider: ProviderName = Field(
        "extractive", description="Who writes the draft: extractive (no LLM, default), local (llama.cpp) or openai.")
    answer_max_tokens: int = Field(300, description="Upper bound on tokens an LLM may generate for one draft.")
    answer_temperature: float = Field(0.0, description="LLM sampling temperature; 0 keeps drafts reproducible.")
    prompt_canary: str = Field(
        "DK-CANARY-5Q7ZX2", description="Marker placed in the system prompt; a draft that contains it is blocked.")

    max_ticket_chars: int = Field(
        20_000, ge=1000, description="Longest ticket (subject and body, in characters) the assistant reads; the rest of "
        "a longer one is cut off with a note to the agent, so one pasted mailbox or log costs no more than this.")

    # --- retrieval and context
    answer_top_k: int = Field(6, gt=0, description="Hits retrieved for each ticket before context assembly.")
    context_token_budget: int = Field(1500, description="Approximate token budget for the numbered source blocks.")
    context_section_chars: int = Field(
        1600, description="Each hit is grown into its section's neighbouring chunks up to this many characters.")
    answer_max_asks: int = Field(
        3, description="Asks of one ticket answered separately (each retrieved and drafted on its own); more fold into the last.")
    ask_min_similarity: float = Field(
        0.40, description="Cosine of an ask's closest help-center sentence below which that ask counts as not "
        "covered: a ticket with several asks then escalates naming it.")
    answer_min_relevance: float = Field(
        0.2, description="Dense cosine of the best hit below which the help center is taken to have nothing on the topic.")

    # --- sources
    allowed_link_domains: list[str] = Field(
        default_factory=list, description="Domains (with their subdomains) that links in drafts may point to, "
        "besides the help center's own: the domains of the ingested documents' urls. A source sentence that links "
        "or sends the reader anywhere else is left out of drafts and its document is flagged at ingest. A help "
        "center whose documents carry no url should list its domains here.")

    # --- drafting
    answer_max_sentences: int = Field(5, description="Most answer sentences in a draft (greeting and closing excluded).")
    answer_greeting: bool = Field(True, description="Wrap the draft in a short greeting and closing line.")

    # --- grounding
    support_lexical_threshold: float = Field(
        0.6, description="Share of a sentence's content words found in a cited passage that counts as support.")
    support_semantic_threshold: float = Field(
        0.7, description="Embedding cosine between a sentence and a cited passage sentence that counts as support.")
    support_min_share: float = Field(
        0.8, description="Least share of supported sentences for an LLM draft; below it the extractive draft is used.")

    # --- confidence and decision
    answer_threshold: float = Field(
        0.875, ge=0.0, le=1.0, description="Calibrated confidence below which the ticket is escalated instead of answered (0.875: "
        "TechQA answers 5% of its unanswerable tickets out of fold, at precision 0.99; pick another point on the "
        "README's risk-coverage curve).")
    confidence_high: float = Field(0.9, description="Confidence at or above which the label is 'high'.")
    calibration_file: Path | None = Field(
        None, description="Calibration JSON to use; default <data_dir>/calibration.json, else the packaged default.")
    calibration_profile: str | None = Field(
        None, description="Which fitted dataset's base rate (intercept) to use, e.g. emanual; default the calibration's own.")
