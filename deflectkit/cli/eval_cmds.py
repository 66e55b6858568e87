"""`deflect eval`: retrieval (and answer) quality, recorded, compared and reported.

    deflect eval --dataset demo [--mode hybrid|bm25|dense] [--json] [--report out.html] [--answers]
    (also runs the bm25 and dense baselines on the same ingest unless --no-baselines)
    deflect eval baselines --dataset emanual [--json] [--report out.html]
    deflect eval compare RUN_A RUN_B [--json] [--fail-on-regression]
    deflect eval runs
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from deflectkit.cli.common import console, err_console, print_json, progress_bars
from evals.datasets import dataset_choices

app = typer.Typer(
    name="eval", help="Measure retrieval and answer quality on labeled datasets; compare runs.",
    invoke_without_command=True, add_completion=False, pretty_exceptions_enable=False,
)

DATASETS = " | ".join(dataset_choices())  # from the registry, so a new dataset shows up here by itself
DatasetOpt = Annotated[str | None, typer.Option(
    "--dataset", help=f"{DATASETS} (PATH: a BEIR folder with corpus.jsonl, queries.jsonl, qrels/).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
ReportOpt = Annotated[Path | None, typer.Option("--report", help="Write a self-contained HTML report here.")]
AnswersOpt = Annotated[bool, typer.Option("--answers", help="Also draft answers with assistant.Assistant and score them.")]
ProgressOpt = Annotated[bool, typer.Option(help="Show progress bars on stderr.")]
BASELINES = ("bm25", "dense")
SHOWN = ("hit@1", "hit@5", "hit@10", "recall@10", "mrr@10", "ndcg@10")


def eval_settings():
    from deflectkit.core.config import load_settings

    return load_settings()


def _run(dataset: str, modes: list[str], answers: bool, progress: bool):
    from evals.harness import evaluate

    with progress_bars(progress) as cb:
        return evaluate(dataset, eval_settings(), modes, answers=answers, progress=cb)


@app.callback()
def eval_main(
    ctx: typer.Context,
    dataset: DatasetOpt = None,
    mode: Annotated[str | None, typer.Option("--mode", help="hybrid | bm25 | dense (default: DEFLECT_SEARCH_MODE)")] = None,
    json_out: JsonOpt = False,
    report: ReportOpt = None,
    answers: AnswersOpt = False,
    with_baselines: Annotated[bool, typer.Option(
        "--baselines/--no-baselines", help="Also score bm25 and dense on the same ingest and show them beside it.")] = True,
    progress: ProgressOpt = True,
) -> None:
    """Evaluate a retrieval mode on a dataset (ingested into its own data dir first; incremental),
    next to the bm25 and dense baselines measured in the same run."""
    if ctx.invoked_subcommand is not None:
        return
    if not dataset:
        console.print(ctx.get_help())
        raise typer.Exit(2)
    mode = mode or eval_settings().search_mode
    if mode not in ("hybrid", "bm25", "dense"):
        raise typer.BadParameter(f"--mode must be hybrid, bm25 or dense, got {mode!r}")
    modes = [m for m in BASELINES if m != mode] + [mode] if with_baselines else [mode]
    runs = _run(dataset, modes, answers, progress)
    run = runs[-1]
    if report:
        _write_report(runs, report)
    if json_out:
        summary = run.summary()
        if with_baselines:
            summary["baselines"] = {r.mode: {**r.metrics, "n_queries": r.n_queries, "run_id": r.run_id}
                                    for r in runs[:-1]}
        print_json(summary)
        return
    _print_runs(runs)


@app.command("baselines")
def baselines(
    dataset: DatasetOpt = None,
    json_out: JsonOpt = False,
    report: ReportOpt = None,
    answers: AnswersOpt = False,
    progress: ProgressOpt = True,
) -> None:
    """Run bm25, dense and hybrid on one ingest, so every report shows baselines from the same run."""
    if not dataset:
        raise typer.BadParameter(f"--dataset is required ({DATASETS})")
    runs = _run(dataset, [*BASELINES, "hybrid"], answers, progress)
    if report:
        _write_report(runs, report)
    if json_out:
        print_json({"dataset": runs[0].dataset, "group_id": runs[0].group_id,
                    "index_version": runs[0].index_version, "runs": {r.mode: r.summary() for r in runs}})
        return
    _print_runs(runs)


@app.command("compare")
def compare(
    run_a: Annotated[str, typer.Argument(help="Baseline run id (or id prefix, or run JSON file).")],
    run_b: Annotated[str, typer.Argument(help="Candidate run id (or id prefix, or run JSON file).")],
    json_out: JsonOpt = False,
    samples: Annotated[int | None, typer.Option(help="Bootstrap resamples (default DEFLECT_EVAL_BOOTSTRAP_SAMPLES).")] = None,
    limit: Annotated[int, typer.Option(help="Changed queries listed each way.")] = 20,
    fail_on_regression: Annotated[bool, typer.Option(
        "--fail-on-regression", help="Release gate: exit 1 when B is worse than A on a gated metric "
        "beyond doubt (the whole 95% interval below -max-drop).")] = False,
    gate_metrics: Annotated[str, typer.Option("--gate-metrics", help="Comma-separated metrics the gate checks.")] = "ndcg@10,hit@5",
    max_drop: Annotated[float, typer.Option("--max-drop", min=0.0, help="Tolerated drop before the gate fails.")] = 0.0,
) -> None:
    """Metric deltas B - A with paired bootstrap 95% intervals, and the queries that moved."""
    from deflectkit.core.config.evals import eval_options
    from evals.compare import compare_runs, regressions
    from evals.store import EvalStore

    settings = eval_settings()
    opts = eval_options(settings)
    store = EvalStore(settings.data_dir)
    result = compare_runs(store.get(run_a), store.get(run_b), samples or opts.eval_bootstrap_samples,
                          opts.eval_seed, limit=limit)
    failed = []
    if fail_on_regression:
        from evals.errors import EvalError

        try:
            failed = regressions(result, tuple(m.strip() for m in gate_metrics.split(",") if m.strip()), max_drop)
        except EvalError as e:  # a misspelt metric must not read as a failed gate (exit 1)
            raise typer.BadParameter(str(e), param_hint="--gate-metrics") from e
    if json_out:
        out = result.model_dump()
        if fail_on_regression:
            out["gate"] = {"passed": not failed, "failed": [d.metric for d in failed], "max_drop": max_drop}
        print_json(out)
        if failed:
            raise typer.Exit(1)
        return
    t = Table(title=f"{result.run_b} vs {result.run_a} ({result.n_paired} paired queries, "
              f"{result.samples} resamples)")
    for col in ("metric", "A", "B", "delta", "95% CI", "P(B>A)"):
        t.add_column(col, justify="left" if col == "metric" else "right")
    for d in result.deltas:
        sig = "green" if d.ci_low > 0 else "red" if d.ci_high < 0 else ""
        t.add_row(d.metric, f"{d.a:.3f}", f"{d.b:.3f}", f"[{sig}]{d.delta:+.3f}[/{sig}]" if sig else f"{d.delta:+.3f}",
                  f"[{d.ci_low:+.3f}, {d.ci_high:+.3f}]", f"{d.p_better:.2f}")
    console.print(t)
    for label, changes, n in (("better", result.better, result.n_better), ("worse", result.worse, result.n_worse)):
        console.print(f"\n[bold]{n} queries {label}[/bold]" + (f" (first {len(changes)})" if n > len(changes) else ""))
        for c in changes:
            console.print(f"  {_rank(c.rank_before):>4} -> {_rank(c.rank_after):<4} [dim]{c.qid}[/dim] {c.question}")
    if fail_on_regression:
        if failed:
            err_console.print("[red]Gate failed:[/red] " + ", ".join(
                f"{d.metric} {d.delta:+.3f} [{d.ci_low:+.3f}, {d.ci_high:+.3f}]" for d in failed))
            raise typer.Exit(1)
        err_console.print("[green]Gate passed[/green]: no gated metric is worse beyond its 95% interval.")


@app.command("runs")
def runs(
    dataset: Annotated[str | None, typer.Option("--dataset", help="Only runs of this dataset name.")] = None,
    limit: Annotated[int, typer.Option(help="How many recent runs.")] = 20,
    json_out: JsonOpt = False,
) -> None:
    """List recorded evaluation runs, newest first."""
    from evals.store import EvalStore

    rows = EvalStore(eval_settings().data_dir).list(limit, dataset)
    if json_out:
        print_json(rows)
        return
    t = Table(title="Evaluation runs")
    for col in ("run", "created", "dataset", "mode", "queries", "hit@5", "ndcg@10"):
        t.add_column(col)
    for r in rows:
        m = r["metrics"]
        t.add_row(r["run_id"], r["created_at"], r["dataset"], r["mode"], str(r["n_queries"]),
                  f"{m.get('hit@5', 0):.3f}", f"{m.get('ndcg@10', 0):.3f}")
    console.print(t)


def _rank(r: int | None) -> str:
    return "-" if r is None else str(r)


def _write_report(runs, path: Path) -> None:
    from evals.report import write_report

    write_report(runs, path)
    err_console.print(f"Report written to {path}")


def _print_runs(runs) -> None:
    t = Table(title=f"{runs[0].dataset} (index version {runs[0].index_version})")
    for col in ("mode", "queries", *SHOWN):
        t.add_column(col, justify="right", no_wrap=True)
    for r in runs:
        t.add_row(r.mode, str(r.n_queries), *[f"{r.metrics.get(m, 0):.3f}" for m in SHOWN])
    console.print(t)
    for r in runs:
        console.print(f"[dim]{r.mode} run:[/dim] {r.run_id}")
    cats = sorted({c for r in runs for c in r.per_category})
    if len(cats) > 1:
        c = Table(title="Per category")
        for col in ("category", "mode", "queries", "hit@5", "mrr@10", "ndcg@10"):
            c.add_column(col, justify="right")
        for cat in cats:
            for r in runs:
                m = r.per_category.get(cat)
                if m:
                    c.add_row(cat, r.mode, str(int(m["n_queries"])), f"{m['hit@5']:.3f}", f"{m['mrr@10']:.3f}",
                              f"{m['ndcg@10']:.3f}")
        console.print(c)
    for r in runs:
        if r.chunk_metrics:
            console.print(f"[dim]{r.mode}: answer-bearing chunk hit@5 {r.chunk_metrics.get('chunk_hit@5', 0):.3f} "
                          f"over {r.n_chunk_queries} queries[/dim]")
        for n in r.notes:
            err_console.print(f"[yellow]note[/yellow] {n}")
