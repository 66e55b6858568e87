"""LLM providers behind one resilient Generator: local llama.cpp and any OpenAI-compatible endpoint.

    gen = build_generator(settings)               # once per process (breakers live on it)
    try:
        g = gen.generate(GenerationRequest(system=..., user=..., request_id=rid))
    except GenerationUnavailable as e:            # kill switch, budget, every provider down
        ...serve the extractive draft; e.reasons says why

Nothing here loads a model or opens a database until the first request (or `warm_up()`).
"""

from __future__ import annotations

from typing import Any

from assistant.generation import Generator
from assistant.providers.budget import Fitted, UsageLedger, estimate_tokens, fit_to_budget
from assistant.providers.cache import ResponseCache, cache_key, normalise_ticket
from assistant.providers.chain import (
    ChainPolicy,
    Flags,
    ResilientGenerator,
    flags_from_settings,
    resolve_chain,
)
from assistant.providers.errors import (
    GenerationUnavailable,
    MissingAPIKey,
    PromptTooLong,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
)
from assistant.providers.registry import make_provider
from deflectkit.core.config.providers import ProviderSettings

__all__ = [
    "ChainPolicy", "Fitted", "Flags", "GenerationUnavailable", "MissingAPIKey", "PromptTooLong", "ProviderError",
    "ProviderSettings", "ProviderTimeout", "ProviderUnavailable", "ResilientGenerator", "ResponseCache",
    "UsageLedger", "build_generator", "cache_key", "estimate_tokens", "fit_to_budget", "flags_from_settings",
    "normalise_ticket",
]


def build_generator(
    settings: Any,
    provider: str | None = None,
    *,
    flags: Flags | None = None,
    ledger: UsageLedger | None = None,
    cache: ResponseCache | None = None,
) -> Generator:
    """The Generator for `provider` (default settings.assistant_provider) followed by settings.llm_fallbacks.

    `flags` is read on every request (default: the settings' kill switches); `ledger` defaults to
    <data_dir>/usage.db and `cache` to <data_dir>/cache.db (response_cache_* settings). Unknown provider
    names raise ProviderUnavailable here; missing dependencies or keys surface per request as skip reasons
    (or at once via `warm_up()`).
    """
    primary = provider or settings.assistant_provider
    providers = [make_provider(name, settings) for name in resolve_chain(primary, settings.llm_fallbacks)]
    return ResilientGenerator(
        providers,
        ChainPolicy.from_settings(settings),
        flags or flags_from_settings(settings),
        ledger if ledger is not None else UsageLedger(settings.usage_db_path),
        cache if cache is not None else ResponseCache.from_settings(settings),
    )
