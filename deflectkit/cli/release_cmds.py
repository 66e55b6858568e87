"""`deflect release`: create releases, switch the live one, shadow a candidate, canary it with gates.

    deflect release create base --from-current            # what drafts today, as a release
    deflect release activate base                         # the live pointer (atomic, audited)
    deflect release create strict --set answer_threshold=0.85
    deflect release shadow strict                         # answers every live ticket too, never shown
    deflect release canary strict --stages 5,25,50,100    # offline gate first, then gated stages
    deflect release status                                # stage, gates and their intervals
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from deflectkit.cli.common import cli_actor, console, err_console, print_json, progress_bars, services

app = typer.Typer(help="Releases: bundles of what decides a draft; live pointer, shadow, gated canary.",
                  no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
NameArg = Annotated[str, typer.Argument(help="Release name (deflect release list).")]


def _overrides(pairs: list[str]) -> dict[str, str]:
    from deflectkit.core.config.releases import RELEASE_FIELDS
    from feedback.releases import ReleaseError

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lower().removeprefix("deflect_")
        if not sep or not key:
            raise ReleaseError(f"Bad --set {pair!r}: use KEY=VALUE, e.g. --set answer_threshold=0.85.")
        if key not in RELEASE_FIELDS:
            raise ReleaseError(f"{key!r} is not a setting that shapes answers, so a release does not hold it. "
                               f"Use one of: {', '.join(RELEASE_FIELDS)}.")
        out[key] = value.strip()
    return out


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="A new name (letters, digits, . _ + -); never reused.")],
    from_current: Annotated[bool, typer.Option(
        "--from-current", help="Start from the current settings (DEFLECT_* variables) instead of the live release.")] = False,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="KEY=VALUE of an answer-shaping setting, e.g. answer_threshold=0.85 (repeatable).")] = None,
    version: Annotated[str | None, typer.Option(help="Semantic version (default: the next minor one).")] = None,
    index_version: Annotated[int | None, typer.Option(
        help="Search this index version (default: the live release's choice; none: follow the active index).")] = None,
    note: Annotated[str, typer.Option(help="Why this release exists.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Create a release: index version, prompt, provider and model, calibration, and the answer settings."""
    from deflectkit.core.config import load_settings
    from feedback.releases import ReleaseError, answer_settings, new_release

    svc = services()
    releases = svc.feedback.releases
    live = releases.live()
    base = releases.require(live) if live and not from_current else None
    values = {**(base.settings if base else answer_settings(svc.settings)), **_overrides(set_ or [])}
    cfg = load_settings(**values)
    pinned = index_version if index_version is not None else (base.index_version if base else None)
    if pinned is not None and (svc.catalog.version(pinned) or {}).get("status") != "ready":
        raise ReleaseError(f"Index version {pinned} is not a ready version; `deflect index list` shows them.")
    release = releases.create(new_release(name, cfg, version or releases.next_version(), pinned, note), cli_actor())
    _show(release, releases, as_json)


@app.command("list")
def list_releases(as_json: JsonOpt = False) -> None:
    """Releases, oldest first, with the live and shadow ones marked."""
    releases = services().feedback.releases
    rows, pointers = releases.list(), releases.pointers()
    if as_json:
        print_json([{**r.model_dump(exclude={"settings"}), "live": pointers.get("live") == r.name,
                     "shadow": pointers.get("shadow") == r.name} for r in rows])
        return
    t = Table("name", "version", "role", "index", "provider", "prompt", "calibration", "settings")
    for r in rows:
        role = "● live" if pointers.get("live") == r.name else "shadow" if pointers.get("shadow") == r.name else ""
        t.add_row(r.name, r.version, role, _index(r.index_version), f"{r.provider} {r.model}".strip(),
                  r.prompt_version, r.calibration_version or "-", r.settings_hash)
    console.print(t)


@app.command("show")
def show(name: NameArg, as_json: JsonOpt = False) -> None:
    """One release: what it bundles, and how its settings differ from the live release's."""
    releases = services().feedback.releases
    _show(releases.require(name), releases, as_json)


@app.command("activate")
def activate(name: NameArg, as_json: JsonOpt = False) -> None:
    """Make NAME the live release from the next request on (atomic, audited); also how to roll back by hand."""
    releases = services().feedback.releases
    before = releases.activate(name, cli_actor())
    if as_json:
        print_json({"live": name, "previous": before})
        return
    console.print(f"Live release: [bold]{name}[/bold] (was {before or 'none'})")


@app.command("shadow")
def shadow(
    name: Annotated[str | None, typer.Argument(help="Release that answers every live ticket in the background.")] = None,
    stop: Annotated[bool, typer.Option("--stop", help="Stop shadowing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Answer every live ticket with NAME too, off the request path; its answers are stored, never shown."""
    if bool(name) == stop:
        raise typer.BadParameter("give a release NAME, or --stop")
    releases = services().feedback.releases
    before = releases.set_shadow(None if stop else name, cli_actor())
    if as_json:
        print_json({"shadow": None if stop else name, "previous": before})
        return
    console.print("Shadow stopped." if stop else f"Shadowing [bold]{name}[/bold]: compare it on the evaluator page "
                  "or with `deflect release status`.")


@app.command("canary")
def canary(
    name: Annotated[str | None, typer.Argument(help="Candidate release.")] = None,
    stages: Annotated[str | None, typer.Option(
        help="Comma list of traffic percents ending at 100 (default DEFLECT_RELEASE_CANARY_STAGES).")] = None,
    min_tickets: Annotated[int | None, typer.Option(
        min=1, help="Tickets each side needs per stage before the gates are judged (default DEFLECT_RELEASE_MIN_TICKETS).")] = None,
    gates: Annotated[str | None, typer.Option(
        help="Gates in the order judged, each optionally =MARGIN tolerated: thumbs_down, escalation, used_as_is, "
             "edit_distance, error, p95_latency (default: all, margin 0).")] = None,
    stop: Annotated[bool, typer.Option("--stop", help="Stop the running canary; all traffic goes to live.")] = False,
    progress: Annotated[bool, typer.Option(help="Show the offline gate's progress on stderr.")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Offline gate first, then send a growing share of tickets to NAME, promoting only on passing gates."""
    from deflectkit.core.config.releases import canary_stages
    from evals.release_gate import offline_gate
    from feedback.canary import parse_gates
    from feedback.releases import ReleaseError

    if bool(name) == stop:
        raise typer.BadParameter("give a release NAME, or --stop")
    svc = services()
    releases = svc.feedback.releases
    if stop:
        running = releases.canary()
        if running is None or running.status != "running":
            raise ReleaseError("No canary is running.")
        done = releases.transition(running.id, running.stage, "stop", {"reason": "stopped by hand"}, cli_actor())
        _print_canary(done, None, as_json)
        return
    try:
        steps = canary_stages(stages or svc.settings.release_canary_stages)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--stages") from e
    chosen = parse_gates(gates)
    releases.require(name)
    live = releases.live()
    if live is None:
        raise ReleaseError("No live release to compare with: deflect release create NAME --from-current, then "
                           "deflect release activate NAME.")
    err_console.print(f"Offline gate: {name} vs {live} on {', '.join(svc.settings.release_gate_datasets)}")
    with progress_bars(progress) as cb:
        gate = offline_gate(svc.release_settings(live), svc.release_settings(name), svc.settings.release_gate_datasets,
                            progress=cb)
    started = releases.start_canary(name, steps, min_tickets or svc.settings.release_min_tickets, chosen,
                                    gate.model_dump(), cli_actor())
    _print_canary(started, None, as_json)


@app.command("check")
def check(as_json: JsonOpt = False) -> None:
    """Judge the running canary's gates now: promote, wait for tickets, or halt and roll back."""
    svc = services()
    result = svc.check_canary(actor=cli_actor())
    _print_canary(svc.feedback.releases.canary(), result, as_json)


@app.command("status")
def status(as_json: JsonOpt = False) -> None:
    """Live and shadow releases, the canary's stage, its gates and their intervals (read only)."""
    from feedback.canary import evaluate
    from feedback.shadow import compare_stored

    svc = services()
    releases = svc.feedback.releases
    pointers, running = releases.pointers(), releases.canary()
    check = None
    if running is not None and running.status == "running":
        check = evaluate(releases, running, svc.settings.eval_bootstrap_samples, svc.settings.eval_seed)
    shadowed = compare_stored(svc.feedback.shadows, pointers["shadow"], limit=0) if "shadow" in pointers else None
    if as_json:
        print_json({"live": pointers.get("live"), "shadow": shadowed and shadowed.model_dump(),
                    "canary": running and running.model_dump(), "check": check and check.model_dump()})
        return
    console.print(f"Live release: [bold]{pointers.get('live') or 'none'}[/bold]")
    if shadowed:
        console.print(f"Shadow: [bold]{shadowed.release}[/bold], {shadowed.n} tickets answered"
                      + (f" of {shadowed.live_tickets} live" if shadowed.live_tickets else "")
                      + (f", same decision {shadowed.same_decision.value:.0%}" if shadowed.n else ""))
    _print_canary(running, check, False)


def fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def _index(v: int | None) -> str:
    return "active" if v is None else str(v)


def _show(release, releases, as_json: bool) -> None:
    live = releases.live()
    base = releases.get(live) if live and live != release.name else None
    changed = {k: [base.settings.get(k), v] for k, v in release.settings.items()
               if base is not None and base.settings.get(k) != v}
    if as_json:
        print_json({**release.model_dump(), "live": live == release.name, "differs_from_live": changed})
        return
    t = Table(show_header=False, box=None)
    for k in ("name", "version", "provider", "model", "prompt_version", "calibration_version", "settings_hash",
              "created_at", "created_by", "note"):
        t.add_row(k, str(getattr(release, k) or "-"))
    t.add_row("index_version", _index(release.index_version))
    t.add_row("live", "yes" if live == release.name else "no")
    console.print(t)
    if changed:
        console.print(f"[bold]Differs from the live release {live}:[/bold]")
        for k, (old, new) in changed.items():
            console.print(f"  {k}: {old} -> {new}")


def _print_canary(canary, check, as_json: bool) -> None:
    if as_json:
        print_json({"canary": canary and canary.model_dump(), "check": check and check.model_dump()})
        return
    if canary is None:
        console.print("No canary has run.")
        return
    where = f"{canary.percent}% of tickets" if canary.status == "running" else canary.status.replace("_", " ")
    console.print(f"Canary [bold]{canary.release}[/bold] vs {canary.baseline}: {where} (stages "
                  f"{', '.join(map(str, canary.stages))})")
    if canary.halted_gate:
        console.print(f"[red]Halted on {canary.halted_gate}[/red]; all traffic back on {canary.baseline}.")
    check = check.model_dump() if check is not None else canary.last_check
    if not check or "gates" not in check:
        return
    console.print(f"Stage {check['stage']}%: live {check['n_live']} / candidate {check['n_candidate']} tickets "
                  f"(judged at {check['min_tickets']} each) -> [bold]{check['decision']}[/bold]")
    t = Table("gate", "live", "candidate", "diff", f"{check['level']:.1%} interval", "margin", "verdict")
    for g in check["gates"]:
        color = {"fail": "red", "pass": "green"}.get(g["verdict"], "dim")
        t.add_row(g["gate"], fmt(g["live"]), fmt(g["candidate"]), fmt(g["diff"]),
                  f"[{fmt(g['low'])}, {fmt(g['high'])}]", f"{g['margin']:g}", f"[{color}]{g['verdict']}[/{color}]")
    console.print(t)
