"""From a ticket's asks to retrieval queries, and the per-ask hits merged into one ranked list.

One ask: the query is the ticket's core (subject and body without greeting, quotes, signature).
Several: one query per ask, so a second question is retrieved for on its own terms instead of
losing to the first one's better passage; a short follow-up ("and can I automate that?") keeps the
ask before it as context.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from assistant.understanding import Entity, TicketParts, ask_queries, condensed
from retrieval.models import Hit
from retrieval.tokenize import tokenize

CONTEXT_WORDS = 6  # an ask shorter than this is read with the ask before it


class AskPlan(NamedTuple):
    text: str  # the ask as the customer wrote it (redacted)
    query: str  # what retrieval reads for it
    focus: str  # what the drafted sentences must answer: the problem, not the steps already taken
    problem: bool = False  # the customer reports something not working (troubleshooting sections fit)


# "I clicked Forgot password but the email never came": what was tried, then the problem.
_TURN = re.compile(r"\b(?:but|however|yet|though|aber|jedoch|pero|sin embargo|mais|cependant|pourtant)\b",
                   re.IGNORECASE)
_PROBLEM = re.compile(r"\b(?:never|not|no|n't|cannot|can't|won't|doesn't|didn't|isn't|fails?|failed|error|"
                      r"nicht|kein\w*|nie|nunca|no|ningún|pas|jamais|aucun\w*)\b|n't\b", re.IGNORECASE)


def focus_of(ask: str) -> str:
    """The problem clause of an ask that first tells what the customer already did, plus what follows."""
    pieces = _TURN.split(ask, maxsplit=1)
    if len(pieces) == 2 and _PROBLEM.search(pieces[1]) and len(pieces[1].split()) >= 3:
        return pieces[1].strip(" ,;")
    return ask


def ask_plan(parts: TicketParts, max_asks: int = 3) -> list[AskPlan]:
    core = f"{parts.subject}\n{parts.core}".strip() if parts.subject and parts.subject not in parts.core else parts.core
    asks = [a.text for a in parts.asks if a.text.strip()]
    if len(asks) <= 1 or max_asks <= 1:
        text = asks[0] if asks else core
        focus = focus_of(text)
        kind = parts.asks[0].kind if parts.asks else "question"
        return [AskPlan(text, condensed(core or text), core if focus == text else focus,
                        kind == "problem" or focus != text)]
    queries = ask_queries(parts)
    if len(asks) > max_asks:  # the tail folds into the last ask rather than being dropped
        asks = [*asks[: max_asks - 1], " ".join(asks[max_asks - 1:])]
        queries = [*queries[: max_asks - 1], " ".join(queries[max_asks - 1:])]
    plans = []
    kinds = [a.kind for a in parts.asks if a.text.strip()][: len(asks)]
    for i, (text, query) in enumerate(zip(asks, queries, strict=True)):
        if i and len(text.split()) < CONTEXT_WORDS:
            query = f"{asks[i - 1]} {query}"
        focus = focus_of(text)
        problem = kinds[i] == "problem" or focus != text
        plans.append(AskPlan(text, query, query if focus == text else focus, problem))
    return plans


def merge_hits(per_ask: list[list[Hit]]) -> list[Hit]:
    """Round-robin by rank across the asks' hit lists, each chunk once, re-ranked from 1."""
    seen: set[str] = set()
    out: list[Hit] = []
    for rank in range(max((len(h) for h in per_ask), default=0)):
        for hits in per_ask:
            if rank < len(hits) and hits[rank].chunk_id not in seen:
                seen.add(hits[rank].chunk_id)
                out.append(hits[rank].model_copy(update={"rank": len(out) + 1}))
    return out


DISTINCT_ASKS_MAX_COSINE = 0.35  # asks closer than this are one topic told twice (a title and its question)


def distinct_topics(vectors: np.ndarray, max_cosine: float = DISTINCT_ASKS_MAX_COSINE) -> bool:
    """Whether the asks (their embeddings) are about different things: "turn on 2FA" and "invite a
    member" (cosine about 0.15) are; a forum post's title and its question (0.4 to 1.0) are not."""
    if len(vectors) < 2:
        return False
    v = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sims = v @ v.T
    return bool(np.max(sims[np.triu_indices(len(v), 1)]) < max_cosine)


def record_number(e: Entity) -> bool:
    """A record number ("#48213", or "48213" after "order"/"invoice"/"ticket" …), not a prefixed id."""
    return e.kind == "identifier" and (e.text.startswith("#") or e.text[:1].isdigit())


def without_record_ids(query: str, entities: list[Entity], knows: Callable[[str], bool]) -> str:
    """The retrieval query without the customer's record identifiers ("INV-5512", "#48213") that the help
    center has never used: they name one customer's invoice or order, not a topic, and their letters
    ("inv") would only pull in pages of example records. Error codes, versions and identifiers the
    help center does use (a CVE it has a bulletin for) stay. `knows(term)`: whether the help center uses it."""
    for e in entities:
        if e.kind == "identifier" and any(any(c.isdigit() for c in t) and not knows(t) for t in tokenize(e.text)):
            query = re.sub(rf"[ \t]*(?<![\w-]){re.escape(e.text)}(?![\w-])", "", query)
    return query
