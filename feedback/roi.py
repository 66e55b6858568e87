"""The ROI readout: before/after figures of a pilot, each delta with a seeded bootstrap 95% interval.

Every figure is a ratio of per-ticket sums, Σnum / Σden, so one bootstrap serves them all: a mean
(den = 1), a share (num = 0/1) and a cost per resolution (num = cost, den = resolved). The interval
of a delta resamples the baseline and the pilot tickets independently, after - before.

    before = read_baseline_csv("baseline.csv")            # or store.ticket_records(<baseline period>)
    after = store.ticket_records(FeedbackFilter(since=start, until=end))
    readout = build_readout(before, after, RoiConfig(agent_cost_per_minute=0.5), start, end, baseline)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, Field

from feedback.models import TicketRecord

LEVEL = 0.95
SAMPLES = 2000
SEED = 13
_CELLS = 2_000_000  # resampled indices held at once (samples x tickets), to bound memory on big periods

Better = Literal["lower", "higher"]
Section = Literal["outcomes", "adoption", "risk"]


class Ratio(NamedTuple):
    """Per-ticket numerators and denominators of one figure: the figure is num.sum() / den.sum()."""

    num: np.ndarray
    den: np.ndarray

    @classmethod
    def of(cls, pairs: Sequence[tuple[float, float]]) -> Ratio:
        arr = np.asarray(pairs, float).reshape(-1, 2)
        return cls(arr[:, 0], arr[:, 1])

    @property
    def value(self) -> float | None:
        den = self.den.sum()
        return float(self.num.sum() / den) if den > 0 else None


class Estimate(BaseModel):
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int = Field(0, description="Tickets the figure is computed over.")


class RoiConfig(BaseModel):
    agent_cost_per_minute: float = Field(0.5, ge=0)
    samples: int = Field(SAMPLES, ge=1)
    seed: int = SEED
    level: float = Field(LEVEL, gt=0, lt=1)

    @classmethod
    def from_settings(cls, settings) -> RoiConfig:
        return cls(agent_cost_per_minute=settings.agent_cost_per_minute)


# --- the bootstrap -------------------------------------------------------------------------------
def _resample(r: Ratio, rng: np.random.Generator, samples: int) -> np.ndarray:
    """The figure on `samples` bootstrap resamples of the tickets (nan where a resample has den 0)."""
    n = r.num.size
    out = np.empty(samples)
    batch = max(1, min(samples, _CELLS // max(n, 1)))
    for start in range(0, samples, batch):
        m = min(batch, samples - start)
        idx = rng.integers(0, n, size=(m, n))
        num, den = r.num[idx].sum(axis=1), r.den[idx].sum(axis=1)
        out[start:start + m] = np.divide(num, den, out=np.full(m, np.nan), where=den > 0)
    return out


def _interval(point: float | None, draws: np.ndarray, level: float, n: int) -> Estimate:
    if point is None or np.isnan(draws).all():
        return Estimate(value=point, n=n)
    low, high = np.nanquantile(draws, [(1 - level) / 2, 1 - (1 - level) / 2])
    # The percentile interval holds the estimate (float noise aside), as evals.support_metrics does.
    return Estimate(value=point, ci_low=float(min(low, point)), ci_high=float(max(high, point)), n=n)


def estimate(r: Ratio, samples: int = SAMPLES, seed: int = SEED, level: float = LEVEL) -> Estimate:
    """The figure with its seeded percentile bootstrap interval."""
    if r.num.size == 0:
        return Estimate(value=None, n=0)
    return _interval(r.value, _resample(r, np.random.default_rng(seed), samples), level, int(r.num.size))


def delta(before: Ratio, after: Ratio, samples: int = SAMPLES, seed: int = SEED, level: float = LEVEL) -> Estimate:
    """after - before, the two groups resampled independently; n is the pilot's ticket count."""
    if before.value is None or after.value is None:
        return Estimate(value=None, n=int(after.num.size))
    rng = np.random.default_rng(seed)
    draws = _resample(after, rng, samples) - _resample(before, rng, samples)
    return _interval(after.value - before.value, draws, level, int(after.num.size))


def verdict(d: Estimate | None, better: Better) -> str:
    """'better' / 'worse' only when the interval excludes zero; otherwise 'no clear change'."""
    if d is None or d.value is None or d.ci_low is None or d.ci_high is None:
        return "not comparable"
    if d.ci_low > 0 or d.ci_high < 0:
        up = d.ci_low > 0
        return "better" if up == (better == "higher") else "worse"
    return "no clear change"


# --- the figures, each a Ratio over a list of tickets (None when the source cannot tell) ------------
def handle_minutes(rs: Sequence[TicketRecord], cfg: RoiConfig) -> Ratio:
    return Ratio.of([(r.handle_time_s / 60, 1) for r in rs if r.handle_time_s is not None])


def deflection(rs: Sequence[TicketRecord], cfg: RoiConfig) -> Ratio:
    return Ratio.of([(r.deflected, 1) for r in rs])


def escalation(rs: Sequence[TicketRecord], cfg: RoiConfig) -> Ratio:
    return Ratio.of([(r.escalated, 1) for r in rs])


def first_contact(rs: Sequence[TicketRecord], cfg: RoiConfig) -> Ratio:
    return Ratio.of([(r.first_contact_resolution, 1) for r in rs if r.first_contact_resolution is not None])


def cost_per_resolution(rs: Sequence[TicketRecord], cfg: RoiConfig) -> Ratio:
    """(LLM cost + agent minutes x rate) / tickets resolved without escalation, over tickets whose agent
    time is known: a recorded handle time, or none at all (resolved by self-service)."""
    known = [r for r in rs if r.handle_time_s is not None or (r.deflected and not r.used)]
    return Ratio.of([(r.llm_cost + cfg.agent_cost_per_minute * (r.handle_time_s or 0.0) / 60, not r.escalated)
                     for r in known])


def drafted_share(rs: Sequence[TicketRecord], cfg: RoiConfig) -> Ratio:
    return Ratio.of([(bool(r.drafted), 1) for r in rs if r.drafted is not None])


def drafts_used(rs: Sequence[TicketRecord], cfg: RoiConfig) -> Ratio:
    return Ratio.of([(bool(r.used), 1) for r in rs if r.drafted])


def thumbs_down_rate(rs: Sequence[TicketRecord], cfg: RoiConfig) -> Ratio:
    return Ratio.of([(r.thumbs == "down", 1) for r in rs if r.thumbs is not None])


def override_rate(rs: Sequence[TicketRecord], cfg: RoiConfig) -> Ratio:
    return Ratio.of([(r.override is not None, 1) for r in rs if r.drafted is not None])


class Metric(NamedTuple):
    key: str
    label: str
    unit: str  # "min", "share" or "cost"
    better: Better
    section: Section
    ratio: Callable[[Sequence[TicketRecord], RoiConfig], Ratio]


METRICS: tuple[Metric, ...] = (
    Metric("handle_time", "Handle time, mean (open to reply sent)", "min", "lower", "outcomes", handle_minutes),
    Metric("deflection", "Deflection (self-service resolved + drafts sent as-is)", "share", "higher", "outcomes",
           deflection),
    Metric("escalation", "Escalation rate", "share", "lower", "outcomes", escalation),
    Metric("first_contact_resolution", "First-contact resolution", "share", "higher", "outcomes", first_contact),
    Metric("cost_per_resolution", "Cost per resolution (LLM + agent time)", "cost", "lower", "outcomes",
           cost_per_resolution),
    Metric("drafted", "Tickets with a sendable draft", "share", "higher", "adoption", drafted_share),
    Metric("drafts_used", "Drafts sent (as-is or edited)", "share", "higher", "adoption", drafts_used),
    Metric("thumbs_down", "Thumbs-down rate (of rated drafts)", "share", "lower", "risk", thumbs_down_rate),
    Metric("overrides", "Overrides (agent went against the decision)", "share", "lower", "risk", override_rate),
)


# --- the readout -------------------------------------------------------------------------------------
class MetricRow(BaseModel):
    key: str
    label: str
    unit: str
    better: Better
    section: Section
    before: Estimate | None = Field(None, description="None when the baseline does not record it.")
    after: Estimate | None = Field(None, description="None when the pilot does not record it.")
    delta: Estimate | None = Field(None, description="after - before with its interval.")
    verdict: str


class BaselineInfo(BaseModel):
    kind: Literal["csv", "period"]
    source: str = Field(description="The CSV path, or the baseline period as 'FROM..TO'.")
    tickets: int


class WeekRow(BaseModel):
    week: str = Field(description="ISO week, e.g. 2025-W10.")
    tickets: int
    deflection: float
    escalation: float
    active_agents: int


class Histogram(BaseModel):
    edges: list[float]
    before: list[int]
    after: list[int]


class RoiReadout(BaseModel):
    start: date
    end: date
    tickets: int
    baseline: BaselineInfo
    metrics: list[MetricRow]
    active_agents: int = Field(description="Agents who worked at least one pilot ticket.")
    thumbs_down_reasons: dict[str, int]
    overrides: dict[str, int]
    weekly: list[WeekRow]
    handle_time_minutes: Histogram
    config: RoiConfig

    def metric(self, key: str) -> MetricRow:
        return next(m for m in self.metrics if m.key == key)


def _row(m: Metric, before: Sequence[TicketRecord], after: Sequence[TicketRecord], cfg: RoiConfig) -> MetricRow:
    b, a = m.ratio(before, cfg), m.ratio(after, cfg)
    boot = {"samples": cfg.samples, "seed": cfg.seed, "level": cfg.level}
    eb = estimate(b, **boot) if b.num.size else None
    ea = estimate(a, **boot) if a.num.size else None
    d = delta(b, a, **boot) if eb and ea else None
    return MetricRow(key=m.key, label=m.label, unit=m.unit, better=m.better, section=m.section, before=eb,
                     after=ea, delta=d, verdict=verdict(d, m.better) if d else
                     "not in the baseline" if ea else "not recorded in the pilot")


def weekly(rs: Sequence[TicketRecord]) -> list[WeekRow]:
    weeks: dict[str, list[TicketRecord]] = defaultdict(list)
    for r in rs:
        y, w, _ = r.created_at.isocalendar()
        weeks[f"{y}-W{w:02d}"].append(r)
    return [WeekRow(week=k, tickets=len(v), deflection=sum(r.deflected for r in v) / len(v),
                    escalation=sum(r.escalated for r in v) / len(v),
                    active_agents=len({r.agent for r in v if r.agent})) for k, v in sorted(weeks.items())]


def histogram(before: Sequence[TicketRecord], after: Sequence[TicketRecord], bins: int = 12) -> Histogram:
    b = [r.handle_time_s / 60 for r in before if r.handle_time_s is not None]
    a = [r.handle_time_s / 60 for r in after if r.handle_time_s is not None]
    if not a and not b:
        return Histogram(edges=[], before=[], after=[])
    # One range for both, cut at the 99th percentile so one forgotten ticket does not flatten the rest.
    top = float(np.percentile(a + b, 99)) or 1.0
    edges = np.linspace(0, top, bins + 1)
    clip = lambda v: np.minimum(v, top)  # noqa: E731 - the longest tickets land in the last bin
    return Histogram(edges=[float(e) for e in edges], before=np.histogram(clip(b), edges)[0].tolist(),
                     after=np.histogram(clip(a), edges)[0].tolist())


def build_readout(before: Sequence[TicketRecord], after: Sequence[TicketRecord], cfg: RoiConfig, start: date,
                  end: date, baseline: BaselineInfo) -> RoiReadout:
    """Every figure before and after, the pilot's weekly trend, its thumbs-down reasons and overrides."""
    return RoiReadout(
        start=start, end=end, tickets=len(after), baseline=baseline,
        metrics=[_row(m, before, after, cfg) for m in METRICS],
        active_agents=len({r.agent for r in after if r.agent}),
        thumbs_down_reasons=dict(Counter(r.reason or "no reason given" for r in after
                                         if r.thumbs == "down").most_common()),
        overrides=dict(Counter(r.override for r in after if r.override).most_common()),
        weekly=weekly(after), handle_time_minutes=histogram(before, after), config=cfg)


def readout_from_store(store, start: date, end: date, cfg: RoiConfig, *, baseline_csv=None,
                       baseline_period: tuple[date, date] | None = None) -> RoiReadout:
    """The pilot's tickets from the feedback store (start..end, UTC days, inclusive) against a baseline:
    a CSV of pre-pilot tickets (feedback.baseline) or another period of the same store."""
    from feedback.baseline import read_baseline_csv
    from feedback.errors import ReportError
    from feedback.models import FeedbackFilter

    if (baseline_csv is None) == (baseline_period is None):
        raise ReportError("Give one baseline: a CSV of pre-pilot tickets (--baseline-csv) or a baseline "
                          "period (--baseline-from and --baseline-to).")
    periods = [("pilot", (start, end)), *([("baseline", baseline_period)] if baseline_period else [])]
    for name, (lo, hi) in periods:
        if lo > hi:
            raise ReportError(f"The {name} period starts ({lo}) after it ends ({hi}); swap the dates.")
    after = store.ticket_records(FeedbackFilter(since=start, until=end))
    if not after:
        raise ReportError(f"No interactions between {start} and {end} (UTC). Pick the days the pilot ran.")
    if baseline_csv is not None:
        before = read_baseline_csv(baseline_csv)
        info = BaselineInfo(kind="csv", source=str(baseline_csv), tickets=len(before))
    else:
        lo, hi = baseline_period
        if lo <= end and start <= hi:
            raise ReportError(f"The baseline period {lo}..{hi} overlaps the pilot {start}..{end}; "
                              "pick days before the pilot.")
        before = store.ticket_records(FeedbackFilter(since=lo, until=hi))
        if not before:
            raise ReportError(f"No interactions in the baseline period {lo}..{hi}; pick days the desk "
                              "recorded, or import a CSV with --baseline-csv.")
        info = BaselineInfo(kind="period", source=f"{lo}..{hi}", tickets=len(before))
    return build_readout(before, after, cfg, start, end, info)
