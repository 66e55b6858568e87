"""The app's long-lived parts, built once per process, and the one seam between the UI and the assistant.

`app.py` caches one `Resources` per settings with `st.cache_resource`; pages and tests call the same
functions. `answer_ticket` is the only place that knows how the assistant is constructed and called.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from assistant.models import Answer, Ticket
from deflectkit.services import Services
from retrieval.models import Filters

log = logging.getLogger(__name__)


def make_settings(**overrides: Any):
    """The app's Settings (DEFLECT_* env vars), with the UI mixin even before the lead composes it in."""
    from deflectkit.settings import Settings
    return Settings(**overrides)


def shared_redactor():
    """One PII redactor per process, the same one the CLI and evals use (Presidio loads once)."""
    from assistant.redaction import shared_redactor as shared

    return shared()


@dataclass
class Resources:
    """Everything a page needs, shared by all sessions of one process."""

    settings: Any
    services: Services
    _assistants: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def store(self):
        return self.services.feedback

    def generation_flags(self) -> dict[str, Any]:
        """Kill switches for the provider chain, read from the flag store on every call (no restart)."""
        live = self.store.flags.get_all()
        return {
            "generation_enabled": bool(live["generation_enabled"]) and self.settings.generation_enabled,
            "disabled_providers": list(self.settings.llm_disabled_providers),
        }

    def assistant(self, provider: str):
        """The assistant drafting with `provider` (its own generator chain), built on first use."""
        with self._lock:
            if provider not in self._assistants:
                self._assistants[provider] = build_assistant(self.services, provider, self.generation_flags)
            return self._assistants[provider]


def build_resources(settings, warm: bool = False) -> Resources:
    """Resources over `settings`; warm=True loads the models in a background thread right away, so the
    first agent does not wait for them (the app does this; tests and scripts need not)."""
    services = Services(settings)
    res = Resources(settings=settings, services=services)
    if warm:
        threading.Thread(target=warm_up, args=(res,), name="deflect-warm-up", daemon=True).start()
    return res


def warm_up(res: Resources) -> None:
    """Load the embedding model, the PII redactor and the assistant once; failures wait for a real request."""
    try:
        res.services.embedder.embed(["warm up"])
        shared_redactor().warm_up()
        res.assistant(res.settings.assistant_provider)
        if res.services.catalog.active_version() is not None:
            res.services.searcher.search("warm up", k=1)
    except Exception as e:  # the first request will raise it again, with the page showing what to do
        log.warning("warm-up failed: %s: %s", type(e).__name__, e)


def build_assistant(services: Services, provider: str, flags=None):
    """The current pipeline over the app's Services; no generator for the extractive provider."""
    from assistant.generation import EXTRACTIVE
    from assistant.pipeline import Assistant

    generator = None
    if provider != EXTRACTIVE:
        from assistant.providers import build_generator

        generator = build_generator(services.settings, provider, flags=flags)
    return Assistant.from_services(services, generator)


def request_options(flags: dict[str, Any], provider: str | None = None) -> tuple[Filters | None, str | None]:
    """Filters and provider for one request from the live feature flags (read per request, no restart).

    Kill switch off -> the extractive provider (no LLM); a provider flag overrides the configured one
    unless the caller asked for one explicitly; disabled sources are left out of retrieval.
    """
    if not flags.get("generation_enabled", True):
        provider = "extractive"
    else:
        provider = provider or flags.get("provider") or None
    disabled = [s for s in flags.get("disabled_sources") or [] if s]
    return (Filters(exclude_sources=disabled) if disabled else None), provider


def answer_ticket(res: Resources, ticket: str | Ticket, provider: str | None = None) -> Answer:
    """Draft a reply for one ticket with the flags as they are right now."""
    filters, provider = request_options(res.store.flags.get_all(), provider)
    provider = provider or res.settings.assistant_provider
    return res.assistant(provider).answer(ticket, filters=filters, provider=provider)


def answer_fn(res: Resources, provider: str | None = None):
    """`ticket text -> Answer` for feedback replay (the current pipeline, current flags)."""
    return lambda text: answer_ticket(res, Ticket(body=text), provider)
