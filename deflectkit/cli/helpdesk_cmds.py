"""`deflect helpdesk outbox|replay`: the notes that could not be posted to the help desk, and posting them."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from deflectkit.cli.common import console, err_console, print_json
from deflectkit.core.errors import ConfigError

app = typer.Typer(help="Help-desk integration: the outbox of internal notes not yet posted, and its replay.",
                  no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]


def _store():
    from deflectkit.core.config import load_settings
    from integrations.store import HelpDeskStore

    settings = load_settings()
    return settings, HelpDeskStore.from_settings(settings)


@app.command("outbox")
def outbox(
    all_rows: Annotated[bool, typer.Option("--all", help="Every note, posted ones too (the ticket <-> request "
                                                           "id mapping).")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Notes waiting to be posted (delivery failed after its retries); `deflect helpdesk replay` posts them."""
    _, store = _store()
    rows = store.list(None if all_rows else "queued")
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    if not rows:
        console.print("The outbox is empty." if not all_rows else "No help-desk notes yet.")
        return
    t = Table("id", "help desk", "ticket", "request id", "decision", "status", "attempts", "last error",
              "created (UTC)")
    for r in rows:
        t.add_row(str(r.id), r.helpdesk, r.ticket_id, r.request_id or "", r.decision or "", r.status, str(r.attempts),
                  r.last_error, r.created_at[:19])
    console.print(t)


@app.command("replay")
def replay(
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Post at most N notes (oldest first).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Post the queued notes again, oldest first; exit 1 when some still could not be posted."""
    from integrations.handling import replay_outbox
    from integrations.registry import configured_adapters

    settings, store = _store()
    adapters = configured_adapters(settings)
    if not adapters and store.list("queued"):
        raise ConfigError("No help desk is configured to post to: set DEFLECT_ZENDESK_SUBDOMAIN (or "
                          "DEFLECT_ZENDESK_BASE_URL), DEFLECT_ZENDESK_EMAIL and DEFLECT_ZENDESK_API_TOKEN.")
    try:
        report = replay_outbox(adapters, store, limit)
    finally:
        for adapter in adapters.values():
            adapter.close()
    if json_out:
        print_json(report.model_dump(mode="json"))
    else:
        console.print(f"Posted {report.posted} of {report.attempted} queued note(s); {report.queued} still queued.")
        for e in report.errors:
            err_console.print(f"[red]{e}[/red]")
    if report.errors:
        raise typer.Exit(1)
