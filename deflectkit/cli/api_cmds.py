"""`deflect api` serves the HTTP API; `deflect keys` manages its API keys.

deflect keys add helpdesk --scopes draft,feedback --json   # prints the key once
deflect api --port 8700 --workers 2
"""

from __future__ import annotations

import os
import tempfile
from typing import Annotated

import typer
from rich.table import Table

from deflectkit.cli.common import cli_actor, console, err_console, print_json, services

keys_app = typer.Typer(help="API keys: scoped, shown once, stored hashed, revocable; every use audited.",
                       no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]


def api(
    host: Annotated[str | None, typer.Option(help="Address to bind (default DEFLECT_API_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default DEFLECT_API_PORT, 8700).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=64, help="Worker processes (default "
                                                "DEFLECT_API_WORKERS, 1); each loads the models once.")] = None,
) -> None:
    """Serve the HTTP API (drafts, actions, search, admin, self-service; OpenAPI at /docs)."""
    import uvicorn

    s = services().settings
    host, port, workers = host or s.api_host, port or s.api_port, workers or s.api_workers
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each worker writes its metric samples here and /metrics sums them all.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="deflect-metrics-")
    err_console.print(f"deflectkit API on http://{host}:{port} (OpenAPI: http://{host}:{port}/docs)")
    uvicorn.run("api.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning", proxy_headers=False, server_header=False, date_header=True)


@keys_app.command("add")
def keys_add(
    name: Annotated[str, typer.Argument(help="A name for the key: who or what uses it (e.g. helpdesk).")],
    scopes: Annotated[str, typer.Option("--scopes", help="Comma list of draft, feedback, admin, selfservice.")],
    as_json: JsonOpt = False,
) -> None:
    """Create a key and print it once (store it now: only its hash is kept)."""
    new = services().feedback.keys.add(name, scopes, actor=cli_actor())
    if as_json:
        print_json(new.model_dump())
        return
    console.print(f"API key [bold]{new.name}[/] ({', '.join(new.scopes)}):")
    print(new.key)
    err_console.print("Store it now: it is not shown again. Send it as 'Authorization: Bearer <key>'.")


@keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="The key's name (deflect keys list).")],
                as_json: JsonOpt = False) -> None:
    """Revoke a key: its next request gets 401."""
    key = services().feedback.keys.revoke(name, actor=cli_actor())
    if as_json:
        print_json(key.model_dump())
    else:
        console.print(f"Revoked {key.name} at {key.revoked_at}.")


@keys_app.command("list")
def keys_list(as_json: JsonOpt = False) -> None:
    """Keys with their scopes, creation and last use (never the key itself)."""
    keys = services().feedback.keys.list()
    if as_json:
        print_json([k.model_dump() for k in keys])
        return
    table = Table("name", "scopes", "created", "last used", "revoked")
    for k in keys:
        table.add_row(k.name, ",".join(k.scopes), k.created_at[:19], (k.last_used_at or "")[:19],
                      (k.revoked_at or "")[:19])
    console.print(table)
