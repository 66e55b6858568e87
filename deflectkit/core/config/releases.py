"""Release and desk-experiment settings, one area of deflectkit.core.config.Settings (env prefix DEFLECT_).

`RELEASE_FIELDS` names the settings that shape an answer at query time: a release stores their values,
so it drafts the same way whatever the environment says later. Ingest settings (chunking, embedding
model) are not among them: they shape the index, which a release names by its version.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from pydantic_settings import NoDecode

from deflectkit.core.config.providers import CommaList

IntList = Annotated[list[int], NoDecode]

RELEASE_FIELDS: tuple[str, ...] = (
    # drafting and deciding
    "assistant_provider", "answer_max_tokens", "answer_temperature", "answer_top_k", "context_token_budget",
    "context_section_chars", "answer_max_asks", "ask_min_similarity", "answer_min_relevance",
    "answer_max_sentences", "answer_greeting", "support_lexical_threshold", "support_semantic_threshold",
    "support_min_share", "answer_threshold", "confidence_high", "calibration_file", "calibration_profile",
    # which model writes
    "llm_fallbacks", "openai_base_url", "openai_model", "local_model_path", "local_n_ctx", "llm_max_prompt_tokens",
    # retrieval at query time
    "search_mode", "candidates", "fusion_method", "rrf_k", "weight_bm25", "weight_dense",
)

# Desk patterns under test and their variants; the first variant is the desk as it is today (the control).
DESK_PATTERNS: dict[str, tuple[str, ...]] = {
    "citation_display": ("sources_list", "inline_chips"),
    "confidence_display": ("badge", "number", "hidden"),
    "action_layout": ("row", "stacked"),
}


class ReleaseSettings(BaseModel):
    # --- releases
    release_canary_stages: IntList = Field(
        [5, 25, 50, 100], description="Default traffic stages (percent) of `deflect release canary`; "
        "the last must be 100 (the candidate becomes live).")
    release_min_tickets: int = Field(
        100, ge=1, description="Candidate tickets a canary stage needs (and as many live ones in the same window) "
        "before its gates are judged.")
    release_check_interval_s: float = Field(
        60.0, gt=0, description="How often a serving process judges the running canary's gates in the "
        "background (promote, wait, or halt and roll back); `deflect release check` does it on demand.")
    release_shadow_queue: int = Field(
        16, ge=1, description="Live tickets waiting to be answered by the shadow release; when full, new ones "
        "are dropped and counted, the live request never waits.")
    release_gate_datasets: CommaList = Field(
        ["demo"], description="Datasets the offline gate scores candidate and live on before a canary may start: "
        "retrieval (`deflect eval compare --fail-on-regression`), and out-of-scope and wrong answers, which must "
        "not rise.")

    # --- desk A/B experiment
    desk_experiment: str | None = Field(
        None, description="Name of the running desk experiment; it salts the assignment, so a new name "
        "reshuffles agents. None: every agent sees the default desk.")
    desk_experiment_pattern: str = Field(
        "citation_display", description="The desk pattern under test: citation_display (sources_list, "
        "inline_chips), confidence_display (badge, number, hidden) or action_layout (row, stacked).")
    desk_experiment_variants: CommaList = Field(
        [], description="Variants compared, the first being the control; empty: all of the pattern's variants.")
    desk_experiment_since: date | None = Field(
        None, description="First day (UTC) of the experiment; its statistics count interactions from then on.")
    desk_experiment_mde: float = Field(
        0.05, gt=0, lt=1, description="Smallest difference in the draft-used-as-is rate worth detecting; sets the "
        "'need ~N more tickets' estimate (two proportions, 5% two-sided, power 80%).")

    @field_validator("release_canary_stages", "release_gate_datasets", "desk_experiment_variants", mode="before")
    @classmethod
    def _split_release_lists(cls, v):  # a name of its own: a mixin's same-named validator would replace it
        if isinstance(v, str):
            return [p.strip() for p in v.strip().strip("[]").replace('"', "").split(",") if p.strip()]
        return v

    @field_validator("release_canary_stages")
    @classmethod
    def _stages(cls, v: list[int]) -> list[int]:
        return canary_stages(v)

    @field_validator("desk_experiment_pattern")
    @classmethod
    def _known_pattern(cls, v: str) -> str:
        if v not in DESK_PATTERNS:
            raise ValueError(f"unknown desk pattern {v!r}; use one of {', '.join(DESK_PATTERNS)}")
        return v

    @field_validator("desk_experiment_variants")
    @classmethod
    def _known_variants(cls, v: list[str], info: ValidationInfo) -> list[str]:
        known = DESK_PATTERNS.get(info.data.get("desk_experiment_pattern", ""), ())
        if v and (len(v) < 2 or any(x not in known for x in v)):
            raise ValueError(f"use two or more of {', '.join(known) or 'the pattern variants'} (or none for all)")
        return v


def canary_stages(stages: list[int] | list[str] | str) -> list[int]:
    """Percent stages as ints, strictly increasing within 1-100, ending at 100, with one below it."""
    items = stages.split(",") if isinstance(stages, str) else stages
    try:
        values = [int(str(s).strip()) for s in items if str(s).strip()]
    except ValueError:
        values = []
    if (len(values) < 2 or values[-1] != 100 or values[0] < 1
            or any(b <= a for a, b in zip(values, values[1:], strict=False))):
        raise ValueError(f"canary stages must be increasing percents ending at 100, e.g. 5,25,50,100; got {stages!r}")
    return values
