"""The contract between the assistant and the LLM providers (assistant/providers/).

The assistant builds a GenerationRequest from its prompt; a Generator turns it into a Generation.
Providers own retries, fallbacks, breakers, caching and cost; the assistant owns what is asked
and checks whatever comes back. Keep these names and fields stable: both sides code against them.
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

# A Generation with this provider name means "no LLM ran": the pipeline uses its extractive draft.
from deflectkit.core.config.providers import EXTRACTIVE  # the one registry of provider names

FallbackKind = Literal["kill_switch", "disabled", "circuit_open", "over_budget", "failed", "trimmed"]
_SAID = {"kill_switch": "generation disabled by kill switch", "disabled": "skipped, disabled by kill switch",
         "circuit_open": "skipped, circuit open after repeated failures", "over_budget": "skipped",
         "failed": "failed", "trimmed": "prompt trimmed"}


class Fallback(BaseModel):
    """Why a provider did not write the draft, or what was done to its prompt: a typed record, never text
    to parse. Every kind but `trimmed` is a failover (the chain moved on to the next provider)."""

    provider: str = Field(description="The provider it happened to; empty for the whole chain (kill switch).")
    kind: FallbackKind
    detail: str = Field("", description="The error, the budget used, or what the trim kept.")

    @property
    def failover(self) -> bool:
        return self.kind != "trimmed"

    def __str__(self) -> str:
        said = _SAID[self.kind]
        if self.kind in ("over_budget",):
            said = f"{said}, {self.detail}"
        elif self.detail:
            said = f"{said} ({self.detail})"
        return f"{self.provider}: {said}" if self.provider else said


__all__ = ["EXTRACTIVE", "Fallback", "FallbackKind", "Generation", "GenerationRequest", "Generator", "failovers"]


def failovers(fallbacks: list[Fallback]) -> list[Fallback]:
    """The entries of Generation.fallbacks that say a provider was skipped or failed (not prompt trims)."""
    return [f for f in fallbacks if f.failover]


class GenerationRequest(BaseModel):
    system: str = Field(description="System prompt (instructions, canary string).")
    user: str = Field(description="User turn: numbered source blocks (as data) and the redacted ticket.")
    max_tokens: int = Field(300, description="Upper bound on generated tokens.")
    temperature: float = Field(0.0, description="Sampling temperature; 0 for reproducible drafts.")
    request_id: str = Field(description="The Answer's request id, for logs and traces.")
    # Response cache key parts. Without `ticket` the call is never cached.
    ticket: str | None = Field(
        None, description="The redacted, as-asked ticket: with the fields below it keys the response cache.")
    index_version: int | None = Field(None, description="Index version the sources come from.")
    prompt_version: str = Field("", description="Version of the prompt template.")
    sources_key: str = Field("", description="Which passages the prompt holds (chunk ids), so other filters miss.")
    cache_bypass: bool = Field(False, description="Skip the cache lookup (a fresh answer is still stored).")


class Generation(BaseModel):
    text: str
    provider: str = Field(description="Provider that produced the text, e.g. 'local', 'openai', 'extractive'.")
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    fallbacks: list[Fallback] = Field(default_factory=list, description="Providers skipped or failed before this "
                                      "one, and trims of this one's prompt, in chain order.")
    cached: bool = Field(False, description="Served from the provider's response cache.")


@runtime_checkable
class Generator(Protocol):
    def generate(self, req: GenerationRequest) -> Generation: ...
