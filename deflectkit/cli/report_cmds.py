"""`deflect report roi|gaps|overlaps|owners|slo`: what the pilot achieved, what the help center lacks,
which articles say the same thing, who owns the articles agents rejected, and how much of each SLO's
error budget is left."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from deflectkit.cli.common import console, print_json, services

app = typer.Typer(help="Executive readouts: ROI before/after, content gaps, overlapping articles, owner inbox, SLOs.",
                  no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
DAY = ["%Y-%m-%d"]


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


@app.command("roi")
def roi(
    start: Annotated[datetime, typer.Option("--from", formats=DAY, help="First day of the pilot (UTC).")],
    end: Annotated[datetime, typer.Option("--to", formats=DAY, help="Last day of the pilot (UTC, inclusive).")],
    baseline_csv: Annotated[Path | None, typer.Option(
        "--baseline-csv", help="Pre-pilot tickets: ticket_id, opened_at, escalated, and optionally handle_time_s, "
                               "first_contact_resolution, deflected, agent (README 'Reports').")] = None,
    baseline_from: Annotated[datetime | None, typer.Option(
        "--baseline-from", formats=DAY, help="Or a baseline period of the feedback store: its first day.")] = None,
    baseline_to: Annotated[datetime | None, typer.Option(
        "--baseline-to", formats=DAY, help="The baseline period's last day (inclusive).")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the HTML readout here.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Heading of the HTML readout.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Before/after readout of a pilot with 95% intervals; -o writes a self-contained HTML page."""
    from feedback.roi import RoiConfig, readout_from_store

    if (baseline_from is None) != (baseline_to is None):
        raise typer.BadParameter("Give both --baseline-from and --baseline-to, or use --baseline-csv.")
    svc = services()
    period = (_day(baseline_from), _day(baseline_to)) if baseline_from else None
    readout = readout_from_store(svc.feedback, start.date(), end.date(), RoiConfig.from_settings(svc.settings),
                                 baseline_csv=baseline_csv, baseline_period=period)
    if output is not None:
        from evals.roi_report import write_roi

        write_roi(readout, output, title)
    if json_out:
        print_json(readout.model_dump(mode="json"))
        return
    from evals.roi_report import fmt_delta, fmt_value

    t = Table("figure", "baseline", "pilot", "change [95% interval]", "verdict")
    for m in readout.metrics:
        t.add_row(m.label, fmt_value(m.before.value if m.before else None, m.unit),
                  fmt_value(m.after.value if m.after else None, m.unit), fmt_delta(m.delta, m.unit), m.verdict)
    console.print(f"{readout.tickets} pilot tickets, {readout.active_agents} agents; baseline: "
                  f"{readout.baseline.source} ({readout.baseline.tickets} tickets)")
    console.print(t)
    if output is not None:
        console.print(f"Wrote {output}")


@app.command("gaps")
def gaps(
    start: Annotated[datetime | None, typer.Option("--from", formats=DAY, help="First day (UTC).")] = None,
    end: Annotated[datetime | None, typer.Option("--to", formats=DAY, help="Last day (UTC, inclusive).")] = None,
    clusters: Annotated[int | None, typer.Option("--clusters", min=1, help="Number of topics; default: "
                                                 "chosen by silhouette (2 to 8).")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the HTML report here.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Content gaps: escalated-as-not-covered, low-confidence, outdated and heavily edited tickets by topic."""
    from feedback.errors import ReportError
    from feedback.gaps import gap_report_for

    if start and end and start > end:
        raise ReportError(f"--from {start:%Y-%m-%d} is after --to {end:%Y-%m-%d}; swap them.")
    report = gap_report_for(services(), _day(start), _day(end), clusters)
    if output is not None:
        from evals.gaps_report import write_gaps

        write_gaps(report, output)
    if json_out:
        print_json(report.model_dump(mode="json"))
        return
    from evals.gaps_report import TREND_ARROWS, period_text, signal_text

    console.print(f"{report.candidates} of {report.interactions} interactions point at content gaps "
                  f"({period_text(report)}), in {len(report.clusters)} topics.")
    for i, c in enumerate(report.clusters, 1):
        console.print(f"\n[bold]{i}. {c.topic}[/bold] · {c.count} tickets · {TREND_ARROWS[c.trend]} · "
                      f"{signal_text(c.signals)}", highlight=False)
        for a in c.failed_asks[:3]:
            console.print(f"   asks: {a}", highlight=False, markup=False)
        if c.nearest_articles:
            console.print("   nearest: " + "; ".join(a.title for a in c.nearest_articles), highlight=False,
                          markup=False)
    if output is not None:
        console.print(f"\nWrote {output}")


@app.command("overlaps")
def overlaps(
    version: Annotated[int | None, typer.Option("--version", help="Index version; default the active one.")] = None,
    min_cosine: Annotated[float | None, typer.Option("--min-cosine", min=0.01, max=1.0, help=(
        "How close (cosine) two passages must be to say the same thing; default 0.9."))] = None,
    min_share: Annotated[float | None, typer.Option("--min-share", min=0.01, max=1.0, help=(
        "Share of the smaller article's passages that must have such a twin in the other; default 0.5."))] = None,
    json_out: JsonOpt = False,
) -> None:
    """Articles that say the same thing: each holds the other's answers back. Merge them, or make each say what it is for."""
    found = services().overlaps(version, min_cosine, min_share)
    if json_out:
        print_json([o.model_dump(mode="json") for o in found])
        return
    if not found:
        console.print("No two articles say the same thing.")
        return
    console.print(f"{len(found)} article pairs say the same thing. Drafts citing one are held back by the other "
                  "(\"another article matches about as well\"): merge each pair, or make each article say which "
                  "product, version or case it is for.", highlight=False)
    t = Table("article", "and article", "shared passages")
    for o in found:
        t.add_row(f"{o.title_a}\n{o.doc_a}", f"{o.title_b}\n{o.doc_b}", f"{o.passages} ({o.share:.0%})")
    console.print(t)


@app.command("owners")
def owners(
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner's inbox.")] = None,
    start: Annotated[datetime | None, typer.Option("--from", formats=DAY, help="First day (UTC).")] = None,
    end: Annotated[datetime | None, typer.Option("--to", formats=DAY, help="Last day (UTC, inclusive).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Owner inbox: thumbs-down and outdated-source drafts, listed for the owner of each cited article."""
    from feedback.owners import owner_inbox_for

    boxes = owner_inbox_for(services(), _day(start), _day(end), owner)
    if json_out:
        print_json([b.model_dump(mode="json") for b in boxes])
        return
    if not boxes:
        console.print("Nothing to review: no cited article was voted down or flagged outdated.")
    for b in boxes:
        console.print(f"[bold]{b.owner}[/bold]: {len(b.items)} items, {b.outdated} outdated source", highlight=False)
        t = Table("day", "article", "vote", "reason", "agent", "comment", "request")
        for i in b.items:
            t.add_row(f"{i.created_at:%Y-%m-%d}", i.title, i.thumbs or "", i.reason or "", i.agent, i.comment,
                      i.request_id)
        console.print(t)


@app.command("slo")
def slo(json_out: JsonOpt = False) -> None:
    """Error budget left and burn rates (1 h, 24 h) of the draft latency, availability and precision SLOs."""
    from feedback.slo import SloConfig, slos_from_store

    svc = services()
    statuses = slos_from_store(svc.feedback, SloConfig.from_settings(svc.settings))
    if json_out:
        print_json([s.model_dump(mode="json") for s in statuses])
        return

    def pct(v: float | None) -> str:
        return "–" if v is None else f"{v:.1%}"

    def rate(v: float | None) -> str:
        return "–" if v is None else f"{v:.2f}"

    t = Table("SLO", "objective", "events", "good", "budget left", "burn 1 h", "burn 24 h", "fast burn")
    for s in statuses:
        t.add_row(s.name.replace("_", " "), pct(s.objective), str(s.events), pct(s.good_share),
                  pct(s.error_budget_left), rate(s.burn_rate_1h), rate(s.burn_rate_24h), "YES" if s.fast_burn else "")
    console.print(t)
    if not statuses[1].events:
        console.print("No request outcomes recorded: availability is measured where requests are served (the API).")
