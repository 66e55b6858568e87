"""The help desks this install posts to, built from Settings: the one place that lists the adapters."""

from __future__ import annotations

from typing import Any

from integrations.base import HelpDeskAdapter


def configured_adapters(settings: Any) -> dict[str, HelpDeskAdapter]:
    """Adapters by name for every help desk whose account is set (a missing credential raises MissingSetting)."""
    adapters: dict[str, HelpDeskAdapter] = {}
    if settings.zendesk_subdomain or settings.zendesk_base_url:
        from integrations.zendesk.adapter import ZendeskAdapter

        adapters[ZendeskAdapter.name] = ZendeskAdapter.from_settings(settings)
    return adapters
