"""`deflect helpdesk`: help everywhere, an empty outbox, and a replay with nowhere to post to."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from feedback.webhook import DeliveryResult
from integrations.models import HelpDeskEvent, Note
from integrations.store import HelpDeskStore

pytestmark = pytest.mark.unit


@pytest.fixture
def cli(monkeypatch, tmp_path):
    from deflectkit.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEFLECT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")  # rich tables would wrap the cells at 80
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_help_everywhere(cli):
    for args in (["helpdesk", "--help"], ["helpdesk", "outbox", "--help"], ["helpdesk", "replay", "--help"]):
        res = cli(*args)
        assert res.exit_code == 0 and "Usage" in res.output, args


def test_empty_outbox_and_a_replay_without_a_help_desk(cli, tmp_path):
    assert json.loads(cli("helpdesk", "outbox", "--json").output) == []
    assert "The outbox is empty." in cli("helpdesk", "outbox").output
    assert json.loads(cli("helpdesk", "replay", "--json").output)["attempted"] == 0  # nothing queued: fine

    store = HelpDeskStore(tmp_path / "data" / "helpdesk.db")
    row = store.claim(HelpDeskEvent(helpdesk="zendesk", event_id="e", kind="created", ticket_id="9", body="b"))
    store.drafted(row, "rid-9", "answer", Note(text="t"))
    store.delivered(row, DeliveryResult(False, 3, 503, "HTTP 503"))
    store.close()
    table = cli("helpdesk", "outbox").output
    assert "rid-9" in table and "HTTP 503" in table
    from deflectkit.core.errors import ConfigError

    with pytest.raises(ConfigError, match="DEFLECT_ZENDESK_SUBDOMAIN"):
        cli("helpdesk", "replay")
