"""Prometheus metrics of one API app: its own registry, so two apps in one process (tests) never clash.

With several workers (`deflect api --workers N`), PROMETHEUS_MULTIPROC_DIR is set by the CLI before the
workers start; every worker then writes its samples to files there and /metrics sums them all.
"""

from __future__ import annotations

import os
from collections import deque
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from feedback.slo import RequestOutcome, SloStatus

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
CONFIDENCE_BUCKETS = tuple(i / 10 for i in range(1, 11))
BREAKER_STATES = {"closed": 0, "half-open": 1, "open": 2}


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        r = self.registry
        self.requests = Counter("deflect_http_requests", "HTTP requests by route, method and status",
                                ["route", "method", "status"], registry=r)
        self.latency = Histogram("deflect_http_request_seconds", "HTTP request latency by route", ["route"],
                                 buckets=LATENCY_BUCKETS, registry=r)
        self.decisions = Counter("deflect_draft_decisions", "Drafts by decision", ["decision"], registry=r)
        self.confidence = Histogram("deflect_draft_confidence", "Calibrated confidence of drafts",
                                    buckets=CONFIDENCE_BUCKETS, registry=r)
        self.fallbacks = Counter("deflect_provider_fallbacks", "Drafts that fell back from a provider",
                                 ["provider"], registry=r)
        self.breaker = Gauge("deflect_breaker_state", "Circuit breaker per provider: 0 closed, 1 half-open, 2 open",
                             ["provider"], registry=r, multiprocess_mode="livemax")
        self.tokens = Counter("deflect_llm_tokens", "LLM tokens", ["direction"], registry=r)
        self.cost = Counter("deflect_llm_cost", "LLM cost in the configured currency", registry=r)
        self.cache_hits = Counter("deflect_response_cache_hits", "Drafts served from the response cache", registry=r)
        self.ingest = Histogram("deflect_ingest_seconds", "Duration of ingest jobs", ["status"],
                                buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800), registry=r)
        self.auth_failures = Counter("deflect_auth_failures", "Rejected credentials by kind", ["kind"], registry=r)
        self.rate_limited = Counter("deflect_rate_limited", "Requests refused by the per-key limit", ["key"],
                                    registry=r)
        self.slo_budget = Gauge("deflect_slo_error_budget_left", "Error budget left per SLO (1 untouched, 0 spent)",
                                ["slo"], registry=r, multiprocess_mode="livemin")
        self.slo_burn = Gauge("deflect_slo_burn_rate", "Error-budget burn rate per SLO and window", ["slo", "window"],
                              registry=r, multiprocess_mode="livemax")
        # This process's recent request outcomes, for the availability SLO (bounded: a day at ~1 req/s).
        self.outcomes: deque[RequestOutcome] = deque(maxlen=100_000)

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)
        self.outcomes.append(RequestOutcome(datetime.now(UTC), status < 500, seconds))

    def observe_slos(self, statuses: list[SloStatus]) -> None:
        for st in statuses:
            if st.error_budget_left is not None:
                self.slo_budget.labels(st.name).set(st.error_budget_left)
            for window, value in (("1h", st.burn_rate_1h), ("24h", st.burn_rate_24h)):
                if value is not None:
                    self.slo_burn.labels(st.name, window).set(value)

    def observe_answer(self, answer) -> None:
        self.decisions.labels(answer.decision).inc()
        self.confidence.observe(answer.confidence)
        if answer.fell_back_from:
            self.fallbacks.labels(answer.fell_back_from).inc()
        self.tokens.labels("in").inc(answer.tokens_in)
        self.tokens.labels("out").inc(answer.tokens_out)
        self.cost.inc(answer.cost)
        if answer.cached:
            self.cache_hits.inc()

    def observe_breakers(self, states: dict[str, str]) -> None:
        for provider, state in states.items():
            self.breaker.labels(provider).set(BREAKER_STATES.get(str(state), 0))

    def render(self) -> bytes:
        if self.multiprocess:
            merged = CollectorRegistry()
            MultiProcessCollector(merged)
            return generate_latest(merged)
        return generate_latest(self.registry)
