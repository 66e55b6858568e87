"""`deflect ask` and `deflect calibrate`."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from deflectkit.cli.common import console, err_console, print_json, progress_bars, services
from deflectkit.core.config.providers import PROVIDERS
from deflectkit.core.errors import DeflectError

app = typer.Typer(help="Draft replies and calibrate confidence.", no_args_is_help=True)


@app.command("ask")
def ask(
    ticket: Annotated[str | None, typer.Argument(
        help="The ticket text (subject and body), quoted; - reads it from stdin.")] = None,
    file: Annotated[Path | None, typer.Option(
        "--file", help="Read the ticket from this file (UTF-8 text; for tickets too long for the command line).")] = None,
    batch: Annotated[Path | None, typer.Option(
        "--batch", help="Answer every ticket of a JSONL file (- for stdin), one per line: "
        '{"id": ..., "subject": optional, "body": ...} or {"id": ..., "text": ...}. Prints one Answer JSON '
        "per line with the ticket's id, in input order; a bad line prints an error line with its number.")] = None,
    provider: Annotated[str | None, typer.Option(
        "--provider", help=f"{' | '.join(PROVIDERS)}. Default: DEFLECT_ASSISTANT_PROVIDER.")] = None,
    locale: Annotated[str | None, typer.Option(help="Only sources with this locale.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only sources under this prefix (repeatable).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON on stdout.")] = False,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Ask the LLM afresh instead of reusing a cached draft (the new draft is cached).")] = False,
) -> None:
    """Draft a cited reply to a ticket, or say why it should be escalated."""
    from retrieval.models import Filters

    if provider is not None and provider not in PROVIDERS:
        raise typer.BadParameter(f"--provider must be one of {', '.join(PROVIDERS)}, got {provider!r}")
    if sum(x is not None for x in (ticket, file, batch)) != 1:
        raise typer.BadParameter("Give one of: a ticket text (- for stdin), --file PATH or --batch FILE.jsonl.")
    svc = services()
    filters = Filters(locale=locale, sources=source or [])
    if batch is not None:
        _ask_batch(svc, batch, provider, filters, no_cache)
        return
    if ticket == "-" or file is not None:
        ticket = read_ticket(file, svc.settings.max_ticket_chars)
    with err_console.status("Drafting…", spinner="dots") if not json_out else nullcontext():
        answer = svc.answer(ticket, provider, filters, cache_bypass=no_cache)
    if json_out:
        print_json(answer.model_dump(mode="json"))
        return
    render_answer(answer)


def _ask_batch(svc, path: Path, provider: str | None, filters, no_cache: bool) -> None:
    """One JSON line out per line in, in order; a bad line becomes an error line, the rest still answer."""
    import json
    import sys

    from assistant.batch import read_batch

    text = sys.stdin.read() if str(path) == "-" else _read_batch_file(path)
    items = read_batch(text)
    with progress_bars(enabled=sys.stderr.isatty()) as cb:
        for i, item in enumerate(items, 1):
            if item.error is None:
                try:
                    answer = svc.answer(item.ticket, provider, filters, cache_bypass=no_cache)
                    row = {"id": item.id, **answer.model_dump(mode="json")}
                except DeflectError as e:
                    row = {"id": item.id, "line": item.line, "error": str(e)}
            else:
                row = {"id": item.id, "line": item.line, "error": item.error}
            print(json.dumps(row, ensure_ascii=False, default=str), flush=True)
            cb("tickets", i, len(items))


def read_ticket(path: Path | None, max_chars: int) -> str:
    """The ticket from a file (or stdin when `path` is None), read no further than the assistant would.

    Bytes that are not UTF-8 are kept as lone surrogates: the assistant replaces them and says so."""
    import sys

    from deflectkit.core.errors import InputError

    limit = 4 * (max_chars + 1)  # UTF-8 takes at most 4 bytes a character: enough to see the cap is passed
    try:
        if path is None:
            data = sys.stdin.buffer.read(limit)
        else:
            with path.open("rb") as f:
                data = f.read(limit)
    except FileNotFoundError as e:
        raise InputError(f"No ticket file at {path}: give a text file holding the ticket.") from e
    except OSError as e:
        raise InputError(f"Cannot read {path or 'stdin'}: {e.strerror}.") from e
    return data.decode("utf-8", "surrogateescape")


def _read_batch_file(path: Path) -> str:
    from deflectkit.core.errors import InputError

    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise InputError(f"No batch file at {path}: give a JSONL file, one ticket per line.") from e
    except UnicodeDecodeError as e:
        raise InputError(f"{path} is not UTF-8 text ({e.reason} at byte {e.start}); save it as UTF-8 JSONL.") from e
    except OSError as e:
        raise InputError(f"Cannot read {path}: {e.strerror}.") from e


def render_answer(answer) -> None:
    color = {"high": "green", "medium": "yellow", "low": "red"}[answer.confidence_label]
    verdict = "[green]ANSWER[/green]" if answer.decision == "answer" else "[red]ESCALATE[/red]"
    cached = " cached" if answer.cached else ""
    console.print(f"{verdict}  confidence [{color}]{answer.confidence:.2f} ({answer.confidence_label})[/{color}]"
                  f"  [dim]provider={answer.provider}{cached} request={answer.request_id}[/dim]")
    for r in answer.reasons:
        console.print(f"  • {escape(r)}")
    if answer.draft:
        console.print(Panel(escape(answer.draft), title="Draft reply", expand=False))
    if answer.citations:
        console.print("[bold]Sources[/bold]")
        for c in answer.citations:
            section = " > ".join(h for h in c.heading_path if h != c.title)
            flag = "  [red](flagged: contains instructions)[/red]" if c.flagged else ""
            console.print(f"  [{c.n}] {escape(c.doc_id)}" + (f" [dim]— {escape(section)}[/dim]" if section else "") + flag,
                          soft_wrap=True)
            console.print(f"      [dim]{escape(c.quote[:240])}[/dim]")
    unsupported = [s.text for s in answer.sentences if not s.supported]
    for s in unsupported:
        console.print(f"[yellow]unsupported:[/yellow] {escape(s)}")
    for finding in answer.guardrails:
        console.print(f"[dim]guard {finding.stage}: {escape(str(finding))}[/dim]")
    stages = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in answer.timings.items())
    console.print(f"[dim]{stages}; index v{answer.index_version}, prompt {answer.prompt_version}, "
                  f"calibration {answer.calibration_version}[/dim]")


@app.command("calibrate")
def calibrate(
    dataset: Annotated[list[str] | None, typer.Option(
        "--dataset", help="Labeled dataset: demo | tickets | emanual | techqa | beir:PATH. Repeatable: slopes are "
        "fitted on all, and the first dataset's base rate is the one used when answering.")] = None,
    from_feedback: Annotated[bool, typer.Option(
        "--from-feedback", help="Also fit on this deployment's own feedback: sent or thumbed-up drafts count "
        "correct; thumbs down, agent escalations and out-of-scope marks count wrong. Its base rate is the one "
        "used when answering.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the held-out split.")] = 13,
    test_share: Annotated[float, typer.Option(help="Share of questions held out for the reported metrics.")] = 0.3,
    json_out: Annotated[bool, typer.Option("--json", help="Print the calibration (with metrics) as JSON.")] = False,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Also write a self-contained HTML report (ECE, reliability diagram, coverage-accuracy "
        "curve per split and dataset) here.")] = None,
) -> None:
    """Fit the confidence model on labeled questions or on feedback; writes <data_dir>/calibration.json."""
    from assistant.calibration import fit_calibration
    from assistant.confidence import calibration_path, write_calibration
    from assistant.errors import CalibrationError
    from evals.calibrate import collect

    if not 0.0 < test_share < 1.0:
        raise typer.BadParameter(f"--test-share must be between 0 and 1, got {test_share}")
    if not dataset and not from_feedback:
        raise typer.BadParameter("Give at least one --dataset, or --from-feedback.")
    svc = services()
    rows = []
    with progress_bars(not json_out) as cb:
        if from_feedback:
            from evals.calibrate import collect_feedback

            rows += collect_feedback(svc.feedback, svc, progress=cb)
            if len({r.label for r in rows}) < 2:
                raise CalibrationError(
                    f"The feedback holds {len(rows)} usable judged drafts, not both right and wrong ones: "
                    "collect more thumbs, sends and escalations, or add --dataset.")
        for name in dataset or []:
            rows += collect(name, svc.settings, progress=cb)
    cal = fit_calibration(rows, seed=seed, test_share=test_share)
    path = write_calibration(cal, calibration_path(svc.settings))
    if report:
        from evals.report import write_calibration_report

        write_calibration_report(cal.model_dump(mode="json"), report)
        err_console.print(f"Report written to {report}")
    if json_out:
        print_json(cal.model_dump(mode="json") | {"path": str(path)})
        return
    held = cal.metrics["held_out"]
    console.print(f"Calibration [bold]{cal.version}[/bold] written to {path}")
    console.print(f"fitted on {cal.n} questions; held out {held['n']}: ECE {held['ece']:.3f}, base rate {held['base_rate']:.2f}")
    cv = cal.metrics.get("cross_validated")
    if cv:
        console.print(f"{cv['folds']}-fold cross-validated over {cv['n']}: ECE {cv['ece']:.3f}")
    t = Table(title="Coverage vs accuracy (held out)")
    for col in ("threshold", "coverage", "accuracy"):
        t.add_column(col, justify="right")
    for p in held["coverage_accuracy"]:
        acc = "-" if p["accuracy"] is None else f"{p['accuracy']:.2f}"
        t.add_row(f"{p['threshold']:.1f}", f"{p['coverage']:.2f}", acc)
    console.print(t)
