"""Shared CLI helpers: settings, JSON output, progress bars on stderr."""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from deflectkit.app import Services
from deflectkit.core.config import load_settings

err_console = Console(stderr=True)
console = Console()

STAGE_LABELS = {"scan": "Reading files", "chunk": "Redacting and chunking", "embed": "Embedding new text",
                "vectors": "Writing vectors", "bm25": "Building BM25"}


def cli_actor() -> str:
    """Who the audit log names for a CLI action: the OS user."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no passwd entry (containers)
        return "cli:unknown"


def services() -> Services:
    return Services(load_settings())


def print_json(obj: Any) -> None:
    # Plain print: rich would wrap long lines and break machine parsing.
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


@contextmanager
def progress_bars(enabled: bool = True):
    """Yields a (stage, done, total) callback that drives one rich bar per stage, on stderr."""
    if not enabled:
        yield lambda stage, done, total: None
        return
    with Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=False) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(STAGE_LABELS.get(stage, stage), total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        yield update
