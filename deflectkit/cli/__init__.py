"""`deflect` command line. Commands live in one module per area; this file wires them up."""

from __future__ import annotations

import sys

import typer

from deflectkit.cli import (
    api_cmds,
    ask_cmds,
    eval_cmds,
    feedback_cmds,
    helpdesk_cmds,
    index_cmds,
    ingest_cmds,
    release_cmds,
    report_cmds,
    ui_cmds,
)
from deflectkit.core.errors import DeflectError

app = typer.Typer(
    name="deflect",
    help="deflectkit: grounded, cited draft replies for support agents from your help center.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("ingest")(ingest_cmds.ingest)
app.command("search")(ingest_cmds.search)
app.command("ask")(ask_cmds.ask)
app.command("calibrate")(ask_cmds.calibrate)
app.add_typer(index_cmds.app, name="index")
app.add_typer(eval_cmds.app, name="eval")
app.add_typer(feedback_cmds.users_app, name="users")
app.add_typer(feedback_cmds.feedback_app, name="feedback")
app.command("replay")(feedback_cmds.replay)
app.command("ui")(ui_cmds.ui)
app.add_typer(feedback_cmds.retention_app, name="retention")
app.add_typer(feedback_cmds.audit_app, name="audit")
app.command("api")(api_cmds.api)
app.add_typer(api_cmds.keys_app, name="keys")
app.add_typer(helpdesk_cmds.app, name="helpdesk")
app.add_typer(report_cmds.app, name="report")
app.add_typer(release_cmds.app, name="release")


@app.callback()
def _start() -> None:
    """Runs before every command: settings checked, logging and tracing set up once."""
    from deflectkit.app import start
    from deflectkit.core.config import load_settings

    start(load_settings())


def main() -> None:
    from deflectkit.app import quiet_runtime

    quiet_runtime()
    try:
        app()
    except DeflectError as e:
        # Our errors carry what to do; show them without a traceback.
        typer.echo(f"Error: {e}", err=True)
        sys.exit(2)
