"""Errors of the provider layer. The assistant catches GenerationUnavailable and serves its extractive draft."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.generation import Fallback

from assistant.errors import AssistantError, ProviderUnavailable

__all__ = [
    "GenerationUnavailable",
    "MissingAPIKey",
    "PromptTooLong",
    "ProviderError",
    "ProviderTimeout",
    "ProviderUnavailable",
]


class ProviderError(AssistantError):
    """Root of the provider layer's own errors."""


class GenerationUnavailable(ProviderError):
    """No LLM produced a draft: kill switch, every provider skipped or failed. Serve the extractive draft.

    `reasons` lists why each provider was skipped or failed, in chain order (also in the message).
    """

    def __init__(self, reasons: list[Fallback]):
        self.reasons = list(reasons)
        detail = "; ".join(map(str, self.reasons)) or "no provider configured"
        super().__init__(f"No LLM is available for this request ({detail}). The extractive draft is used instead.")


class PromptTooLong(ProviderError):
    """The prompt cannot fit the token cap even with the sources block emptied."""


class ProviderTimeout(ProviderError):
    """A provider did not finish within the per-call timeout."""


class MissingAPIKey(ProviderUnavailable):
    def __init__(self, base_url: str):
        super().__init__(
            f"The OpenAI endpoint {base_url} needs an API key: set DEFLECT_OPENAI_API_KEY "
            "(or point DEFLECT_OPENAI_BASE_URL at a local OpenAI-compatible server)."
        )
