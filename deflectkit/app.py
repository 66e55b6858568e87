"""The composition root: builds the app's long-lived parts from one Settings, lazily and once.

Every entry point (CLI, UI, API, evals, bench) creates one `Services` and asks it for the searcher,
the stores and `assistant(provider)`; nothing else constructs an Assistant or a generator chain, so
each entry point drafts the same way and reads the same live flags (kill switch, disabled sources,
provider override). Tests pass ready parts (`Services(settings, embedder=...)`) instead of poking
attributes.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from deflectkit.core.config import Settings
from deflectkit.core.config.providers import EXTRACTIVE

_started: set[str] = set()
_start_lock = threading.Lock()
_PARTS = ("catalog", "store", "embedder", "searcher", "feedback", "redactor")


def quiet_runtime() -> None:
    """No phoning home and no hub look-ups, whatever a library defaults to. Called by entry points only."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def request_options(flags: dict[str, Any], provider: str | None = None, filters=None):
    """(filters, provider) for one request from the feature flags and the caller's own filters.

    Kill switch off -> extractive; a provider flag applies unless the caller named one (None: the
    configured default); disabled sources are excluded on top of whatever the caller filtered."""
    from retrieval.models import Filters

    if not flags.get("generation_enabled", True):
        provider = EXTRACTIVE
    else:
        provider = provider or flags.get("provider") or None
    disabled = [s for s in flags.get("disabled_sources") or [] if s]
    if disabled:
        base = filters or Filters()
        filters = base.model_copy(update={"exclude_sources": [*base.exclude_sources, *disabled]})
    return filters, provider


def start(settings: Settings, log_level: int | str = "WARNING") -> None:
    """What every entry point does once per process: no phoning home, JSON logs on stderr, tracing
    to settings.tracing_exporter (file: <data_dir>/traces.jsonl). A second call changes nothing."""
    import atexit
    import logging

    from deflectkit.core.observability import setup_logging, setup_tracing

    quiet_runtime()
    with _start_lock:
        if "logging" not in _started:
            setup_logging(log_level)
            for noisy in ("bm25s", "presidio-analyzer", "chromadb", "httpx"):
                logging.getLogger(noisy).setLevel(logging.WARNING)
            _started.add("logging")
        if "tracing" not in _started:
            provider = setup_tracing(settings)
            if provider is not None:
                atexit.register(provider.shutdown)  # flush batched spans (otlp) at exit
            _started.add("tracing")


class Services:
    def __init__(self, settings: Settings | None = None, **parts: Any):
        """`parts` (catalog, store, embedder, searcher, feedback, redactor) replace what would be built."""
        unknown = set(parts) - set(_PARTS)
        if unknown:
            raise TypeError(f"Services got unknown parts {sorted(unknown)}; known: {', '.join(_PARTS)}")
        self.settings = settings or Settings()
        for name, part in parts.items():
            if part is not None:
                self.__dict__[name] = part  # a cached_property reads its value from here first
        self._assistants: dict[tuple[str, str | None], Any] = {}  # (provider, release) -> Assistant
        self._releases: dict[str, tuple[Settings, int | None]] = {}
        self._lock = threading.Lock()

    @cached_property
    def catalog(self):
        from ingest.catalog import Catalog

        return Catalog(self.settings.catalog_path)

    @cached_property
    def store(self):
        from retrieval.vector import VectorStore

        return VectorStore.from_settings(self.settings)

    @cached_property
    def embedder(self):
        from retrieval.embedder import make_embedder

        return make_embedder(self.settings)

    @cached_property
    def searcher(self):
        from retrieval.search import HybridSearcher, SearchConfig

        return HybridSearcher(SearchConfig.from_settings(self.settings), self.catalog, self.store, self.embedder)

    @cached_property
    def feedback(self):
        from feedback.store import FeedbackStore

        return FeedbackStore.from_settings(self.settings, redactor=self.redactor)

    @cached_property
    def redactor(self):
        from assistant.redaction import shared_redactor

        return shared_redactor()  # one per process: Presidio loads once

    # --- answering -------------------------------------------------------------------------------
    def live_flags(self) -> dict[str, Any]:
        """The admin's flags as they are now (read per request: a kill switch needs no restart)."""
        return self.feedback.flags.get_all()

    def generation_flags(self) -> dict[str, Any]:
        """Kill switches for the provider chain, read on every LLM call."""
        live = self.live_flags()
        return {"generation_enabled": bool(live["generation_enabled"]) and self.settings.generation_enabled,
                "disabled_providers": list(self.settings.llm_disabled_providers)}

    def assistant(self, provider: str | None = None, settings: Settings | None = None, release: str | None = None):
        """The Assistant drafting with `provider` (default: the configured one), built once per provider.

        `settings` gives a one-off Assistant with other answer settings (an eval's calibration
        profile, a bench's variant); it shares this Services' searcher, embedder and redactor.
        `release` gives the one drafting as that release does (its answer settings and, when it names
        one, its index version), built once per release and provider."""
        from assistant.pipeline import Assistant

        if settings is not None:
            provider = provider or settings.assistant_provider
            return Assistant(settings, self.searcher, self.embedder, self.redactor, self._generator(provider, settings))
        cfg, pinned = self._release(release) if release else (self.settings, None)
        provider = provider or cfg.assistant_provider
        with self._lock:
            if (provider, release) not in self._assistants:
                self._assistants[provider, release] = Assistant(cfg, self._searcher(cfg, pinned), self.embedder,
                                                                self.redactor, self._generator(provider, cfg))
            return self._assistants[provider, release]

    def release_settings(self, name: str) -> Settings:
        """The Settings release `name` drafts with: these settings with the release's answer settings."""
        return self._release(name)[0]

    def _release(self, name: str) -> tuple[Settings, int | None]:
        """(settings, pinned index version) of a release, read once: a release never changes."""
        with self._lock:
            if name in self._releases:
                return self._releases[name]
        from feedback.releases import release_settings

        release = self.feedback.releases.require(name)
        found = (release_settings(self.settings, release), release.index_version)
        with self._lock:
            return self._releases.setdefault(name, found)

    def _searcher(self, cfg: Settings, pinned: int | None):
        from retrieval.search import HybridSearcher, SearchConfig

        config = SearchConfig.from_settings(cfg)
        if pinned is None and config == self.searcher.config:
            return self.searcher
        return HybridSearcher(config, self.catalog, self.store, self.embedder, pinned)

    def _generator(self, provider: str, cfg: Settings):
        if provider == EXTRACTIVE:
            return None
        from assistant.providers import build_generator

        return build_generator(cfg, provider, flags=self.generation_flags)

    def breaker_states(self) -> dict[str, str]:
        """Circuit-breaker state per LLM provider of every generator built so far (closed, open, half-open)."""
        with self._lock:
            generators = [a.generator for a in self._assistants.values() if a.generator is not None]
        return {name: state for g in generators for name, state in g.status().items()}

    def request_options(self, provider: str | None = None, filters=None):
        """(filters, provider) for one request from the live flags; see `request_options`."""
        filters, provider = request_options(self.live_flags(), provider, filters)
        return filters, provider or self.settings.assistant_provider

    def answer(self, ticket, provider: str | None = None, filters=None, cache_bypass: bool = False,
               request_id: str | None = None):
        """Draft a reply to one ticket with the flags as they are right now: what every entry point calls.

        With releases, the ticket's stable canary bucket picks the canary or the live release (none
        defined: the settings as they are); a shadow release also answers it later, off this request."""
        from assistant.models import Ticket

        filters, provider = request_options(self.live_flags(), provider, filters)
        ticket = ticket if isinstance(ticket, Ticket) else Ticket(body=ticket or "")
        route = self.feedback.releases.route()
        release = route.pick(ticket.text)
        with self.shadow.foreground():  # the shadow worker waits while live requests run
            answer = self._draft(release, ticket, provider, filters, cache_bypass, request_id, count_errors=True)
        if route.shadow and route.shadow != release:
            self.shadow.submit((route.shadow, ticket, provider, filters, answer))
        if route.canary:
            self._canary_watch.poke()
        return answer

    def _draft(self, release: str | None, ticket, provider: str | None, filters, cache_bypass: bool = False,
               request_id: str | None = None, count_errors: bool = False):
        from assistant.errors import EmptyTicket
        from deflectkit.core.errors import InputError

        try:
            answer = self.assistant(provider, release=release).answer(
                ticket, filters=filters, provider=provider, cache_bypass=cache_bypass, request_id=request_id)
        except (InputError, EmptyTicket):
            raise
        except Exception as e:
            if release and count_errors:  # the canary's error-rate gate counts these
                self.feedback.releases.record_error(release, type(e).__name__)
            raise
        answer.release = release or ""
        return answer

    @cached_property
    def shadow(self):
        """The background queue the shadow release answers live tickets from (bounded; drops when full)."""
        from feedback.shadow import ShadowQueue

        return ShadowQueue(self._shadow_answer, self.settings.release_shadow_queue)

    def _shadow_answer(self, job) -> None:
        from feedback.queries import latency_of

        release, ticket, provider, filters, live = job
        started = time.perf_counter()
        try:
            answer = self._draft(release, ticket, provider, filters)
        except Exception as e:  # stored as the shadow's outcome; the live answer is long gone
            self.feedback.shadows.record(live, release, None, time.perf_counter() - started, type(e).__name__)
            return
        self.feedback.shadows.record(live, release, answer, latency_of(answer.timings))

    def check_canary(self, actor: str = "canary"):
        """Judge the running canary's gates now and act on them (feedback.canary.advance); None if none runs."""
        from feedback.canary import advance

        return advance(self.feedback.releases, self.settings.eval_bootstrap_samples, self.settings.eval_seed, actor)

    @cached_property
    def _canary_watch(self):
        from feedback.canary import CanaryWatch

        return CanaryWatch(self.check_canary, self.settings.release_check_interval_s)

    def answer_fn(self, provider: str | None = None):
        """`ticket text -> Answer` for feedback replay: the current pipeline under the current flags."""
        from assistant.models import Ticket

        return lambda text: self.answer(Ticket(body=text), provider)

    def audit(self, action: str, actor: str, target: str = "", details: dict | None = None) -> None:
        self.feedback.audit.append(action, actor, target, details or {})

    @contextmanager
    def ingest_lock(self):
        """One ingest per data dir at a time; a second one fails fast instead of interleaving versions."""
        from ingest.errors import IngestLocked

        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.settings.data_dir / "ingest.lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as e:
                raise IngestLocked(
                    f"Another ingest is running on {self.settings.data_dir}. Wait for it to finish."
                ) from e
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def ingest(self, paths, progress=None, actor: str = "system"):
        from retrieval.indexer import run_ingest

        kwargs = {"progress": progress} if progress else {}
        with self.ingest_lock():
            report = run_ingest(list(paths), self.settings, self.catalog, self.store, self.embedder,
                                redactor=self.redactor, pinned=self.feedback.releases.pinned_index_versions(),
                                **kwargs)
        from ingest.models import printable

        self.audit("ingest", actor, ",".join(printable(str(p)) for p in paths), {
            "run_id": report.run_id, "index_version": report.index_version, "new_version": report.new_version,
            "added": report.added, "updated": report.updated, "removed": report.removed, "errors": len(report.errors)})
        return report

    def flagged_sources(self, version: int | None = None):
        """What ingest screening flagged in the live index's documents (or `version`'s): for the admin.
        Those sentences never reach a draft; the rest of each document is still used."""
        version = version if version is not None else self.catalog.active_version()
        return self.catalog.flagged(version) if version is not None else []

    def overlaps(self, version: int | None = None, min_cosine: float | None = None, min_share: float | None = None):
        """Article pairs in the live index (or `version`) that say the same thing (retrieval/overlaps.py):
        each holds the other's answers back, so the admin merges them or makes each say what it is for."""
        from retrieval.overlaps import MIN_COSINE, MIN_SHARE, overlaps

        version = version if version is not None else self.catalog.active_version()
        if version is None:
            return []
        chunks = list(self.catalog.iter_chunks(version))
        vectors = self.store.vectors(version, [c.chunk_id for c in chunks])
        return overlaps(((c.doc_id, c.title, vectors[c.chunk_id]) for c in chunks if c.chunk_id in vectors),
                        MIN_COSINE if min_cosine is None else min_cosine, MIN_SHARE if min_share is None else min_share)

    def activate(self, version: int, actor: str = "system") -> None:
        from retrieval.indexer import activate

        before = self.catalog.active_version()
        activate(self.settings, self.catalog, version)
        self.audit("index_activate", actor, str(version), {"from": before})

    def rollback(self, actor: str = "system") -> int:
        from retrieval.indexer import rollback

        before = self.catalog.active_version()
        version = rollback(self.settings, self.catalog)
        self.audit("index_rollback", actor, str(version), {"from": before})
        return version
