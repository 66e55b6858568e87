"""`Assistant.answer(ticket, filters) -> Answer`: the one stateless action the UI, CLI and evals call.

guard (redact PII, screen) -> retrieve -> assemble (screen sources, dedupe, budget) -> generate
(extractive, or an LLM through the providers layer) -> verify (output filters, grounding) ->
confidence -> decision. Every stage is timed; nothing here logs ticket or draft text.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

from assistant import guards
from assistant.asks import AskPlan, ask_plan, distinct_topics, merge_hits, record_number, without_record_ids
from assistant.confidence import (
    MARGIN_DEPTH,
    Calibration,
    co_answers,
    entity_match,
    features,
    label_for,
    load_calibration,
    runner_up,
    unknown_share,
)
from assistant.context import SourceBlock, assemble
from assistant.decision import (
    WEAK_MATCH_DENSE,
    decide,
    held_back,
    language_note,
    least_covered,
    not_covered,
    topic,
)
from assistant.drafting import Drafted, draft_reply
from assistant.errors import EmptyTicket
from assistant.expand import SectionExpander
from assistant.extractive import Draft, extractive_draft, render_parts
from assistant.grounding import SupportThresholds, Verifier, lexical_support, supported_share
from assistant.intake import intake
from assistant.language import LanguageCache, reply_language, usable_passages
from assistant.memo import MemoEmbedder
from assistant.models import Answer, Citation, GuardFinding, Sentence, Ticket
from assistant.prompt import PROMPT_VERSION
from assistant.redaction import pin_presidio_loggers
from assistant.sentences import as_markdown, units
from assistant.understanding import understand
from assistant.vocabulary import VersionCache, VocabularyCache
from deflectkit.core.observability import log_event, request_context, span
from ingest.screening import help_center_sites
from retrieval.models import Filters, Hit

log = logging.getLogger(__name__)

# Called with each stage's name as it starts (the API streams these as progress events).
_stage_listener: ContextVar[Callable[[str], None] | None] = ContextVar("deflect_stage_listener", default=None)


@contextmanager
def listen_stages(callback: Callable[[str], None]) -> Iterator[None]:
    """Inside the block, every answering stage calls `callback(stage)` when it starts."""
    token = _stage_listener.set(callback)
    try:
        yield
    finally:
        _stage_listener.reset(token)


class Run(NamedTuple):
    answer: Answer
    features: dict[str, float]


class Assistant:
    def __init__(self, settings, searcher, embedder, redactor, generator=None, calibration: Calibration | None = None):
        if not 0.0 <= settings.answer_threshold <= 1.0:
            raise ValueError(f"answer_threshold must be between 0 and 1, got {settings.answer_threshold}")
        if settings.answer_top_k <= 0:
            raise ValueError(f"answer_top_k must be greater than 0, got {settings.answer_top_k}")
        pin_presidio_loggers()  # whoever built the redactor, its DEBUG output must not carry ticket text
        self.settings, self.searcher, self.redactor = settings, searcher, redactor
        self.embedder = embedder if isinstance(embedder, MemoEmbedder) else MemoEmbedder(embedder)
        self.generator = generator
        self.calibration = calibration or load_calibration(settings)
        self.vocabulary = VocabularyCache(getattr(searcher, "catalog", None))
        self.languages = LanguageCache(getattr(searcher, "catalog", None))
        # Where links in drafts may point: the domains of the documents' urls, plus the configured ones.
        self.sites = VersionCache(getattr(searcher, "catalog", None),
                                  lambda chunks: help_center_sites((c.url for c in chunks), settings.allowed_link_domains))
        self.expander = SectionExpander(getattr(searcher, "catalog", None), settings.context_section_chars)
        self.verifier = Verifier(self.embedder, SupportThresholds(settings.support_lexical_threshold,
                                                             settings.support_semantic_threshold))

    def answer(self, ticket: str | Ticket, filters: Filters | None = None, provider: str | None = None,
               cache_bypass: bool = False, request_id: str | None = None) -> Answer:
        return self.run(ticket, filters, provider, cache_bypass, request_id).answer

    def run(self, ticket: str | Ticket, filters: Filters | None = None, provider: str | None = None,
            cache_bypass: bool = False, request_id: str | None = None) -> Run:
        """The Answer plus the confidence features behind it (calibration fits on these).

        `cache_bypass` skips the response-cache lookup for an LLM draft (the fresh draft is stored).
        `request_id` is the caller's id for this request (the API's X-Request-ID); default a new one."""
        t = ticket if isinstance(ticket, Ticket) else Ticket(body=ticket or "")
        t, notes = intake(t, self.settings.max_ticket_chars)  # bounded size, valid text
        if not t.text.strip():
            raise EmptyTicket()
        with request_context(request_id or uuid.uuid4().hex) as rid, span("assistant.answer"):
            return self._run(rid, t, filters, provider or self.settings.assistant_provider, cache_bypass, notes)

    def _run(self, rid: str, ticket: Ticket, filters: Filters | None, provider: str, cache_bypass: bool = False,
             notes: list[str] | None = None) -> Run:
        s, timings, guardrails = self.settings, {}, []
        with _timed(timings, "guard"):
            subject, body, counts = self._redact(ticket)
            redacted = f"{subject}\n\n{body}".strip() if subject else body.strip()
            question = guards.strip_hidden(redacted).strip() or redacted
            if counts:
                guardrails += [GuardFinding(stage="pii", detail=f"{k}: {v} redacted") for k, v in counts.items()]
            ticket_findings = guards.screen(redacted)
            if ticket_findings:
                guardrails += [GuardFinding(stage="ticket", detail=str(f)) for f in ticket_findings]
            parts = understand(guards.strip_hidden(subject), guards.strip_hidden(body))
        blockers = []
        if any(f.severe for f in ticket_findings):
            blockers.append("the ticket contains instructions aimed at the assistant; a person should handle it")

        asks = ask_plan(parts, s.answer_max_asks)
        asked_as_written = [a.text for a in asks]  # before any merge: each ask is checked on its own
        with _timed(timings, "retrieve"):
            # Deeper than the passages drafted from: the doc-level margin needs the runner-up article.
            depth = max(s.answer_top_k, MARGIN_DEPTH)
            live = _safe_version(self.searcher)
            known_now = self.vocabulary.get(live)
            hc_langs = list(self.languages.get(live))

            def search(query: str) -> list[Hit]:
                return usable_passages(self.searcher.search(query, k=depth, filters=filters), parts.language, hc_langs)

            # A number that names one customer's record ("#48213", "order 48213") is never a topic: not for
            # retrieval, nor what the draft must cover, nor a word the help center lacks. A prefixed id the
            # help center never uses ("INV-5512", "CVE-2017-1234") stays out of retrieval only: an unknown
            # CVE is exactly what a help center without that bulletin does not cover.
            numbers = [e for e in parts.entities if record_number(e)]

            def bare(text: str, entities=numbers) -> str:
                return text if known_now is None else without_record_ids(text, entities, known_now.knows)

            def searchable(plans: list[AskPlan]) -> list[AskPlan]:
                return [a._replace(query=bare(a.query, parts.entities), focus=bare(a.focus)) for a in plans]

            asks = searchable(asks)
            ranked = [search(a.query) for a in asks]
            per_ask = [r[: s.answer_top_k] for r in ranked]
            if len(asks) > 1 and len({h[0].doc_id for h in per_ask if h}) <= 1:
                # Several questions about one thing (a forum post asks "why?" and "how do I fix it?"):
                # the article that answers one answers all, so draft once from the whole ticket.
                asks = searchable(ask_plan(parts, 1))
                ranked = [search(asks[0].query)]
                per_ask = [ranked[0][: s.answer_top_k]]
        hits = merge_hits(per_ask)
        version = hits[0].index_version if hits else live
        with _timed(timings, "assemble"):
            blocks = self._blocks(hits, guardrails, budget_scale=len(asks), sites=self.sites.get(version))
        relevant = bool(blocks) and max((h.scores.dense or 0.0) for h in hits) >= s.answer_min_relevance

        drafted, coverage = Drafted([], [], "extractive"), [0.0] * len(asks)
        if relevant:
            with _timed(timings, "generate"):
                drafted, coverage = self._draft(question, asks, per_ask, blocks, provider, rid, version,
                                                allow_llm=not blockers, cache_bypass=cache_bypass)
            blockers += drafted.blockers
            guardrails += [GuardFinding(stage="generation", detail=n) for n in drafted.notes]
            guardrails += [GuardFinding(stage="output", detail=n) for n in drafted.output]
        timings.setdefault("generate", 0.0)
        with _timed(timings, "verify"):
            sentences = self._verify(drafted, blocks, guardrails)
            if drafted.fell_back_from and drafted.fallback_coverage is not None:
                coverage = drafted.fallback_coverage  # the grounding check put the extractive parts back
        with _timed(timings, "confidence"):
            vocab = self.vocabulary.get(version)
            # What the draft must cover: each ask's focus (the problem, not the steps already tried).
            asked = " ".join(dict.fromkeys(a.focus for a in asks)) or parts.core or question
            ranking = merge_hits(ranked)
            others: frozenset[str] = frozenset()
            if (drafted.parts is not None and len(drafted.parts) == len(sentences)
                    and distinct_topics(self.embedder.embed([a.text for a in asks]))):
                # Asks about different things ("turn on 2FA? and invite a member?"): the cited article's
                # margin is read in the ranking of the ask it answers, where the article another ask is
                # answered from is no rival. Asks about one thing told twice keep the merged ranking:
                # there, asks that find different articles are a sign of doubt.
                others = co_answers(blocks, sentences, drafted.parts)
                lead = next((p for p, x in zip(drafted.parts, sentences, strict=True) if x.citations), None)
                if lead is not None:
                    ranking = ranked[lead]
            feats = features(asked, hits, blocks, sentences, drafted.best_sim, vocab, _fused_scale(s),
                             ask_coverage=min(coverage) if coverage else 0.0,
                             entity_match=entity_match(parts.entities, blocks, sentences),
                             ranking=ranking, asks=[bare(a) for a in asked_as_written], co_answers=others)
            conf = round(self.calibration.predict(feats, s.calibration_profile), 4) if sentences else 0.0
        keep = [e.text for e in parts.entities]
        drop = parts.customer_name.split() if parts.customer_name else []
        known = (lambda word: not vocab.unknown(word)) if vocab is not None else None
        uncovered = [topic(a.text, keep, drop, known=known) for a, c in zip(asks, coverage, strict=True)
                     if c < s.ask_min_similarity]
        if not relevant:
            blockers.append(not_covered([topic(a.text, keep, drop, known=known) for a in asks], len(asks)))
        elif uncovered and sentences and len(asks) > 1:  # one ask: the calibrated confidence decides
            blockers.append(not_covered(uncovered, len(asks)))
        shell = reply_language(sentences, parts.language, hc_langs)
        note = language_note(parts.language, hc_langs, shell if sentences else None)
        notes = [*(notes or []), *([note] if note else [])]
        if len(asked_as_written) > 1 and sentences and not blockers and conf < s.answer_threshold:
            # Below the threshold with every ask drafted: say which ask is weakest (least covered by its
            # draft, most words the help center never uses), so the agent knows where to look.
            cover = coverage if len(asks) == len(asked_as_written) else [0.0] * len(asked_as_written)
            weak = min(range(len(cover)), key=lambda i: cover[i] - (
                unknown_share(asked_as_written[i], vocab) if vocab is not None else 0.0))
            notes.insert(0, least_covered(topic(asked_as_written[weak], keep, drop, known=known), len(cover)))
        elif sentences and not blockers and conf < s.answer_threshold:
            # One ask held below the threshold: say what held it back (the model's strongest pull down).
            rival = runner_up(ranking, blocks, sentences, others)
            why = held_back(self.calibration.contributions(feats), rival.title if rival else None,
                            weak_match=feats["top_dense"] < WEAK_MATCH_DENSE)
            if why:
                notes.insert(0, why)
        decision = decide(conf, s.answer_threshold, blockers, bool(sentences), notes)
        answer = self._answer(rid, question, sentences, blocks, conf, decision, drafted, timings, guardrails, version,
                              shell, parts.customer_name)
        log_event(log, "assistant.answer", decision=answer.decision, confidence=conf, provider=answer.provider,
                  cached=answer.cached, fallbacks=len(answer.fallbacks), asks=len(asks),
                  sentences=len(sentences), citations=len(answer.citations), index_version=version,
                  total_s=answer.timings.get("total"))
        return Run(answer, feats)

    def _redact(self, ticket: Ticket) -> tuple[str, str, dict[str, int]]:
        """Subject and body redacted apart (each keeps its role), counts summed."""
        body, counts = self.redactor.redact(ticket.body)
        subject, more = self.redactor.redact(ticket.subject) if ticket.subject.strip() else ("", {})
        for k, v in more.items():
            counts[k] = counts.get(k, 0) + v
        return subject, body, counts

    def _draft(self, question: str, asks: list[AskPlan], per_ask: list[list[Hit]], blocks: list[SourceBlock],
               provider: str, rid: str, version: int | None, allow_llm: bool, cache_bypass: bool):
        """(Drafted, coverage per ask). One ask: the draft as before. Several: an extractive part per ask,
        from the blocks its own search found, so no ask is dropped for another's better passage."""
        s = self.settings
        if len(asks) == 1:
            drafted = draft_reply(asks[0].focus, blocks, self.embedder, s, self.generator, provider, rid,
                                  allow_llm=allow_llm, index_version=version, cache_bypass=cache_bypass,
                                  prompt_ticket=question, problem=asks[0].problem)
            return drafted, [drafted.best_sim if drafted.sentences else 0.0]
        by_chunk = {b.hit.chunk_id: b for b in blocks}
        sentences, kinds, parts_of, coverage = [], [], [], []
        seen: set[str] = set()
        for i, (ask, hits) in enumerate(zip(asks, per_ask, strict=True)):
            mine = [by_chunk[h.chunk_id] for h in hits if h.chunk_id in by_chunk]
            mine = list({b.n: b for b in mine}.values())
            local = [b.model_copy(update={"n": j}) for j, b in enumerate(mine, 1)]
            ext = extractive_draft(ask.focus, local, self.embedder, s.answer_max_sentences, False, problem=ask.problem)
            coverage.append(ext.best_similarity if ext.sentences else 0.0)
            for (text, cites), kind in zip(ext.sentences, ext.kinds, strict=True):
                if text in seen:
                    continue
                seen.add(text)
                sentences.append((text, [mine[c - 1].n for c in cites]))
                kinds.append(kind)
                parts_of.append(i)
        drafted = Drafted(sentences, kinds, "extractive", best_sim=min(coverage) if coverage else 0.0)
        drafted.parts = parts_of
        if provider != "extractive" and allow_llm:
            llm = draft_reply(question, blocks, self.embedder, s, self.generator, provider, rid, allow_llm=True,
                              index_version=version, cache_bypass=cache_bypass, prompt_ticket=question,
                              asks=[a.text for a in asks])
            if llm.provider != "extractive" and llm.sentences:
                llm.extractive_fallback = Draft(sentences, "", kinds, drafted.best_sim)
                llm.fallback_parts, llm.fallback_coverage = parts_of, coverage
                # The same per-ask check as the extractive draft's: how close the LLM's nearest sentence
                # comes to each ask, so an ask the model skipped is named, not hidden by the others.
                return llm, self._coverage([a.focus for a in asks], [t for t, _ in llm.sentences])
            drafted.notes, drafted.fallbacks = llm.notes, llm.fallbacks
        return drafted, coverage

    def _coverage(self, asks: list[str], sentences: list[str]) -> list[float]:
        """Per ask, the cosine of the closest drafted sentence (embeddings are unit vectors)."""
        vecs = self.embedder.embed(asks + sentences)
        return [float(x) for x in (vecs[: len(asks)] @ vecs[len(asks):].T).max(axis=1)]

    def _blocks(self, hits: list[Hit], guardrails: list[GuardFinding], budget_scale: int = 1,
                sites: frozenset[str] | None = None) -> list[SourceBlock]:
        """Numbered source blocks, each passage screened (links checked against `sites` when known)."""
        passages = self.expander.passages(hits)
        texts, findings = {}, {}
        for h in hits:
            texts[h.chunk_id], found = guards.sanitize_source(passages[h.chunk_id].text, sites)
            if found:
                findings[h.chunk_id] = found
        sections = {cid: p.key for cid, p in passages.items()}
        # Each ask gets about the budget and the blocks one ask would: a second ask must not starve.
        blocks = assemble(hits, texts, self.settings.context_token_budget * budget_scale,
                          self.settings.answer_top_k * budget_scale, sections)
        for b in blocks:
            if b.hit.chunk_id in findings:
                b.flagged, b.findings = True, [str(f) for f in findings[b.hit.chunk_id]]
                guardrails += [GuardFinding(stage="sources", detail=f, doc_id=b.doc_id) for f in b.findings]
        return blocks

    def _verify(self, drafted: Drafted, blocks: list[SourceBlock], guardrails: list[GuardFinding]) -> list[Sentence]:
        if not drafted.sentences:
            return []
        sentences = self.verifier.verify(drafted.sentences, blocks)
        if drafted.extractive_fallback is not None and sentences:
            share = supported_share(sentences)
            if share < self.settings.support_min_share:
                guardrails.append(GuardFinding(stage="grounding", detail=(
                    f"LLM draft replaced by the extractive draft: {share:.0%} of its sentences are supported "
                    f"(minimum {self.settings.support_min_share:.0%})")))
                drafted.switch_to_fallback()
                sentences = self.verifier.verify(drafted.sentences, blocks)
        unsupported = [x.text for x in sentences if not x.supported]
        if unsupported:
            guardrails.append(GuardFinding(stage="grounding",
                                           detail=f"{len(unsupported)} sentence(s) not supported by their citations"))
        return sentences

    def _answer(self, rid, question, sentences, blocks, conf, decision, drafted, timings, guardrails, version,
                language: str = "en", name: str | None = None) -> Answer:
        s = self.settings
        by_n = {b.n: b for b in blocks}
        order = list(dict.fromkeys(n for x in sentences for n in x.citations if n in by_n))
        renumber = {old: new for new, old in enumerate(order, 1)}
        sentences = [x.model_copy(update={"citations": [renumber[n] for n in x.citations if n in renumber]})
                     for x in sentences]
        citations = [_citation(renumber[n], by_n[n], [x.text for x in sentences if renumber[n] in x.citations])
                     for n in order]
        # An escalation offers the passages as related articles, not a draft someone might send.
        draft = ""
        if sentences and decision.decision == "answer":
            draft = render_parts([(x.text, x.citations) for x in sentences], drafted.kinds, drafted.parts,
                                 s.answer_greeting, language, name)
        timings["total"] = round(sum(timings.values()), 4)
        return Answer(
            request_id=rid, ticket=question, draft=draft, citations=citations, sentences=sentences,
            confidence=conf, confidence_label=label_for(conf, s.answer_threshold, s.confidence_high),
            decision=decision.decision, reasons=decision.reasons, timings=timings,
            tokens_in=drafted.tokens_in, tokens_out=drafted.tokens_out, cost=drafted.cost,
            provider=drafted.provider, model=drafted.model, prompt_version=PROMPT_VERSION, index_version=version,
            calibration_version=self.calibration.version, cached=drafted.cached, fallbacks=drafted.fallbacks,
            fell_back_from=drafted.fell_back_from,
            guardrails=guardrails,
        )


def _citation(n: int, block: SourceBlock, cited: list[str]) -> Citation:
    """The quote is the passage's own units that best support each cited sentence, in passage order.

    Units are whole rows, so a quote never mixes cells of two rows; when it holds rows, the
    Markdown form puts them back under their header for a reader that can render tables.
    """
    h = block.hit
    passage = units(block.text)
    picks = sorted({max(passage, key=lambda u: lexical_support(c, u.text)) for c in cited} if passage else set(),
                   key=lambda u: u.index)
    quote = " ".join(u.text for u in picks) or block.text[:300]
    markdown = as_markdown(picks) if any(u.kind == "row" and u.header for u in picks) else ""
    return Citation(n=n, chunk_id=h.chunk_id, doc_id=h.doc_id, title=h.title, url=h.url, quote=quote,
                    quote_markdown=markdown, heading_path=h.heading_path, flagged=block.flagged)


def _fused_scale(settings) -> float:
    """What turns the best possible fused score into 1: min-max fusion is 0-1 already; RRF is not."""
    if settings.fusion_method == "minmax":
        return 1.0
    return (settings.rrf_k + 1) / max(1e-9, settings.weight_bm25 + settings.weight_dense)


def _safe_version(searcher) -> int | None:
    try:
        return searcher.version()
    except Exception:  # noqa: BLE001 - an answer without a version beats no answer
        return None


@contextmanager
def _timed(timings: dict[str, float], stage: str):
    if (listener := _stage_listener.get()) is not None:
        listener(stage)
    start = time.perf_counter()
    with span(f"assistant.{stage}"):
        yield
    timings[stage] = round(time.perf_counter() - start, 4)
