"""Shadow mode: a candidate release answers live tickets in the background, and how its answers compare.

`ShadowQueue` is the off-request-path part: a bounded queue drained by one daemon thread. `submit` never
blocks; when the queue is full the job is dropped and counted, so load sheds shadow work, never live
requests. The worker starts a job only after `quiet_s` with no live request in flight (each one runs inside
`foreground()`), so under back-to-back traffic the shadow waits, the queue fills and work is dropped rather
than competing for the CPU. A live request that arrives while a shadow job runs still shares the CPU with
it (threads, one GIL): `python -m evals.bench.shadow` measures that.

`ShadowStore` keeps the shadow's answers (the feedback store's `shadows`); `compare` is pure: its rows in,
a ShadowComparison out.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from assistant.models import Answer
from deflectkit.core.db import Connections
from feedback.intervals import bootstrap, wilson
from feedback.queries import cited_docs, latency_of

log = logging.getLogger(__name__)
QUIET_S = 0.1  # seconds without live requests before the shadow starts a job


class ShadowStats(BaseModel):
    submitted: int = 0
    dropped: int = Field(0, description="Jobs refused because the queue was full.")
    done: int = 0
    failed: int = 0
    queued: int = 0


class ShadowQueue:
    def __init__(self, work: Callable[[Any], None], maxsize: int, quiet_s: float = QUIET_S):
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, got {maxsize}")
        self._quiet_s = quiet_s
        self._work = work
        self._queue: queue.Queue = queue.Queue(maxsize)
        self._stats = ShadowStats()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._inflight, self._idle, self._last_live = 0, threading.Event(), 0.0
        self._idle.set()

    @contextmanager
    def foreground(self) -> Iterator[None]:
        """Marks a live request in flight: the worker starts no job until none is."""
        with self._lock:
            self._inflight += 1
            self._idle.clear()
        try:
            yield
        finally:
            with self._lock:
                self._inflight -= 1
                self._last_live = time.monotonic()
                if not self._inflight:
                    self._idle.set()

    def submit(self, job: Any) -> bool:
        """Queue `job` without waiting; False (and counted as dropped) when the queue is full."""
        self._start()
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            with self._lock:
                self._stats.dropped += 1
            return False
        with self._lock:
            self._stats.submitted += 1
        return True

    def stats(self) -> ShadowStats:
        with self._lock:
            return self._stats.model_copy(update={"queued": self._queue.qsize()})

    def drain(self, timeout: float) -> bool:
        """Wait until every queued job has run (benches and tests); False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self) -> None:
        self._stop.set()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="deflect-shadow", daemon=True)
                self._thread.start()

    def _wait_quiet(self) -> None:
        """Until no live request has run for quiet_s."""
        while True:
            self._idle.wait()
            with self._lock:
                left = self._last_live + self._quiet_s - time.monotonic() if not self._inflight else self._quiet_s
            if left <= 0:
                return
            time.sleep(left)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                self._wait_quiet()
                self._work(job)
                ok = True
            except Exception as e:  # a shadow failure must never surface anywhere but here
                log.warning("shadow job failed: %s: %s", type(e).__name__, e)
                ok = False
            finally:
                self._queue.task_done()
            with self._lock:
                self._stats.done += ok
                self._stats.failed += not ok


# --- storage ---------------------------------------------------------------------------------------
class ShadowStore:
    def __init__(self, conns: Connections, clock: Callable[[], datetime]):
        self._conns = conns
        self._clock = clock

    def record(self, live: Answer, release: str, answer: Answer | None, latency_s: float, error: str = "") -> None:
        """The shadow release's answer to a live ticket, beside the live answer's summary. Never shown."""
        row = {"request_id": live.request_id, "release": release, "created_at": self._clock().isoformat(),
               "live_release": live.release or None, "live_decision": live.decision,
               "live_confidence": live.confidence, "live_latency_s": latency_of(live.timings),
               "live_cited": json.dumps(cited_docs(live)), "latency_s": latency_s, "error": error,
               "decision": answer.decision if answer else None, "confidence": answer.confidence if answer else None,
               "cited": json.dumps(cited_docs(answer)) if answer else None,
               "answer_json": answer.model_dump_json() if answer else None, "redacted_at": None}
        self._conns.write(lambda db: db["shadow_answers"].insert(row, replace=True))

    def rows(self, release: str, since: str | None = None, limit: int | None = None) -> list[dict]:
        """Shadow answers of `release`, newest first, with the live draft when the interaction was recorded."""
        sql = ("SELECT s.*, i.draft AS live_draft, i.ticket AS live_ticket FROM shadow_answers s "
               "LEFT JOIN interactions i ON i.request_id = s.request_id WHERE s.release = ?")
        args: list = [release]
        if since:
            sql, args = sql + " AND s.created_at >= ?", [*args, since]
        return self._conns.query(sql + " ORDER BY s.created_at DESC LIMIT ?", [*args, limit or -1])

    def interactions_since(self, since: str) -> int:
        """Interactions recorded since a time (the live tickets a shadow could have answered)."""
        return self._conns.read("SELECT COUNT(*) FROM interactions WHERE created_at >= ?", [since])[0][0]


# --- comparison ------------------------------------------------------------------------------------
class Estimate(BaseModel):
    value: float | None
    low: float | None = None
    high: float | None = None


class ShadowPair(BaseModel):
    """One live ticket where the shadow disagreed, both sides."""

    request_id: str
    ticket: str
    live_decision: str
    live_confidence: float
    live_cited: list[str]
    live_draft: str | None
    decision: str
    confidence: float
    cited: list[str]
    draft: str
    overlap: float


class ShadowComparison(BaseModel):
    release: str
    n: int = Field(description="Live tickets the shadow answered.")
    errors: int = Field(description="Shadow attempts that failed.")
    live_tickets: int | None = Field(None, description="Live tickets in the same period (shadowed or not).")
    same_decision: Estimate
    citation_overlap: Estimate = Field(description="Mean Jaccard overlap of cited documents (both none: 1).")
    confidence_shift: Estimate = Field(description="Mean shadow minus live confidence.")
    live_latency: dict[str, float | None]
    latency: dict[str, float | None]
    disagreements: list[ShadowPair]


def jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    sa, sb = set(a), set(b)
    return 1.0 if not sa and not sb else len(sa & sb) / len(sa | sb)


def _pct(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None}
    return {"p50": float(np.percentile(values, 50)), "p95": float(np.percentile(values, 95))}


def compare(release: str, rows: Sequence[dict], live_tickets: int | None = None, limit: int = 20,
            samples: int = 1000, seed: int = 13) -> ShadowComparison:
    """How the shadow release answered the live tickets: same decision share (Wilson), citation overlap and
    confidence shift (bootstrap), latency percentiles, and the tickets where they disagree (decision differs,
    or no cited document in common), newest first."""
    ok = [r for r in rows if not r["error"] and r["answer_json"]]
    same = sum(r["decision"] == r["live_decision"] for r in ok)
    overlaps = [jaccard(json.loads(r["live_cited"]), json.loads(r["cited"])) for r in ok]
    shifts = [r["confidence"] - r["live_confidence"] for r in ok]
    pairs = []
    for r, overlap in zip(ok, overlaps, strict=True):
        if r["decision"] == r["live_decision"] and overlap > 0:
            continue
        answer = json.loads(r["answer_json"])
        pairs.append(ShadowPair(
            request_id=r["request_id"], ticket=r.get("live_ticket") or answer["ticket"],
            live_decision=r["live_decision"], live_confidence=r["live_confidence"],
            live_cited=json.loads(r["live_cited"]), live_draft=r.get("live_draft"), decision=r["decision"],
            confidence=r["confidence"], cited=json.loads(r["cited"]), draft=answer["draft"], overlap=overlap))
    return ShadowComparison(
        release=release, n=len(ok), errors=len(rows) - len(ok), live_tickets=live_tickets,
        same_decision=Estimate(**wilson(same, len(ok))._asdict()),
        citation_overlap=Estimate(**bootstrap(overlaps, None, samples, seed)._asdict()),
        confidence_shift=Estimate(**bootstrap(shifts, None, samples, seed)._asdict()),
        live_latency=_pct([r["live_latency_s"] for r in ok if r["live_latency_s"] is not None]),
        latency=_pct([r["latency_s"] for r in ok if r["latency_s"] is not None]),
        disagreements=pairs[:limit])


def compare_stored(store: ShadowStore, release: str, since: str | None = None, limit: int = 20) -> ShadowComparison:
    """`compare` over what the store holds for `release` (since a time, default all)."""
    rows = store.rows(release, since)
    first = since or (min(r["created_at"] for r in rows) if rows else None)
    return compare(release, rows, store.interactions_since(first) if first else 0, limit)
