"""`deflect` command line. Commands live in one module per area; this file wires them up."""

from __future__ import annotations

import logging
import sys

import typer

from deflectkit.cli import index_cmds, ingest_cmds
from deflectkit.errors import DeflectError

app = typer.Typer(
    name="deflect",
    help="deflectkit: grounded, cited draft replies for support agents from your help center.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("ingest")(ingest_cmds.ingest)
app.command("search")(ingest_cmds.search)
app.add_typer(index_cmds.app, name="index")


def main() -> None:
    from deflectkit.services import quiet_runtime

    quiet_runtime()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        app()
    except DeflectError as e:
        # Our errors carry what to do; show them without a traceback.
        typer.echo(f"Error: {e}", err=True)
        sys.exit(2)
