"""The resilient Generator: kill switches, daily budget, then each provider in order behind its breaker.

Order per request: generation_enabled flag -> response cache (primary provider only) -> budget downgrade
-> for each provider: disabled flag, circuit breaker, prompt cap (sources trimmed), retries on transient
errors. The first text wins; every skip and failure before it is listed in Generation.fallbacks. If none
is left, GenerationUnavailable (with the same reasons) tells the assistant to serve its extractive draft.

Only the primary provider's answers are cached: a fallback's draft is a degraded answer that should not
outlive the outage it covered.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pybreaker

from assistant.generation import EXTRACTIVE, Fallback, Generation, GenerationRequest
from assistant.providers.budget import UsageLedger, downgrade, fit_to_budget
from assistant.providers.cache import ResponseCache
from assistant.providers.errors import GenerationUnavailable, PromptTooLong, ProviderError
from assistant.providers.registry import Provider, Reply
from assistant.providers.resilience import Breakers, retrying
from deflectkit.core.observability import log_event, request_context, span

log = logging.getLogger(__name__)

Flags = Callable[[], dict[str, Any]]


class EmptyCompletion(ProviderError):
    """The model returned no text."""


def flags_from_settings(settings: Any) -> Flags:
    """Default flags source: read on every call, so a changed settings object applies to the next request.

    A flags store (UI/feedback) can replace it: any callable returning
    {"generation_enabled": bool, "disabled_providers": [names]} (missing keys mean enabled / none).
    """
    return lambda: {
        "generation_enabled": settings.generation_enabled,
        "disabled_providers": list(settings.llm_disabled_providers),
    }


def resolve_chain(primary: str, fallbacks: list[str]) -> list[str]:
    """Primary then fallbacks, without repeats, cut at 'extractive' (the assistant's own last resort)."""
    chain: list[str] = []
    for name in [primary, *fallbacks]:
        if name == EXTRACTIVE:
            break
        if name not in chain:
            chain.append(name)
    return chain


@dataclass(frozen=True)
class ChainPolicy:
    max_prompt_tokens: int = 1536
    retries: int = 2
    backoff_s: float = 0.5
    backoff_max_s: float = 8.0
    breaker_fail_max: int = 3
    breaker_reset_s: float = 60.0
    budget_tokens: int | None = None
    budget_cost: float | None = None

    @classmethod
    def from_settings(cls, s: Any) -> ChainPolicy:
        return cls(s.llm_max_prompt_tokens, s.llm_retries, s.llm_backoff_s, s.llm_backoff_max_s,
                   s.llm_breaker_fail_max, s.llm_breaker_reset_s, s.llm_daily_budget_tokens, s.llm_daily_budget_cost)


def _reason(name: str, exc: BaseException) -> Fallback:
    if isinstance(exc, pybreaker.CircuitBreakerError):
        cause = exc.__context__
        if cause is not None and not isinstance(cause, pybreaker.CircuitBreakerError):
            return Fallback(provider=name, kind="failed", detail=f"{type(cause).__name__}: {cause}; circuit opened")
        return Fallback(provider=name, kind="circuit_open")
    return Fallback(provider=name, kind="failed", detail=f"{type(exc).__name__}: {exc}")


class ResilientGenerator:
    """Implements assistant.generation.Generator. Build once and share: breakers live on the instance."""

    def __init__(self, providers: list[Provider], policy: ChainPolicy, flags: Flags,
                 ledger: UsageLedger | None = None, cache: ResponseCache | None = None):
        self.providers = providers
        self.policy = policy
        self.flags = flags
        self.ledger = ledger
        self.cache = cache
        self.breakers = Breakers(policy.breaker_fail_max, policy.breaker_reset_s)
        for p in providers:
            self.breakers[p.name].add_excluded_exception(PromptTooLong)  # the request's fault, not the provider's

    @property
    def chain(self) -> list[str]:
        return [p.name for p in self.providers]

    def status(self) -> dict[str, str]:
        """Breaker state per provider: closed, open or half-open."""
        return {p.name: self.breakers[p.name].current_state for p in self.providers}

    def warm_up(self) -> dict[str, str]:
        """Build and load every provider now (entry points); returns {name: 'ok' or what to fix}."""
        out = {}
        for p in self.providers:
            try:
                p.chat()
                out[p.name] = "ok"
            except ProviderError as e:
                out[p.name] = str(e)
            except Exception as e:  # noqa: BLE001 - a report, not control flow
                out[p.name] = f"{type(e).__name__}: {e}"
        return out

    def generate(self, req: GenerationRequest) -> Generation:
        with request_context(req.request_id), span("llm.generate", chain=self.chain, max_tokens=req.max_tokens) as s:
            flags = self.flags() or {}
            if not flags.get("generation_enabled", True):
                reasons = [Fallback(provider="", kind="kill_switch", detail="generation_enabled=false")]
                log_event(log, "llm.unavailable", reasons=[str(r) for r in reasons])
                raise GenerationUnavailable(reasons)
            disabled = flags.get("disabled_providers") or []
            if isinstance(disabled, str):  # a flags store may keep "openai,local"
                disabled = [d.strip() for d in disabled.split(",")]
            disabled = set(disabled)
            hit = self._cached(req, disabled)
            if hit is not None:
                s.set_attribute("provider", hit.provider)
                s.set_attribute("cached", True)
                return hit
            reasons: list[Fallback] = []
            for p in self._within_budget(reasons):
                if p.name in disabled:
                    reasons.append(Fallback(provider=p.name, kind="disabled"))
                    continue
                try:
                    gen = self._attempt(p, req, reasons)
                except Exception as e:  # noqa: BLE001 - every failure moves on to the next provider
                    reasons.append(_reason(p.name, e))
                    log_event(log, "llm.provider_failed", level=logging.WARNING, provider=p.name,
                              error=type(e).__name__)
                    continue
                s.set_attribute("provider", gen.provider)
                s.set_attribute("fallbacks", len(gen.fallbacks))
                if p is self.providers[0]:
                    self._store(req, p, gen)
                return gen
            log_event(log, "llm.unavailable", reasons=[str(r) for r in reasons])
            raise GenerationUnavailable(reasons)

    def _cache_args(self, req: GenerationRequest, p: Provider) -> tuple | None:
        if self.cache is None or req.ticket is None:
            return None
        # The model is part of the provider's identity: a new DEFLECT_OPENAI_MODEL must not reuse old drafts.
        return req.ticket, req.index_version, f"{p.name}:{p.model}", req.prompt_version

    def _scope(self, req: GenerationRequest) -> str:
        """Everything else that shapes the draft: the passages, and the system prompt (canary, sentence
        limit) and generation settings, so changing any of them never serves a draft made under the old."""
        shape = json.dumps([req.system, req.max_tokens, req.temperature, self.policy.max_prompt_tokens])
        return f"{req.sources_key}|{hashlib.sha256(shape.encode()).hexdigest()[:16]}"

    def _cached(self, req: GenerationRequest, disabled: set[str]) -> Generation | None:
        """The primary provider's stored answer to this very request, unless switched off or bypassed."""
        if not self.providers or self.providers[0].name in disabled:
            return None
        p = self.providers[0]
        args = self._cache_args(req, p)
        if args is None:
            return None
        try:
            value = self.cache.get(*args, bypass=req.cache_bypass, scope=self._scope(req))
        except Exception as e:  # noqa: BLE001 - a cache fault costs a model call, never the answer
            log_event(log, "llm.cache_failed", level=logging.WARNING, error=f"{type(e).__name__}: {e}")
            return None
        if value is None:
            return None
        log_event(log, "llm.cache_hit", provider=p.name, model=value.get("model", p.model))
        # Nothing was billed for this request: tokens and cost are those of this call, i.e. none.
        return Generation(text=value["text"], provider=p.name, model=value.get("model", p.model), cached=True)

    def _store(self, req: GenerationRequest, p: Provider, gen: Generation) -> None:
        args = self._cache_args(req, p)
        if args is None:
            return
        try:
            self.cache.put(*args, {"text": gen.text, "model": gen.model}, scope=self._scope(req))
        except Exception as e:  # noqa: BLE001 - as above
            log_event(log, "llm.cache_failed", level=logging.WARNING, error=f"{type(e).__name__}: {e}")

    def _within_budget(self, reasons: list[Fallback]) -> list[Provider]:
        if self.ledger is None:
            return list(self.providers)
        breach = self.ledger.breach(self.policy.budget_tokens, self.policy.budget_cost)
        if breach is None:
            return list(self.providers)
        why, is_cost = breach
        kept, dropped = downgrade(self.chain, {p.name: p.unit_price for p in self.providers}, keep_free=is_cost)
        reasons.extend(Fallback(provider=name, kind="over_budget", detail=why) for name in dropped)
        return [p for p in self.providers if p.name in kept]

    def _cap(self, p: Provider, req: GenerationRequest) -> int:
        cap = self.policy.max_prompt_tokens
        if p.context_window is not None:
            cap = min(cap, p.context_window - req.max_tokens)
        return cap

    def _attempt(self, p: Provider, req: GenerationRequest, reasons: list[Fallback]) -> Generation:
        with span("llm.provider", provider=p.name, model=p.model) as s:
            t0 = time.perf_counter()
            # An open breaker raises here at once, before any model is built or prompt counted.
            with self.breakers[p.name].calling():
                p.chat()  # a missing dependency or key counts as a failure: the breaker then skips it quickly
                fitted = fit_to_budget(req.system, req.user, self._cap(p, req), p.count_tokens)
                policy = retrying(self.policy.retries, self.policy.backoff_s, self.policy.backoff_max_s)
                reply: Reply = policy(p.invoke, req.system, fitted.user, req.max_tokens, req.temperature)
                if not reply.text:
                    raise EmptyCompletion(f"{p.name} returned no text")
            latency = time.perf_counter() - t0
            cost = p.cost(reply.tokens_in, reply.tokens_out)
            s.set_attributes({"tokens_in": reply.tokens_in, "tokens_out": reply.tokens_out, "cost": cost,
                              "latency_s": round(latency, 3), "trimmed": fitted.trimmed})
        notes = [Fallback(provider=p.name, kind="trimmed", detail=fitted.note)] if fitted.trimmed else []
        self._record(p, req, reply, cost)
        log_event(log, "llm.call", provider=p.name, model=p.model, tokens_in=reply.tokens_in,
                  tokens_out=reply.tokens_out, cost=cost, latency_s=round(latency, 3), trimmed=fitted.trimmed,
                  tokens_counted=reply.counted, fallbacks=len(reasons))
        return Generation(text=reply.text, provider=p.name, model=p.model, tokens_in=reply.tokens_in,
                          tokens_out=reply.tokens_out, cost=cost, fallbacks=[*reasons, *notes])

    def _record(self, p: Provider, req: GenerationRequest, reply: Reply, cost: float) -> None:
        if self.ledger is None:
            return
        try:
            self.ledger.record(request_id=req.request_id, provider=p.name, model=p.model,
                               tokens_in=reply.tokens_in, tokens_out=reply.tokens_out, cost=cost)
        except Exception as e:  # noqa: BLE001 - a ledger hiccup must not throw away a finished draft
            log_event(log, "llm.ledger_failed", level=logging.WARNING, error=f"{type(e).__name__}: {e}")
