"""`deflect index list|activate|rollback`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from deflectkit.cli.common import cli_actor, console, print_json, services

app = typer.Typer(help="List, activate and roll back index versions.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _rows(svc) -> list[dict]:
    active = svc.catalog.active_version()
    return [
        {"version": v["version"], "status": v["status"], "active": v["version"] == active,
         "created_at": datetime.fromtimestamp(v["created_at"], UTC).isoformat(timespec="seconds"),
         "n_docs": v["n_docs"], "n_chunks": v["n_chunks"], "config_hash": v["config_hash"],
         "embedding_model": v["embedding_model"], "run_id": v["run_id"]}
        for v in svc.catalog.versions()
    ]


@app.command("list")
def list_versions(json_out: JsonOpt = False) -> None:
    """Index versions, newest last; the active one is marked."""
    svc = services()
    rows = _rows(svc)
    if json_out:
        print_json(rows)
        return
    t = Table("version", "status", "active", "created (UTC)", "docs", "chunks", "config")
    for r in rows:
        t.add_row(str(r["version"]), r["status"], "●" if r["active"] else "", r["created_at"],
                  str(r["n_docs"] or "-"), str(r["n_chunks"] or "-"), r["config_hash"] or "")
    console.print(t)


@app.command("activate")
def activate(version: Annotated[int, typer.Argument(help="Version number from `deflect index list`.")],
             json_out: JsonOpt = False) -> None:
    """Serve VERSION from the next query on (atomic switch)."""
    svc = services()
    svc.activate(version, actor=cli_actor())
    _done(svc, json_out)


@app.command("rollback")
def rollback(json_out: JsonOpt = False) -> None:
    """Activate the newest ready version older than the active one."""
    svc = services()
    svc.rollback(actor=cli_actor())
    _done(svc, json_out)


def _done(svc, json_out: bool) -> None:
    active = svc.catalog.active_version()
    if json_out:
        print_json({"active_version": active})
    else:
        console.print(f"Active index version: [bold]{active}[/bold]")
