"""`deflect ingest` and `deflect search`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from deflectkit.cli.common import cli_actor, console, err_console, print_json, progress_bars, services

INGEST_FIELDS = ["added", "updated", "unchanged", "removed", "duplicates", "redactions", "errors", "index_version", "seconds"]


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Folders or files of the knowledge base (Markdown, HTML, text, PDF, JSON/JSONL exports).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON on stdout.")] = False,
    progress: Annotated[bool, typer.Option(help="Show progress bars on stderr.")] = True,
) -> None:
    """Ingest a knowledge base into a new index version (incremental: unchanged documents cost nothing)."""
    svc = services()
    with progress_bars(progress and not json_out) as cb:
        report = svc.ingest(paths, progress=cb, actor=cli_actor())
    data = report.model_dump()
    data["errors"] = [e.model_dump() for e in report.errors]
    indexed_any = report.index_version is not None
    if json_out:
        print_json({k: data[k] for k in INGEST_FIELDS} | {k: v for k, v in data.items() if k not in INGEST_FIELDS})
    else:
        _print_report(data)
    if not indexed_any:
        err_console.print("[red]Nothing could be ingested.[/red] Fix the errors above and run again.")
        raise typer.Exit(1)


def _print_report(d: dict) -> None:
    t = Table(title=f"Ingest run {d['run_id']}", show_header=False)
    for k in ("added", "updated", "unchanged", "removed", "duplicates", "redactions", "chunks", "embedded"):
        t.add_row(k, str(d[k]))
    version = d["index_version"]
    t.add_row("index version", f"{version} ({'new' if d['new_version'] else 'unchanged'})" if version else "-")
    t.add_row("seconds", f"{d['seconds']:.2f}")
    console.print(t)
    for e in d["errors"]:
        console.print(f"[yellow]skipped[/yellow] {escape(e['path'])}: {escape(e['reason'])}")
    for f in d["flagged"]:  # cut from drafts; the admin should fix or remove the source
        console.print(f"[red]flagged[/red] {escape(f['doc_id'])}: {f['kind']}: {escape(f['excerpt'])}")


def search(
    query: Annotated[str, typer.Argument(help="Question or ticket text.")],
    k: Annotated[int, typer.Option("-k", help="Number of hits.")] = 5,
    mode: Annotated[str, typer.Option("--mode", help="hybrid | bm25 | dense")] = "hybrid",
    locale: Annotated[str | None, typer.Option(help="Only chunks with this locale.")] = None,
    label: Annotated[list[str] | None, typer.Option(help="Only chunks carrying this label (repeatable).")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only sources under this prefix (repeatable).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print hits as JSON.")] = False,
) -> None:
    """Search the active index version."""
    from retrieval.models import Filters

    if mode not in ("hybrid", "bm25", "dense"):
        raise typer.BadParameter(f"--mode must be hybrid, bm25 or dense, got {mode!r}")
    svc = services()
    filters = Filters(locale=locale, labels=label or [], sources=source or [])
    hits = svc.searcher.search(query, k=k, mode=mode, filters=filters)  # type: ignore[arg-type]
    if json_out:
        print_json([h.model_dump() for h in hits])
        return
    if not hits:
        console.print("No hits.")
    for h in hits:
        where = " > ".join(h.heading_path) if h.heading_path else ""
        console.print(f"[bold]{h.rank}. {h.title}[/bold]  [dim]{h.doc_id}  score={h.score:.4f}[/dim]")
        if where:
            console.print(f"   [dim]{where}[/dim]")
        console.print("   " + h.text[:240].replace("\n", " ") + ("…" if len(h.text) > 240 else ""))
