"""A/B of desk patterns: which variant an agent sees, and what agents do with drafts under each variant.

Settings define the experiment (desk_experiment*); an agent's arm is a stable hash of the experiment name
and the agent's name, so it is the same on every page load and in every process, and a new experiment
name reshuffles agents. The unit assigned is the agent while the figures count tickets: with few agents
per arm the intervals are too narrow (tickets of one agent are alike), which the report says.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal, NamedTuple

from pydantic import BaseModel, Field

from deflectkit.core.config.releases import DESK_PATTERNS
from feedback.assignment import pick
from feedback.intervals import Interval, bootstrap, bootstrap_diff, median, newcombe, sample_size, wilson
from feedback.queries import edit_share
from feedback.shadow import Estimate

MIN_AGENTS = 5  # per arm; fewer and the report warns that intervals assume independent tickets


def arms(settings) -> tuple[str, ...]:
    """The variants of the running experiment, control first."""
    return tuple(settings.desk_experiment_variants) or DESK_PATTERNS[settings.desk_experiment_pattern]


def desk_variant(settings, agent: str) -> dict[str, str | None]:
    """What the desk shows `agent`: a variant for every pattern (the control where no experiment runs),
    plus the experiment, the pattern under test and the agent's arm (None when none runs)."""
    out: dict[str, str | None] = {p: variants[0] for p, variants in DESK_PATTERNS.items()}
    out.update(experiment=None, pattern=None, variant=None)
    if settings.desk_experiment and agent:
        arm = pick(settings.desk_experiment, agent.casefold(), arms(settings))
        out.update({settings.desk_experiment_pattern: arm, "experiment": settings.desk_experiment,
                    "pattern": settings.desk_experiment_pattern, "variant": arm})
    return out


class MetricSpec(NamedTuple):
    label: str
    kind: Literal["share", "mean", "median"]
    better: Literal["higher", "lower"]


METRICS: dict[str, MetricSpec] = {
    "used_as_is": MetricSpec("drafts used as is (of answered drafts acted on)", "share", "higher"),
    "edit_distance": MetricSpec("edit distance of sent drafts (0-1, mean)", "mean", "lower"),
    "escalation": MetricSpec("escalated by the agent", "share", "lower"),
    "time_to_action": MetricSpec("seconds from draft to send or escalation (median)", "median", "lower"),
    "thumbs_up": MetricSpec("thumbs up (of rated drafts)", "share", "higher"),
}
PRIMARY = "used_as_is"


class ArmMetric(BaseModel):
    metric: str
    label: str
    n: int
    value: Estimate = Field(description="The arm's figure with its 95% interval.")
    diff: Estimate | None = Field(None, description="This arm minus the control, with its 95% interval "
                                                    "(None for the control).")
    verdict: Literal["better", "worse", "no difference", "no data", "control"]


class Arm(BaseModel):
    variant: str
    agents: int
    tickets: int
    metrics: list[ArmMetric]


class ExperimentReport(BaseModel):
    experiment: str
    pattern: str
    since: str | None
    arms: list[Arm]
    verdict: str = Field(description="One plain sentence on the primary metric (drafts used as is).")
    notes: list[str] = Field(default_factory=list)


def _values(rows: Sequence[dict]) -> tuple[dict[str, tuple[int, int]], dict[str, list[float]]]:
    acted = [r for r in rows if r["decision"] == "answer" and (r["sent"] or r["escalated"])]
    rated = [r for r in rows if r["thumbs"]]
    sent = [r for r in rows if r["sent"] and not r["escalated"]]
    shares = {"used_as_is": (sum(bool(r["sent"]) and not r["edited"] and not r["escalated"] for r in acted),
                             len(acted)),
              "escalation": (sum(bool(r["escalated"]) for r in rows), len(rows)),
              "thumbs_up": (sum(r["thumbs"] == "up" for r in rated), len(rated))}
    waits = [(datetime.fromisoformat(r["done_at"]) - datetime.fromisoformat(r["created_at"])).total_seconds()
             for r in rows if r["done_at"]]
    values = {"edit_distance": [edit_share(r["draft"], r["final_text"]) if r["edited"] else 0.0 for r in sent],
              "time_to_action": waits}
    return shares, values


def _estimate(iv: Interval) -> Estimate:
    return Estimate(**iv._asdict())


def _metric(name: str, arm: tuple, control: tuple | None, samples: int, seed: int) -> ArmMetric:
    spec = METRICS[name]
    shares, values = arm
    if spec.kind == "share":
        k, n = shares[name]
        value = _estimate(wilson(k, n))
        diff = newcombe(*control[0][name], k, n) if control else None
    else:
        v = values[name]
        n = len(v)
        stat = median if spec.kind == "median" else None
        value = _estimate(bootstrap(v, stat, samples, seed))
        diff = bootstrap_diff(control[1][name], v, stat, samples, seed) if control else None
    if control is None:
        verdict = "control" if n else "no data"
    elif diff.low is None:
        verdict = "no data"
    elif diff.low > 0 or diff.high < 0:
        verdict = "better" if (diff.low > 0) == (spec.better == "higher") else "worse"
    else:
        verdict = "no difference"
    return ArmMetric(metric=name, label=spec.label, n=n, value=value, diff=diff and _estimate(diff),
                     verdict=verdict)


def experiment_report(settings, rows: Sequence[dict], samples: int = 1000, seed: int = 13) -> ExperimentReport:
    """Figures per arm of the running experiment over interaction rows (ReleaseStore.desk_rows), each arm
    against the control (the first arm), and a plain verdict on the primary metric."""
    if not settings.desk_experiment:
        raise ValueError("No desk experiment is set: set DEFLECT_DESK_EXPERIMENT to a name to run one.")
    names = arms(settings)
    by_arm: dict[str, list[dict]] = {a: [] for a in names}
    for r in rows:
        by_arm[desk_variant(settings, r["user"])["variant"]].append(r)
    data = {a: _values(by_arm[a]) for a in names}
    out, notes = [], []
    for i, a in enumerate(names):
        control = None if i == 0 else data[names[0]]
        agents = len({r["user"].casefold() for r in by_arm[a]})
        out.append(Arm(variant=a, agents=agents, tickets=len(by_arm[a]),
                       metrics=[_metric(m, data[a], control, samples, seed) for m in METRICS]))
        if 0 < agents < MIN_AGENTS:
            notes.append(f"{a} has {agents} agent(s): tickets of one agent are alike, so its intervals are "
                         "narrower than they should be.")
    return ExperimentReport(experiment=settings.desk_experiment, pattern=settings.desk_experiment_pattern,
                            since=settings.desk_experiment_since and settings.desk_experiment_since.isoformat(),
                            arms=out, verdict=verdict(out, data, settings.desk_experiment_mde),
                            notes=notes)


def verdict(results: list[Arm], data: dict, mde: float) -> str:
    """'inline_chips uses more drafts as is than sources_list: +6 pts [+2, +10]', or 'no difference yet;
    need ~N more tickets' (two-proportion sample size for a difference of `mde` at the control's rate)."""
    primary = [next(m for m in a.metrics if m.metric == PRIMARY) for a in results]
    control = results[0].variant
    for a, m in zip(results[1:], primary[1:], strict=True):
        if m.verdict in ("better", "worse"):
            d = m.diff
            word = "more" if d.value > 0 else "fewer"
            return (f"{a.variant} has {word} drafts used as is than {control}: {d.value * 100:+.0f} pts "
                    f"[{d.low * 100:+.0f}, {d.high * 100:+.0f}].")
    k, n = data[control][0][PRIMARY]
    p = k / n if n else 0.5
    p2 = p + mde if p + mde < 1 else p - mde
    need = sample_size(p, p2)
    missing = sum(max(0, need - m.n) for m in primary)
    if missing == 0:
        return f"No difference in drafts used as is larger than {mde * 100:.0f} pts: the arms have enough tickets."
    return f"No difference yet; need ~{missing} more tickets acted on ({need} per arm to see {mde * 100:.0f} pts)."


def stored_report(settings, store) -> ExperimentReport:
    """`experiment_report` over the store's desk interactions since DEFLECT_DESK_EXPERIMENT_SINCE."""
    since = settings.desk_experiment_since.isoformat() if settings.desk_experiment_since else None
    return experiment_report(settings, store.releases.desk_rows(since), settings.eval_bootstrap_samples,
                             settings.eval_seed)
