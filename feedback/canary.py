"""Canary gates: judge a stage's own traffic against live in the same window, then promote, wait or roll back.

Each gate compares candidate minus live with an interval (Newcombe for shares, a seeded bootstrap for the
edit distance mean and the p95 latency). A gate fails only when the whole interval lies on the worse side
of its tolerated margin; a difference inside the noise passes, and a gate with no data on either side
cannot fail. Each interval is at 1 - 5%/(number of gates) (Bonferroni), so an equal candidate is rolled
back by chance in at most ~5% of stages, not in one of three as six 95% intervals would. A stage is
judged once, when both sides first have `min_tickets` tickets in its window (no repeated peeking); the
first failing gate, in the configured order, halts the canary and sends all traffic back to live.

`judge` is pure (rows in, StageCheck out); `advance` reads the window, judges and moves the canary.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, Field

from feedback.intervals import bootstrap_diff, newcombe, p95
from feedback.queries import edit_share
from feedback.releases import Canary, ReleaseError, ReleaseStore

log = logging.getLogger(__name__)


class GateSpec(NamedTuple):
    label: str
    kind: Literal["share", "mean", "p95"]
    worse: Literal["higher", "lower"]


GATES: dict[str, GateSpec] = {
    "thumbs_down": GateSpec("thumbs-down rate (of rated drafts)", "share", "higher"),
    "escalation": GateSpec("escalation rate (by the pipeline or an agent)", "share", "higher"),
    "used_as_is": GateSpec("drafts used as is (of answered drafts acted on)", "share", "lower"),
    "edit_distance": GateSpec("edit distance of sent drafts (0-1)", "mean", "higher"),
    "error": GateSpec("error rate (failed drafts)", "share", "higher"),
    "p95_latency": GateSpec("p95 latency (seconds)", "p95", "higher"),
}


class GateResult(BaseModel):
    gate: str
    label: str
    live: float | None
    candidate: float | None
    n_live: int
    n_candidate: int
    diff: float | None = Field(description="Candidate minus live.")
    low: float | None
    high: float | None
    margin: float = Field(description="Tolerated worsening before the gate fails.")
    verdict: Literal["pass", "fail", "no_data"]


class StageCheck(BaseModel):
    stage: int = Field(description="Traffic percent of the stage judged.")
    level: float = Field(description="Confidence level of each gate's interval.")
    n_live: int
    n_candidate: int
    min_tickets: int
    decision: Literal["wait", "promote", "rollback"]
    failed: str | None = Field(None, description="The first failing gate, when rolling back.")
    gates: list[GateResult]


def parse_gates(text: str | None) -> dict[str, float]:
    """`thumbs_down,escalation=0.02,p95_latency=0.5` -> gate -> margin, in order (empty or None: every gate)."""
    if not text or not text.strip():
        return dict.fromkeys(GATES, 0.0)
    gates: dict[str, float] = {}
    for item in (p.strip() for p in text.split(",")):
        if not item:
            continue
        name, _, margin = item.partition("=")
        name = name.strip()
        if name not in GATES:
            raise ReleaseError(f"Unknown gate {name!r}: use any of {', '.join(GATES)}, each optionally =MARGIN.")
        try:
            gates[name] = float(margin) if margin.strip() else 0.0
        except ValueError:
            raise ReleaseError(f"Bad margin {margin!r} for gate {name!r}: give a number, e.g. {name}=0.02.") from None
        if gates[name] < 0:
            raise ReleaseError(f"The margin of gate {name!r} must be 0 or more, got {gates[name]}.")
    return gates


class _Side(NamedTuple):
    shares: dict[str, tuple[int, int]]
    values: dict[str, list[float]]
    tickets: int


def _side(rows: Sequence[dict], errors: int) -> _Side:
    rated = [r for r in rows if r["thumbs"]]
    acted = [r for r in rows if r["decision"] == "answer" and (r["sent"] or r["escalated"])]
    sent = [r for r in rows if r["sent"] and not r["escalated"]]
    shares = {
        "thumbs_down": (sum(r["thumbs"] == "down" for r in rated), len(rated)),
        "escalation": (sum(r["decision"] == "escalate" or bool(r["escalated"]) for r in rows), len(rows)),
        "used_as_is": (sum(bool(r["sent"]) and not r["edited"] and not r["escalated"] for r in acted), len(acted)),
        "error": (errors, len(rows) + errors),
    }
    values = {
        "edit_distance": [edit_share(r["draft"], r["final_text"]) if r["edited"] else 0.0 for r in sent],
        "p95_latency": [float(r["latency_s"]) for r in rows if r["latency_s"] is not None],
    }
    return _Side(shares, values, len(rows) + errors)


def _stat(values: list[float], kind: str) -> float | None:
    if not values:
        return None
    return float(np.percentile(values, 95)) if kind == "p95" else float(np.mean(values))


def _gate(name: str, margin: float, live: _Side, cand: _Side, level: float, samples: int, seed: int) -> GateResult:
    spec = GATES[name]
    if spec.kind == "share":
        (k1, n1), (k2, n2) = live.shares[name], cand.shares[name]
        d = newcombe(k1, n1, k2, n2, level)
        a, b = (k1 / n1 if n1 else None), (k2 / n2 if n2 else None)
    else:
        x, y = live.values[name], cand.values[name]
        n1, n2 = len(x), len(y)
        d = bootstrap_diff(x, y, p95 if spec.kind == "p95" else None, samples, seed, level)
        a, b = _stat(x, spec.kind), _stat(y, spec.kind)
    if d.low is None:
        verdict = "no_data"
    elif spec.worse == "higher":
        verdict = "fail" if d.low > margin else "pass"
    else:
        verdict = "fail" if d.high < -margin else "pass"
    return GateResult(gate=name, label=spec.label, live=a, candidate=b, n_live=n1, n_candidate=n2, diff=d.value,
                      low=d.low, high=d.high, margin=margin, verdict=verdict)


def judge(live_rows: Sequence[dict], cand_rows: Sequence[dict], live_errors: int, cand_errors: int,
          gates: dict[str, float], stage: int, min_tickets: int, samples: int = 1000, seed: int = 13) -> StageCheck:
    """The gates of one stage. Waits until both sides have `min_tickets` tickets (drafts and errors)."""
    live, cand = _side(live_rows, live_errors), _side(cand_rows, cand_errors)
    level = 1 - 0.05 / max(1, len(gates))
    results = [_gate(g, m, live, cand, level, samples, seed) for g, m in gates.items()]
    failed = next((r.gate for r in results if r.verdict == "fail"), None)
    ready = min(live.tickets, cand.tickets) >= min_tickets
    decision = "wait" if not ready else "rollback" if failed else "promote"
    return StageCheck(stage=stage, level=level, n_live=live.tickets, n_candidate=cand.tickets, min_tickets=min_tickets,
                      decision=decision, failed=failed if ready else None, gates=results)


def evaluate(store: ReleaseStore, canary: Canary, samples: int = 1000, seed: int = 13) -> StageCheck:
    """Judge the canary's current stage on the traffic since the stage began (read only)."""
    sides = (canary.baseline, canary.release)
    rows = store.window(sides, canary.stage_started_at)
    errors = store.errors(sides, canary.stage_started_at)
    return judge([r for r in rows if r["release"] == canary.baseline],
                 [r for r in rows if r["release"] == canary.release],
                 errors[canary.baseline], errors[canary.release], canary.gates, canary.percent,
                 canary.min_tickets, samples, seed)


def advance(store: ReleaseStore, samples: int = 1000, seed: int = 13, actor: str = "canary") -> StageCheck | None:
    """Judge the running canary and act: promote to the next stage (the last one makes it live), roll back on
    the first failing gate, or keep the figures and wait. None when no canary runs."""
    canary = store.canary()
    if canary is None or canary.status != "running":
        return None
    check = evaluate(store, canary, samples, seed)
    if check.decision == "wait":
        store.note_check(canary.id, canary.stage, check.model_dump())
    else:
        store.transition(canary.id, canary.stage, check.decision, check.model_dump(), actor)
    return check


class CanaryWatch:
    """Runs `check` (advance) in a background thread at most once per `interval_s`, when poked by a request
    that saw a running canary: the request never waits for it, and a failed check is retried next interval."""

    def __init__(self, check: Callable[[], object], interval_s: float):
        self._check, self._interval = check, interval_s
        self._next = 0.0
        self._lock = threading.Lock()

    def poke(self) -> None:
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                return
            self._next = now + self._interval
        threading.Thread(target=self._run, name="deflect-canary-check", daemon=True).start()

    def _run(self) -> None:
        try:
            self._check()
        except Exception as e:  # `deflect release check` shows the error to whoever looks
            log.warning("canary check failed: %s: %s", type(e).__name__, e)
