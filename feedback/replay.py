"""Replay recorded tickets through the current pipeline and compare old and new answers side by side.

Definitions (per interaction; "docs" = the set of cited doc ids):

- The expected behaviour is to escalate if the interaction was marked out of scope (feedback flag or an
  out_of_scope escalation), otherwise to answer.
- The OLD answer was ok when
    out of scope: it escalated;
    in scope:     nobody objected: no thumbs down (latest vote), no agent escalation, and the pipeline answered.
- The NEW answer is ok when
    out of scope: it escalates;
    in scope, old ok:  it answers and keeps at least one of the old docs (or the old one cited none);
    in scope, old bad: it answers AND either cites a different doc set or is at least `min_gain` more
                       confident than the old answer.
- Verdicts: fixed = old bad, new ok; still_wrong = old bad, new bad; unchanged = old ok, new ok;
  regressed = old ok, new bad; error = answer_fn raised (the message is kept);
  unrated = nobody judged the old answer (no vote, not sent, edited or escalated by an agent, not marked
  out of scope), so neither "ok" nor "bad" is known: the new answer is shown, not scored.
Interactions whose text retention removed are skipped (counted in skipped_redacted).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

from assistant.models import Answer
from feedback.models import FeedbackFilter, Interaction
from feedback.queries import cited_docs
from feedback.store import FeedbackStore

log = logging.getLogger(__name__)

Verdict = Literal["fixed", "still_wrong", "unchanged", "regressed", "unrated", "error"]
VERDICTS: tuple[str, ...] = Verdict.__args__
MIN_GAIN = 0.05


class Side(BaseModel):
    decision: str
    confidence: float
    confidence_label: str
    cited_doc_ids: list[str]
    draft: str
    index_version: int | None = None
    prompt_version: str = ""

    @classmethod
    def of(cls, a: Answer) -> Side:
        return cls(decision=a.decision, confidence=a.confidence, confidence_label=a.confidence_label,
                   cited_doc_ids=cited_docs(a), draft=a.draft, index_version=a.index_version,
                   prompt_version=a.prompt_version)


class ReplayItem(BaseModel):
    request_id: str
    ticket: str
    verdict: Verdict
    old_ok: bool
    out_of_scope: bool
    old: Side
    new: Side | None = None
    error: str = ""


class ReplayReport(BaseModel):
    total: int
    counts: dict[str, int] = Field(description="Items per verdict (every verdict present, maybe 0).")
    skipped_redacted: int = 0
    items: list[ReplayItem]


def was_rated(it: Interaction) -> bool:
    """An agent judged the old answer: a vote, a send or edit, an escalation, or an out-of-scope mark."""
    return it.thumbs is not None or it.sent or it.edited or it.escalated or it.out_of_scope


def old_was_ok(old: Answer, *, thumbs_down: bool, agent_escalated: bool, out_of_scope: bool) -> bool:
    if out_of_scope:
        return old.decision == "escalate"
    return not thumbs_down and not agent_escalated and old.decision == "answer"


def new_is_ok(old: Answer, new: Answer, *, old_ok: bool, out_of_scope: bool, min_gain: float = MIN_GAIN) -> bool:
    if out_of_scope:
        return new.decision == "escalate"
    if new.decision != "answer":
        return False
    old_docs, new_docs = set(cited_docs(old)), set(cited_docs(new))
    if old_ok:
        return not old_docs or bool(old_docs & new_docs)
    return new_docs != old_docs or new.confidence >= old.confidence + min_gain


def classify(old: Answer, new: Answer, *, thumbs_down: bool, agent_escalated: bool, out_of_scope: bool,
             min_gain: float = MIN_GAIN) -> Verdict:
    ok_before = old_was_ok(old, thumbs_down=thumbs_down, agent_escalated=agent_escalated, out_of_scope=out_of_scope)
    ok_now = new_is_ok(old, new, old_ok=ok_before, out_of_scope=out_of_scope, min_gain=min_gain)
    return {(False, True): "fixed", (False, False): "still_wrong",
            (True, True): "unchanged", (True, False): "regressed"}[(ok_before, ok_now)]


def replay(store: FeedbackStore, filter: FeedbackFilter | None, answer_fn: Callable[[str], Answer],
           min_gain: float = MIN_GAIN, progress: Callable[[int, int], None] | None = None) -> ReplayReport:
    """Re-run each matching interaction's ticket through answer_fn (the current pipeline), oldest first."""
    interactions = list(reversed(store.list_interactions(filter)))
    todo = [it for it in interactions if not it.redacted and it.answer is not None]
    items: list[ReplayItem] = []
    for i, it in enumerate(todo, 1):
        flags = {"thumbs_down": it.thumbs == "down", "agent_escalated": it.escalated, "out_of_scope": it.out_of_scope}
        ok_before = old_was_ok(it.answer, **flags)
        base = {"request_id": it.request_id, "ticket": it.ticket, "old_ok": ok_before,
                "out_of_scope": it.out_of_scope, "old": Side.of(it.answer)}
        try:
            new = answer_fn(it.ticket)
        except Exception as e:  # one failing ticket must not sink the whole replay
            log.warning("replay failed", extra={"request_id": it.request_id, "error": type(e).__name__})
            items.append(ReplayItem(**base, verdict="error", error=f"{type(e).__name__}: {e}"))
        else:
            verdict = classify(it.answer, new, min_gain=min_gain, **flags) if was_rated(it) else "unrated"
            items.append(ReplayItem(**base, verdict=verdict, new=Side.of(new)))
        if progress:
            progress(i, len(todo))
    counts = Counter(item.verdict for item in items)
    return ReplayReport(total=len(items), counts={v: counts.get(v, 0) for v in VERDICTS},
                        skipped_redacted=len(interactions) - len(todo), items=items)
