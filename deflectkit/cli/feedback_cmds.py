"""`deflect users|feedback|retention|audit|replay`: the feedback store from the command line.

Sub-apps: users_app (add, list), feedback_app (export), retention_app (apply), audit_app (verify, anchor);
plus the `replay` command function.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from pydantic import ValidationError
from rich.table import Table

from deflectkit.cli.common import console, err_console, print_json

if TYPE_CHECKING:
    from assistant.models import Answer
    from feedback.models import FeedbackFilter
    from feedback.store import FeedbackStore

users_app = typer.Typer(help="Local accounts and their roles (agent, admin, evaluator).", no_args_is_help=True)
feedback_app = typer.Typer(help="Agent feedback: export it as a labeled dataset.", no_args_is_help=True)
retention_app = typer.Typer(help="Delete or redact ticket text older than retention_days.", no_args_is_help=True)
audit_app = typer.Typer(help="The append-only, hash-chained audit log.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
# Filters shared by `feedback export` and `replay` (they build one FeedbackFilter).
ThumbsOpt = Annotated[Literal["up", "down"] | None, typer.Option("--thumbs", help="Latest vote: up or down.")]
EditedOpt = Annotated[bool, typer.Option("--edited", help="Only drafts the agent edited.")]
EscalatedOpt = Annotated[bool, typer.Option("--escalated", help="Only tickets an agent escalated.")]
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="Reason code: wrong, incomplete, outdated_source, "
                                                                 "not_grounded, not_in_docs, tone, other.")]
SinceOpt = Annotated[datetime | None, typer.Option("--since", formats=["%Y-%m-%d"], help="From this UTC day.")]
UntilOpt = Annotated[datetime | None, typer.Option("--until", formats=["%Y-%m-%d"], help="Up to this UTC day.")]
IndexOpt = Annotated[int | None, typer.Option("--index-version", help="Only answers from this index version.")]
ProviderOpt = Annotated[str | None, typer.Option("--provider", help="Only answers from this LLM provider.")]


def settings():
    from deflectkit.core.config import load_settings

    return load_settings()


def open_store(cfg=None) -> FeedbackStore:
    from feedback.store import FeedbackStore

    return FeedbackStore.from_settings(cfg or settings())


def actor() -> str:
    return f"cli:{getpass.getuser()}"


def build_filter(thumbs=None, edited=False, escalated=False, reason=None, since=None, until=None,
                 index_version=None, provider=None) -> FeedbackFilter:
    from feedback.models import FeedbackFilter

    try:
        return FeedbackFilter(thumbs=thumbs, edited=edited or None, escalated=escalated or None, reason=reason,
                              since=since.date() if since else None, until=until.date() if until else None,
                              index_version=index_version, provider=provider)
    except ValidationError as e:
        raise typer.BadParameter("; ".join(err["msg"] for err in e.errors())) from e


# --- users --------------------------------------------------------------------------------------
@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (as the SSO proxy sends it, if you use one).")],
    role: Annotated[Literal["agent", "admin", "evaluator"], typer.Option("--role", help="agent | admin | evaluator")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    password: Annotated[str | None, typer.Option("--password", help="Password (visible in shell history; "
                                                                    "prefer --password-stdin).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a user (this is how the first admin is made). Without a password: SSO sign-in only."""
    if password_stdin and password is not None:
        raise typer.BadParameter("Use either --password-stdin or --password, not both.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    user = open_store().users.add(name, role, password=password, actor=actor())
    if json_out:
        print_json(user.model_dump(mode="json"))
    else:
        console.print(f"Created [bold]{user.name}[/bold] ({user.role}{', password' if user.has_password else ''})")


@users_app.command("list")
def users_list(json_out: JsonOpt = False) -> None:
    """Users and their roles."""
    users = open_store().users.list()
    if json_out:
        print_json([u.model_dump(mode="json") for u in users])
        return
    t = Table("name", "role", "source", "password", "disabled", "created (UTC)")
    for u in users:
        t.add_row(u.name, u.role, u.source, "yes" if u.has_password else "", "yes" if u.disabled else "",
                  u.created_at.isoformat(timespec="seconds") if u.created_at else "")
    console.print(t)


# --- feedback export ------------------------------------------------------------------------------
@feedback_app.command("export")
def feedback_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="JSONL file to write.")],
    thumbs: ThumbsOpt = None, edited: EditedOpt = False, escalated: EscalatedOpt = False, reason: ReasonOpt = None,
    since: SinceOpt = None, until: UntilOpt = None, index_version: IndexOpt = None, provider: ProviderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write matching interactions as a labeled dataset (the demo/questions.jsonl shape) for evals."""
    from feedback.export import export_dataset

    flt = build_filter(thumbs, edited, escalated, reason, since, until, index_version, provider)
    report = export_dataset(open_store(), flt, output, actor=actor())
    if json_out:
        print_json(report.model_dump(mode="json"))
    else:
        console.print(f"Wrote {report.written} items to {report.path}"
                      + (f" ({report.skipped_redacted} redacted skipped)" if report.skipped_redacted else ""))


# --- retention ------------------------------------------------------------------------------------
@retention_app.command("apply")
def retention_apply(
    days: Annotated[int | None, typer.Option("--days", help="Override retention_days.")] = None,
    mode: Annotated[Literal["delete", "redact"] | None, typer.Option("--mode", help="Override retention_mode.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, change nothing.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Delete or redact ticket, draft and edit text older than retention_days; reports rows per table."""
    cfg = settings()
    report = open_store(cfg).apply_retention(cfg.retention_days if days is None else days,
                                             mode or cfg.retention_mode, actor(), dry_run=dry_run)
    # Cached drafts carry (redacted) ticket text too: expired ones go with every retention run.
    from assistant.providers.cache import ResponseCache

    cache = ResponseCache.from_settings(cfg)
    expired = cache.count_expired() if dry_run else cache.purge_expired()
    report = report.model_copy(update={"rows": {**report.rows, "response_cache (expired)": expired}})
    if json_out:
        print_json(report.model_dump(mode="json"))
        return
    if report.cutoff is None:
        console.print("Retention is off (retention_days = 0): nothing to do.")
        return
    t = Table("table", f"rows {'to be ' if dry_run else ''}{report.mode}{'d' if report.mode == 'delete' else 'ed'}")
    for table, n in report.rows.items():
        t.add_row(table, str(n))
    console.print(f"Cutoff {report.cutoff.isoformat(timespec='seconds')} ({report.days} days)")
    console.print(t)
    if report.outbox_pending_kept:
        console.print(f"Kept {report.outbox_pending_kept} undelivered escalation(s); run delivery first.")


# --- audit ---------------------------------------------------------------------------------------
@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[str | None, typer.Option(
        "--anchor", help="HASH:ROW printed by `deflect audit anchor` (or a file holding it): also check that "
        "row ROW is still there with that hash, so deleted last rows and a rewritten log are caught.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Recompute the hash chain; exit 1 naming any edited or deleted row."""
    report = open_store().audit.verify(read_anchor(anchor) if anchor else None)
    if json_out:
        print_json(report.model_dump(mode="json"))
    elif report.ok:
        console.print(f"Audit log OK: {report.rows} rows, head {report.head_hash[:16]}…")
    else:
        for p in report.problems:
            err_console.print(f"[red]row {p.seq}: {p.kind}[/red] — {p.detail}")
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor(json_out: JsonOpt = False) -> None:
    """Print the log's head as HASH:ROW, to keep where the database's writers cannot reach (run it periodically)."""
    from feedback.audit import Anchor

    report = open_store().audit.verify()
    anchor = Anchor(report.head_seq, report.head_hash)
    if json_out:
        print_json({"anchor": str(anchor), "head_seq": anchor.seq, "head_hash": anchor.hash, "rows": report.rows,
                    "ok": report.ok})
    else:
        print(anchor)
    if not report.ok:
        err_console.print("[red]The audit log does not verify[/red]: this anchor vouches for a damaged log. "
                          "Run `deflect audit verify` to see why.")
        raise typer.Exit(1)


def read_anchor(value: str):
    """An anchor given as HASH:ROW, or as a file holding it (the line, or the JSON of `audit anchor --json`)."""
    import re

    from feedback.audit import Anchor

    path = Path(value)
    if ":" not in value or path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise typer.BadParameter(f"--anchor {value!r} is neither HASH:ROW nor a readable file ({e.strerror}).") \
                from e
        found = re.search(r"\b[0-9a-f]{64}:\d+\b", text)
        value = found.group(0) if found else text
    return Anchor.parse(value)


# --- replay --------------------------------------------------------------------------------------
def make_answer_fn(cfg) -> Callable[[str], Answer]:
    """The current pipeline under the live flags, built by the composition root like every entry point."""
    from deflectkit.app import Services

    return Services(cfg).answer_fn()


def replay(
    thumbs: ThumbsOpt = None, edited: EditedOpt = False, escalated: EscalatedOpt = False, reason: ReasonOpt = None,
    since: SinceOpt = None, until: UntilOpt = None, index_version: IndexOpt = None, provider: ProviderOpt = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Replay at most N interactions (newest).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Re-run recorded tickets through the current pipeline: fixed / still wrong / regressed / unchanged / unrated."""
    from feedback.replay import replay as run_replay

    flt = build_filter(thumbs, edited, escalated, reason, since, until, index_version, provider)
    if limit:
        flt = flt.model_copy(update={"limit": limit})
    cfg = settings()
    store = open_store(cfg)
    answer_fn = make_answer_fn(cfg)
    report = run_replay(store, flt, answer_fn,
                        progress=None if json_out else lambda i, n: err_console.print(f"replayed {i}/{n}", end="\r"))
    if json_out:
        print_json(report.model_dump(mode="json"))
        return
    t = Table("request", "verdict", "old conf", "new conf", "old docs", "new docs")
    for it in report.items:
        new = it.new
        t.add_row(it.request_id, it.verdict, f"{it.old.confidence:.2f} {it.old.decision}",
                  f"{new.confidence:.2f} {new.decision}" if new else it.error,
                  ", ".join(it.old.cited_doc_ids), ", ".join(new.cited_doc_ids) if new else "")
    console.print(t)
    console.print(" ".join(f"{k}={v}" for k, v in report.counts.items()) + f"  (total {report.total})")
