"""OpenAI-compatible provider (OpenAI, vLLM, Ollama, llama.cpp server) through langchain-openai's ChatOpenAI."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from assistant.providers.errors import MissingAPIKey, ProviderUnavailable

# Local servers ignore the key, but the OpenAI client refuses to start without one (and would otherwise
# read OPENAI_API_KEY from the environment, which library code must not depend on).
_PLACEHOLDER_KEY = "not-needed"


def needs_key(base_url: str) -> bool:
    host = (urlparse(base_url).hostname or "").lower()
    return host == "api.openai.com" or host.endswith(".openai.com")


def make_chat_openai(settings: Any, max_tokens: int = 300, temperature: float = 0.0):
    """ChatOpenAI for settings.openai_*; retries are ours (tenacity), so the client's own are off."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as e:  # a hard dependency, but say what to do if the venv is broken
        raise ProviderUnavailable("langchain-openai is not installed: run `make setup`.") from e
    base_url = settings.openai_base_url
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    if not key and needs_key(base_url):
        raise MissingAPIKey(base_url)
    return ChatOpenAI(
        model=settings.openai_model,
        base_url=base_url,
        api_key=key or _PLACEHOLDER_KEY,
        timeout=settings.llm_timeout_s,
        max_retries=0,
        max_tokens=max_tokens,
        temperature=temperature,
    )
