"""The contract between the assistant and the LLM providers (assistant/providers/).

The assistant builds a GenerationRequest from its prompt; a Generator turns it into a Generation.
Providers own retries, fallbacks, breakers, caching and cost; the assistant owns what is asked
and checks whatever comes back. Keep these names and fields stable: both sides code against them.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pydantic import BaseModel, Field

# A Generation with this provider name means "no LLM ran": the pipeline uses its extractive draft.
from deflectkit.core.config.providers import EXTRACTIVE  # the one registry of provider names

# Generation.fallbacks also carries "<provider>: prompt trimmed (...)" notes, which are not failovers.
TRIMMED = "prompt trimmed"


__all__ = ["EXTRACTIVE", "TRIMMED", "Generation", "GenerationRequest", "Generator", "failovers"]


def failovers(fallbacks: list[str]) -> list[str]:
    """The entries of Generation.fallbacks that say a provider was skipped or failed."""
    return [f for f in fallbacks if not f.partition(": ")[2].startswith(TRIMMED)]


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
    fallbacks: list[str] = Field(default_factory=list, description="Providers skipped, with the reason each was skipped.")
    cached: bool = Field(False, description="Served from the provider's response cache.")


@runtime_checkable
class Generator(Protocol):
    def generate(self, req: GenerationRequest) -> Generation: ...
