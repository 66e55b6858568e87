"""Write the draft: the extractive one always (it is cheap and the fallback), an LLM one when asked.

An LLM draft passes through the output guards here (prompt leak, instruction-like sentences,
links/emails/phones not in the cited sources); grounding happens in the pipeline's verify stage.
"""

from __future__ import annotations

import re

from assistant import guards
from assistant.context import SourceBlock
from assistant.extractive import Draft, extractive_draft
from assistant.generation import EXTRACTIVE, Fallback, GenerationRequest, failovers
from assistant.prompt import NO_ANSWER, PROMPT_VERSION, build_prompt, strip_delimiters
from assistant.sentences import draft_sentences
from deflectkit.core.errors import DeflectError

_SALUTATION = re.compile(r"^(hi|hello|hey|dear|thanks|thank you|best|kind regards|regards|cheers|"
                         r"i hope this helps|hope this helps)\b", re.IGNORECASE)


class Drafted:
    """The draft the pipeline goes on with, and how it came to be."""

    def __init__(self, sentences, kinds, provider, *, best_sim: float = 0.0, extractive: Draft | None = None):
        self.sentences: list[tuple[str, list[int]]] = sentences
        self.kinds: list[str] = kinds or ["sentence"] * len(sentences)
        self.provider, self.model = provider, ""
        self.fell_back_from: str | None = None  # the LLM whose draft the grounding check replaced
        self.tokens_in = self.tokens_out = 0
        self.cost, self.cached = 0.0, False
        self.best_sim = best_sim
        self.notes: list[str] = []  # how generation went, in words (fallbacks, skips)
        self.fallbacks: list[Fallback] = []  # LLM providers skipped or failed, with why
        self.output: list[str] = []  # what the output guards removed
        self.blockers: list[str] = []
        self.extractive_fallback = extractive  # set while an LLM draft is in use
        self.parts: list[int] | None = None  # which ask each sentence answers (several asks only)
        self.fallback_parts: list[int] | None = None
        self.fallback_coverage: list[float] | None = None  # per-ask coverage of the extractive fallback

    def switch_to_fallback(self) -> None:
        ext = self.extractive_fallback
        if ext is not None:
            self.sentences, self.kinds, self.parts = ext.sentences, ext.kinds, self.fallback_parts
            self.fell_back_from, self.provider, self.model = self.provider, EXTRACTIVE, ""
            self.extractive_fallback = None


def _from_extractive(ext: Draft, provider: str = EXTRACTIVE) -> Drafted:
    return Drafted(list(ext.sentences), list(ext.kinds), provider, best_sim=ext.best_similarity)


def draft_reply(question: str, blocks: list[SourceBlock], embedder, settings, generator, provider: str,
                request_id: str, allow_llm: bool = True, index_version: int | None = None,
                cache_bypass: bool = False, prompt_ticket: str | None = None, problem: bool = False,
                asks: list[str] | None = None) -> Drafted:
    """`question` (redacted) is what the extractive draft answers; `prompt_ticket` (the whole redacted
    ticket, default `question`) goes into the LLM prompt and the response-cache key; `asks` (several)
    are listed in the prompt for the model to answer each."""
    prompt_ticket = prompt_ticket or question
    ext = extractive_draft(question, blocks, embedder, settings.answer_max_sentences, settings.answer_greeting,
                           problem=problem)
    out = _from_extractive(ext)
    if provider == EXTRACTIVE:
        return out
    if not allow_llm:
        out.notes.append("LLM not called for a ticket that failed screening; extractive draft used")
        return out
    if generator is None or not getattr(settings, "generation_enabled", True):
        why = "generation is switched off" if generator is not None else f"no {provider} generator is configured"
        out.notes.append(f"{why}; extractive draft used")
        return out
    system, user = build_prompt(prompt_ticket, blocks, settings.prompt_canary, settings.answer_max_sentences, asks)
    try:
        g = generator.generate(GenerationRequest(
            system=system, user=user, max_tokens=settings.answer_max_tokens, temperature=settings.answer_temperature,
            request_id=request_id, ticket=prompt_ticket, index_version=index_version, prompt_version=PROMPT_VERSION,
            sources_key="|".join(b.hit.chunk_id for b in blocks), cache_bypass=cache_bypass))
    except DeflectError as e:
        out.fallbacks = list(getattr(e, "reasons", None) or [Fallback(provider=provider, kind="failed", detail=str(e))])
        out.notes += [*map(str, out.fallbacks), "extractive draft used"]
        return out
    out.fallbacks = failovers(g.fallbacks)
    out.notes += [f"skipped: {f}" for f in g.fallbacks]
    if g.provider == EXTRACTIVE:
        return out
    llm = Drafted([], [], g.provider, best_sim=ext.best_similarity, extractive=ext)
    llm.model, llm.tokens_in, llm.tokens_out, llm.cost, llm.cached = g.model, g.tokens_in, g.tokens_out, g.cost, g.cached
    llm.notes, llm.fallbacks = out.notes, out.fallbacks
    leak = guards.prompt_leak(g.text, settings.prompt_canary, system)
    if leak:
        llm.blockers.append(f"draft blocked: {leak}")
        return llm
    if g.text.strip().upper().startswith(NO_ANSWER):
        llm.blockers.append(f"the {g.provider} model found no answer in the sources")
        return llm
    text, echoed = strip_delimiters(g.text)
    if echoed:
        llm.output.append(f"{echoed} echoed prompt delimiter tag(s) removed")
    llm.sentences = _guarded_sentences(text, blocks, llm.output)
    llm.kinds = ["sentence"] * len(llm.sentences)
    return llm


def _guarded_sentences(text: str, blocks: list[SourceBlock], report: list[str]) -> list[tuple[str, list[int]]]:
    """Draft sentences minus salutations and instruction-like text, contact points checked against sources."""
    by_n = {b.n: b for b in blocks}
    out = []
    for sentence, cites in draft_sentences(text):
        if not cites and _SALUTATION.match(sentence) and len(sentence.split()) <= 8:
            continue
        if any(f.severe for f in guards.screen(sentence) + guards.unsafe_advice(sentence)):
            report.append("instruction-like sentence removed from the draft")
            continue
        cited = "\n".join(by_n[n].text for n in cites if n in by_n) or "\n".join(b.text for b in blocks)
        sentence, removed = guards.filter_output(sentence, cited)
        report += removed
        if sentence.strip(" .,;:"):
            out.append((sentence, cites))
    return out
