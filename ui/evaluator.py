"""Evaluator page logic: dashboards as chart-ready frames, feedback replay and JSONL export."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from feedback.models import DashboardRow, FeedbackFilter, User
from feedback.replay import ReplayReport, replay
from ui.errors import UiError
from ui.services import Resources, answer_fn

GROUPS = {
    "day": "Day",
    "index_version": "Index version",
    "provider": "Provider",
    "prompt_version": "Prompt version",
    "calibration_version": "Calibration version",
    "release": "Release",
}
# The sets an evaluator picks from; each maps to FeedbackFilter fields.
FEEDBACK_SETS = {
    "all": {},
    "thumbs down": {"thumbs": "down"},
    "thumbs up": {"thumbs": "up"},
    "edited": {"edited": True},
    "escalated by an agent": {"escalated": True},
    "pipeline escalated": {"decision": "escalate"},
}


def make_filter(
    feedback_set: str = "all",
    reason: str | None = None,
    since: date | None = None,
    until: date | None = None,
    index_version: int | None = None,
    provider: str | None = None,
    limit: int | None = None,
) -> FeedbackFilter:
    try:
        return FeedbackFilter(
            **FEEDBACK_SETS[feedback_set],
            reason=reason or None,
            since=since,
            until=until,
            index_version=index_version,
            provider=provider or None,
            limit=limit,
        )
    except ValidationError as e:
        raise UiError("; ".join(err["msg"].removeprefix("Value error, ") for err in e.errors())) from e


def dashboard(res: Resources, flt: FeedbackFilter | None, by: str) -> pd.DataFrame:
    """One row per group with every DashboardRow field; empty frame (with columns) when nothing matches."""
    rows: list[DashboardRow] = res.store.dashboard(flt, by=by)
    frame = pd.DataFrame([r.model_dump() for r in rows], columns=list(DashboardRow.model_fields))
    return frame.set_index("key")


def totals(res: Resources, flt: FeedbackFilter | None) -> DashboardRow:
    return res.store.dashboard(flt, by="all")[0]


def volume_chart(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["answered", "escalated"]].rename(
        columns={"answered": "answered", "escalated": "escalated by the assistant"}
    )


def outcome_chart(frame: pd.DataFrame) -> pd.DataFrame:
    """What agents did with the drafts: the deflection proxy."""
    return frame[["used_as_is", "edited", "agent_escalated", "unused"]].rename(
        columns={"used_as_is": "used as-is", "agent_escalated": "escalated by agent"}
    )


def share_chart(frame: pd.DataFrame) -> pd.DataFrame:
    used = (frame["used_as_is"] + frame["edited"]) / frame["volume"].where(frame["volume"] > 0)
    return pd.DataFrame(
        {
            "answered share": frame["answered_share"],
            "drafts used share": used.fillna(0.0),
            "thumbs up ratio": frame["thumbs_ratio"].astype(float),
        },
        index=frame.index,
    )


def reasons_chart(frame: pd.DataFrame) -> pd.DataFrame:
    """Reason codes of thumbs-down votes per group (groups as rows, codes as columns)."""
    wide = pd.DataFrame(list(frame["reasons"]), index=frame.index).fillna(0).astype(int)
    return wide.loc[:, sorted(wide.columns)] if not wide.empty else wide


def thumbs_chart(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["thumbs_up", "thumbs_down"]].rename(
        columns={"thumbs_up": "thumbs up", "thumbs_down": "thumbs down"}
    )


def latency_chart(frame: pd.DataFrame) -> pd.DataFrame:
    return (
        frame[["latency_p50", "latency_p95"]]
        .astype(float)
        .rename(columns={"latency_p50": "p50 (s)", "latency_p95": "p95 (s)"})
    )


def cost_chart(frame: pd.DataFrame) -> pd.DataFrame:
    return (
        frame[["cost_per_answer", "cost_per_used_draft"]]
        .astype(float)
        .rename(columns={"cost_per_answer": "per answer", "cost_per_used_draft": "per used draft"})
    )


# --- replay --------------------------------------------------------------------------------------
# What each verdict means, shown beside the counts (definitions: feedback/replay.py).
VERDICT_LEGEND = {
    "fixed": "The old answer was judged wrong (a 👎, an agent escalation, or an answer to a ticket marked out "
             "of scope); the current pipeline does better.",
    "still_wrong": "The old answer was judged wrong, and the current pipeline does no better.",
    "regressed": "The old answer was judged right (sent or 👍, or rightly escalated); the current pipeline "
                 "does worse. Look at these first.",
    "unchanged": "The old answer was judged right, and the current pipeline keeps it right.",
    "unrated": "Nobody rated, sent, edited or escalated the old answer, so whether it was right is unknown: "
               "the new answer is shown, not scored.",
    "error": "The current pipeline failed on this ticket (the message is shown).",
}
VERDICT_LABELS = {v: v.replace("_", " ") for v in VERDICT_LEGEND}


def legend_markdown() -> str:
    return "\n".join(f"- **{VERDICT_LABELS[v]}**: {text}" for v, text in VERDICT_LEGEND.items())


def run_replay(
    res: Resources,
    flt: FeedbackFilter,
    progress: Callable[[int, int], None] | None = None,
    answer: Callable[[str], Any] | None = None,
) -> ReplayReport:
    """Re-run the set through the current pipeline (at most settings.ui_replay_limit, newest first)."""
    limit = getattr(res.settings, "ui_replay_limit", 50)
    flt = flt.model_copy(update={"limit": min(flt.limit or limit, limit)})
    if res.store.count_interactions(flt) == 0:
        raise UiError("No interactions match this feedback set: widen the filters.")
    return replay(res.store, flt, answer or answer_fn(res), progress=progress)


def _side(side) -> dict[str, Any]:
    if side is None:
        return {"decision": "", "confidence": None, "docs": "", "draft": ""}
    return {
        "decision": side.decision,
        "confidence": round(side.confidence, 2),
        "docs": ", ".join(side.cited_doc_ids),
        "draft": side.draft,
    }


def replay_rows(report: ReplayReport) -> list[dict[str, Any]]:
    rows = []
    for item in report.items:
        old, new = _side(item.old), _side(item.new)
        rows.append(
            {
                "request": item.request_id,
                "verdict": item.verdict,
                "ticket": item.ticket,
                **{f"old {k}": v for k, v in old.items()},
                **{f"new {k}": v for k, v in new.items()},
                "error": item.error,
            }
        )
    return rows


# --- export --------------------------------------------------------------------------------------
def export_jsonl(res: Resources, flt: FeedbackFilter, user: User) -> tuple[bytes, int]:
    """The labeled dataset as JSONL bytes for a download button, and how many items it holds (audited)."""
    from feedback.export import export_dataset

    with tempfile.TemporaryDirectory() as tmp:
        report = export_dataset(res.store, flt, Path(tmp) / "feedback.jsonl", actor=user.name)
        return Path(report.path).read_bytes(), report.written


def version_choices(res: Resources) -> tuple[list[int], list[str]]:
    """Index versions and providers seen in recorded interactions, for the filter pickers."""
    frame_v = res.store.dashboard(None, by="index_version")
    frame_p = res.store.dashboard(None, by="provider")
    versions = sorted(int(r.key) for r in frame_v if r.key)
    providers = sorted(r.key for r in frame_p if r.key)
    return versions, providers


def deflection_frame(res) -> pd.DataFrame:
    """Customer self-service per day and index version: asked, answered, resolved, deflection rate."""
    rows = res.store.selfservice.deflection()
    return pd.DataFrame([r.model_dump() for r in rows],
                        columns=["day", "index_version", "asked", "answered", "resolved", "deflection_rate"])
