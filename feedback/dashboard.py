"""Dashboard aggregates as a pure function over outcome rows (one dict per interaction)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Literal

import numpy as np

from feedback.models import DashboardRow

GroupBy = Literal["day", "index_version", "prompt_version", "calibration_version", "provider", "release", "all"]


def _share(n: int, total: int) -> float:
    return n / total if total else 0.0


def _percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def summarize(key: str, rows: list[dict]) -> DashboardRow:
    volume = len(rows)
    answered = sum(r["decision"] == "answer" for r in rows)
    agent_escalated = sum(bool(r["escalated"]) for r in rows)
    # outcome precedence: an agent escalation beats a send; a send after an edit counts as edited
    sent = [r for r in rows if r["sent"] and not r["escalated"]]
    edited = sum(bool(r["edited"]) for r in sent)
    up = sum(r["thumbs"] == "up" for r in rows)
    down = sum(r["thumbs"] == "down" for r in rows)
    latencies = [r["latency_s"] for r in rows if r["latency_s"] is not None]
    cost = float(sum(r["cost"] or 0.0 for r in rows))
    return DashboardRow(
        key=key, volume=volume, answered=answered, escalated=volume - answered,
        answered_share=_share(answered, volume), escalated_share=_share(volume - answered, volume),
        used_as_is=len(sent) - edited, edited=edited, agent_escalated=agent_escalated,
        unused=volume - len(sent) - agent_escalated,
        thumbs_up=up, thumbs_down=down, thumbs_ratio=up / (up + down) if up + down else None,
        reasons=dict(sorted(Counter(r["reason"] for r in rows if r["reason"]).items())),
        latency_p50=_percentile(latencies, 50), latency_p95=_percentile(latencies, 95),
        cost_total=cost, cost_per_answer=cost / volume if volume else None,
        cost_per_used_draft=cost / len(sent) if sent else None,
    )


def aggregate(rows: list[dict], by: GroupBy = "day") -> list[DashboardRow]:
    """One DashboardRow per group, sorted by key ('all' gives a single row, also for no rows)."""
    if by == "all":
        return [summarize("all", rows)]
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups["" if r[by] is None else str(r[by])].append(r)
    numeric = by == "index_version"
    return [summarize(k, groups[k]) for k in sorted(groups, key=lambda k: (int(k) if k else -1) if numeric else k)]
