"""The contract between the assistant and the LLM providers (assistant/providers/).

The assistant builds a GenerationRequest from its prompt; a Generator turns it into a Generation.
Providers own retries, fallbacks, breakers, caching and cost; the assistant owns what is asked
and checks whatever comes back. Keep these names and fields stable: both sides code against them.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pydantic import BaseModel, Field

# A Generation with this provider name means "no LLM ran": the pipeline uses its extractive draft.
EXTRACTIVE = "extractive"


class GenerationRequest(BaseModel):
    system: str = Field(description="System prompt (instructions, canary string).")
    user: str = Field(description="User turn: numbered source blocks (as data) and the redacted ticket.")
    max_tokens: int = Field(300, description="Upper bound on generated tokens.")
    temperature: float = Field(0.0, description="Sampling temperature; 0 for reproducible drafts.")
    request_id: str = Field(description="The Answer's request id, for logs and traces.")


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
