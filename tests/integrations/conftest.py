"""Help-desk fixtures: the fake Zendesk on loopback, and the real Services over a tiny help center set up
to post to it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.conftest import TINY_KB, write_kb
from tests.integrations.fake_zendesk import FakeZendesk


@pytest.fixture
def fake_zendesk():
    fake = FakeZendesk()
    yield fake
    fake.close()


@pytest.fixture
def zendesk_settings(fake_zendesk):
    """Settings overrides that point the app at the fake (quick retries keep the outage tests short)."""
    return {"zendesk_base_url": fake_zendesk.url, "zendesk_email": fake_zendesk.email,
            "zendesk_api_token": fake_zendesk.api_token, "zendesk_webhook_secret": fake_zendesk.webhook_secret,
            "helpdesk_retries": 2, "helpdesk_backoff_s": 0.01, "helpdesk_timeout_s": 5,
            # Any grounded draft is sent as 'answer'; the escalation test raises it.
            "answer_threshold": 0.0}


@pytest.fixture
def desk(make_services, zendesk_settings, tmp_path):
    """The real Services over TINY_KB, the Zendesk adapter and the help-desk store, from one Settings."""
    from integrations.store import HelpDeskStore
    from integrations.zendesk.adapter import ZendeskAdapter

    def make(ingest: bool = True, **overrides):
        services = make_services(**{**zendesk_settings, **overrides})
        if ingest:  # tests that never get as far as drafting skip it
            report = services.ingest([write_kb(tmp_path / "kb", TINY_KB)])
            assert report.index_version is not None, report.errors
        adapter = ZendeskAdapter.from_settings(services.settings)
        store = HelpDeskStore.from_settings(services.settings)
        made.append((adapter, store))
        return SimpleNamespace(services=services, settings=services.settings, adapter=adapter, store=store)

    made: list = []
    yield make
    for adapter, store in made:
        adapter.close()
        store.close()
