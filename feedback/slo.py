"""Service level objectives per capability, with the error budget left and the burn rates over the last
hour and the last day (the Google SRE workbook's error-budget arithmetic).

- draft latency: a draft is good when it took at most `draft_latency_s`; objective 95% (a p95 target);
- availability: an API request is good unless it ended in a 5xx; objective `availability`;
- answer precision (proxy): a rated draft is good unless voted down; objective 1 - `thumbs_down_rate`.

An SLO allows (1 - objective) of its events to be bad over the window: that is the error budget. The
burn rate over a span is its bad share divided by that allowance: 1 spends the budget exactly over the
window, 14.4 spends 2% of a 30-day budget in one hour. Drafts and votes come from the feedback store;
request outcomes are handed in by whoever serves requests (the API), as (timestamp, ok, latency_s).

    statuses = slo_statuses(SloConfig.from_settings(settings), store.ticket_records(...), outcomes, now)
    if any(s.fast_burn for s in statuses): ...   # e.g. trip the generation kill switch (opt-in)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, Field

from feedback.models import FeedbackFilter, TicketRecord
from feedback.queries import as_utc

SloName = Literal["draft_latency", "availability", "answer_precision"]
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


class RequestOutcome(NamedTuple):
    """One served request: when it ended, whether it succeeded (not a 5xx), and how long it took."""

    at: datetime
    ok: bool
    latency_s: float


class Event(NamedTuple):
    at: datetime
    good: bool


class SloConfig(BaseModel):
    draft_latency_s: float = Field(10.0, gt=0)
    latency_objective: float = Field(0.95, gt=0, lt=1, description="Share of drafts within draft_latency_s.")
    availability: float = Field(0.995, gt=0, lt=1)
    thumbs_down_rate: float = Field(0.1, gt=0, lt=1)
    window_days: int = Field(28, ge=1)
    fast_burn: float = Field(14.4, gt=1)
    min_events: int = Field(10, ge=1, description="Events in the last hour before a fast burn can be called: "
                                                 "one slow draft out of two is noise, not an incident.")

    @classmethod
    def from_settings(cls, settings) -> SloConfig:
        return cls(draft_latency_s=settings.slo_draft_latency_s, availability=settings.slo_availability,
                   thumbs_down_rate=settings.slo_thumbs_down_rate, window_days=settings.slo_window_days,
                   fast_burn=settings.slo_fast_burn)


class SloStatus(BaseModel):
    name: SloName
    objective: float = Field(description="Target share of good events.")
    events: int = Field(description="Events in the SLO window.")
    bad: int
    good_share: float | None = Field(description="None without events.")
    error_budget_left: float | None = Field(
        description="1 = untouched, 0 = spent, below 0 = overspent; None without events.")
    burn_rate_1h: float | None
    burn_rate_24h: float | None
    events_1h: int
    events_24h: int
    fast_burn: bool = Field(description="burn_rate_1h at or above the fast-burn threshold, on enough events.")
    p95_latency_s: float | None = Field(None, description="draft_latency only: the window's p95.")


def burn_rate(events: Sequence[Event], objective: float) -> float | None:
    """Bad share over the allowed bad share (1 - objective); None without events."""
    if not events:
        return None
    return sum(not e.good for e in events) / len(events) / (1 - objective)


def error_budget_left(events: Sequence[Event], objective: float) -> float | None:
    """1 - bad / ((1 - objective) x events): the share of the window's budget not yet spent."""
    if not events:
        return None
    return 1 - sum(not e.good for e in events) / ((1 - objective) * len(events))


def status(name: SloName, events: Sequence[Event], objective: float, now: datetime, cfg: SloConfig) -> SloStatus:
    now = as_utc(now)
    window = [e for e in events if now - timedelta(days=cfg.window_days) < as_utc(e.at) <= now]
    last_hour = [e for e in window if as_utc(e.at) > now - HOUR]
    last_day = [e for e in window if as_utc(e.at) > now - DAY]
    bad = sum(not e.good for e in window)
    burn_1h = burn_rate(last_hour, objective)
    return SloStatus(name=name, objective=objective, events=len(window), bad=bad,
                     good_share=1 - bad / len(window) if window else None,
                     error_budget_left=error_budget_left(window, objective), burn_rate_1h=burn_1h,
                     burn_rate_24h=burn_rate(last_day, objective), events_1h=len(last_hour),
                     events_24h=len(last_day),
                     fast_burn=burn_1h is not None and burn_1h >= cfg.fast_burn and len(last_hour) >= cfg.min_events)


def slo_statuses(cfg: SloConfig, records: Sequence[TicketRecord], outcomes: Sequence[RequestOutcome],
                 now: datetime) -> list[SloStatus]:
    """The three SLOs at `now`: draft latency and answer precision from the recorded drafts, availability
    from the request outcomes (no outcomes: no events, budget None)."""
    now = as_utc(now)
    drafts = [r for r in records if r.latency_s is not None]
    latency = status("draft_latency", [Event(r.created_at, r.latency_s <= cfg.draft_latency_s) for r in drafts],
                     cfg.latency_objective, now, cfg)
    since = now - timedelta(days=cfg.window_days)
    recent = [r.latency_s for r in drafts if since < as_utc(r.created_at) <= now]
    latency.p95_latency_s = float(np.percentile(recent, 95)) if recent else None
    availability = status("availability", [Event(o.at, bool(o.ok)) for o in outcomes], cfg.availability, now, cfg)
    precision = status("answer_precision", [Event(r.created_at, r.thumbs != "down") for r in records
                                            if r.thumbs is not None], 1 - cfg.thumbs_down_rate, now, cfg)
    return [latency, availability, precision]


def slos_from_store(store, cfg: SloConfig, outcomes: Sequence[RequestOutcome] = (),
                    now: datetime | None = None) -> list[SloStatus]:
    """slo_statuses over the store's drafts of the SLO window (what the evaluator page and the CLI show)."""
    now = as_utc(now or datetime.now(UTC))
    records = store.ticket_records(FeedbackFilter(since=(now - timedelta(days=cfg.window_days)).date()))
    return slo_statuses(cfg, records, outcomes, now)
