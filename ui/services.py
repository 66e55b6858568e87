"""The UI's view of the composition root: one `Resources` per settings, cached by `app.py` with
`st.cache_resource`; pages and tests call the same functions. Answering goes through
`deflectkit.app.Services`, like every other entry point.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from assistant.models import Answer, Ticket
from deflectkit.app import Services

log = logging.getLogger(__name__)


def make_settings(**overrides: Any):
    """The app's Settings (DEFLECT_* env vars); a bad value is a ConfigError the page shows."""
    from deflectkit.core.config import load_settings

    return load_settings(**overrides)


@dataclass
class Resources:
    """Everything a page needs, shared by all sessions of one process."""

    settings: Any
    services: Services
    _domains: dict[int | None, list[str]] = field(default_factory=dict, repr=False)

    @property
    def store(self):
        return self.services.feedback

    def link_domains(self) -> list[str]:
        """Domains the UI may link to: DEFLECT_UI_LINK_DOMAINS, else the hosts of the active index's article
        URLs (the help center's own domains), computed once per index version."""
        if self.settings.ui_link_domains:
            return list(self.settings.ui_link_domains)
        from ui.render import host_of

        catalog = self.services.catalog
        version = catalog.active_version()
        if version not in self._domains:
            docs = catalog.documents(version) if version is not None else []
            self._domains = {version: sorted({host_of(d["url"]) for d in docs if d.get("url")} - {""})}
        return self._domains[version]

    def link_check(self):
        """`url -> url or None` for links on screen (http(s) on the allowed domains only)."""
        from ui.render import link_ok

        domains = self.link_domains()
        return lambda url: link_ok(url, domains)

    def generation_flags(self) -> dict[str, Any]:
        return self.services.generation_flags()

    def assistant(self, provider: str):
        return self.services.assistant(provider)


def build_resources(settings, warm: bool = False, services: Services | None = None) -> Resources:
    """Resources over `settings`; warm=True loads the models in a background thread right away, so the
    first agent does not wait for them (the app does this; tests and scripts need not)."""
    res = Resources(settings=settings, services=services or Services(settings))
    if warm:
        threading.Thread(target=warm_up, args=(res,), name="deflect-warm-up", daemon=True).start()
    return res


def warm_up(res: Resources) -> None:
    """Load the embedding model, the PII redactor and the assistant once; failures wait for a real request."""
    try:
        res.services.embedder.embed(["warm up"])
        res.services.redactor.warm_up()
        res.assistant(res.settings.assistant_provider)
        if res.services.catalog.active_version() is not None:
            res.services.searcher.search("warm up", k=1)
    except Exception as e:  # the first request will raise it again, with the page showing what to do
        log.warning("warm-up failed: %s: %s", type(e).__name__, e)


def answer_ticket(res: Resources, ticket: str | Ticket, provider: str | None = None) -> Answer:
    """Draft a reply for one ticket with the flags as they are right now."""
    return res.services.answer(ticket, provider)


def answer_fn(res: Resources, provider: str | None = None):
    """`ticket text -> Answer` for feedback replay (the current pipeline, current flags)."""
    return res.services.answer_fn(provider)
