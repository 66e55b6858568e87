"""`deflect ui`: run the Streamlit app (agent desk, admin, evaluator) on 127.0.0.1.

deflect ui --port 8501 --demo-admin      # creates user "admin" with a random password, printed once
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from deflectkit.cli.common import err_console
from deflectkit.core.config.providers import ProviderName

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"
DEMO_ADMIN = "admin"
THEME = {"theme.base": "light", "theme.primaryColor": "#2563eb"}


def streamlit_command(port: int, host: str, max_upload_mb: int = 50, app: Path = APP) -> list[str]:
    """The exact command `deflect ui` runs: headless, no usage stats, bound to `host`."""
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.headless",
        "true",
        "--server.maxUploadSize",
        str(max_upload_mb),
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "minimal",
    ]
    for key, value in THEME.items():
        cmd += [f"--{key}", value]
    return cmd


def child_env(provider: str | None, base: dict[str, str] | None = None, sso: bool = False) -> dict[str, str]:
    """The environment of the app: ours (DEFLECT_* included) plus the provider choice and no telemetry."""
    env = dict(os.environ if base is None else base)
    if provider:
        env["DEFLECT_PROVIDER"] = provider
        env["DEFLECT_ASSISTANT_PROVIDER"] = provider  # the Settings field the assistant reads
    env.setdefault("ANONYMIZED_TELEMETRY", "False")
    env.setdefault("HF_HUB_OFFLINE", "1")
    if sso:
        # uvicorn (under Streamlit) replaces the peer address with X-Forwarded-For on connections from
        # 127.0.0.1. The SSO check needs the real peer (is it the proxy?), so no forwarding header is
        # believed then; without SSO the forwarded address serves per-client sign-in throttling.
        env.setdefault("FORWARDED_ALLOW_IPS", "")
    return env


def ensure_demo_admin(store, reset: bool = False) -> tuple[str, str | None]:
    """('created' | 'reset' | 'exists', password or None). Never changes an existing password unless asked."""
    if store.users.get(DEMO_ADMIN) is None:
        password = secrets.token_urlsafe(12)
        store.users.add(DEMO_ADMIN, "admin", password=password, actor="cli:demo-admin")
        return "created", password
    if reset:
        password = secrets.token_urlsafe(12)
        store.users.update(DEMO_ADMIN, "cli:demo-admin", password=password, disabled=False)
        return "reset", password
    return "exists", None


def ui(
    port: Annotated[int, typer.Option("--port", help="Port to serve on.")] = 8501,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; keep 127.0.0.1 unless a proxy fronts the app.")
    ] = "127.0.0.1",
    provider: Annotated[
        ProviderName | None,
        typer.Option("--provider", help="Who writes drafts: extractive (no LLM), local or openai."),
    ] = None,
    demo_admin: Annotated[
        bool,
        typer.Option(
            "--demo-admin",
            help="Create user 'admin' with a random password (printed here) if it does not exist.",
        ),
    ] = False,
    reset_demo_admin: Annotated[
        bool,
        typer.Option(
            "--reset-demo-admin", help="With --demo-admin: give the existing 'admin' a new random password."
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the command instead of running it.")
    ] = False,
) -> None:
    """Open the web app: agent desk, escalation queue, admin (ingest, versions, flags, users) and evaluator."""
    from ui.services import make_settings

    settings = make_settings()
    if demo_admin:
        from feedback.store import FeedbackStore

        store = FeedbackStore.from_settings(settings)
        try:
            outcome, password = ensure_demo_admin(store, reset=reset_demo_admin)
        finally:
            store.close()
        if password:
            typer.echo(f"Log in as {DEMO_ADMIN} / {password}")
        else:
            typer.echo(
                f"User '{DEMO_ADMIN}' already exists: log in with the password printed when it was created. "
                "Forgot it? Run `deflect ui --demo-admin --reset-demo-admin` for a new one."
            )
    cmd = streamlit_command(port, host, settings.ui_upload_max_mb)
    if dry_run:
        typer.echo(" ".join(cmd))
        return
    if host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(
            f"[yellow]Serving on {host}: anyone who can reach it sees the sign-in page. "
            "Put it behind your SSO proxy (DEFLECT_TRUSTED_USER_HEADER) or keep 127.0.0.1.[/yellow]"
        )
    err_console.print(f"deflectkit UI on http://{host}:{port} (Ctrl+C to stop)")
    try:
        code = subprocess.call(cmd, env=child_env(provider, sso=bool(settings.trusted_user_header)))
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)


app = typer.Typer(help="The web app.", add_completion=False)
app.command("ui")(ui)
