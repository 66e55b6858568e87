"""Answer or escalate, with reasons a support agent can read at a glance."""

from __future__ import annotations

import re
from typing import NamedTuple

from retrieval.tokenize import STOPWORDS, tokenize

# Words that say how a customer asks, not what about: left out of "nothing on <topic>".
_FILLER = frozenset(
    """hi hello hey dear thanks thank please help team question questions wondering know tell need want like
    able possible way get use using offer offers support supports provide provides ledgerly there anyone
    someone something anything ok okay also still just really much many make makes can could would should
    does do did doing done regards cheers best kind""".split()  # noqa: SIM905 - reads as text
)
_NOT_TOPICS = STOPWORDS | _FILLER


class Decision(NamedTuple):
    decision: str  # "answer" | "escalate"
    reasons: list[str]


def _content_words(question: str) -> list[str]:
    return [w for w in re.findall(r"[^\W_][\w'-]*", question) if w.lower() not in _NOT_TOPICS and len(w) > 2]


def _listed(words: list[str], limit: int) -> str:
    return ", ".join(list(dict.fromkeys(w.lower() if not w.isupper() else w for w in words))[:limit])


def lacking_words(question: str, missing: set[str] | None) -> list[str]:
    """The ticket's content words whose terms the help center has never used."""
    return [w for w in _content_words(question) if set(tokenize(w)) & (missing or set())]


def topic_of(question: str, missing: set[str] | None = None, limit: int = 4) -> str:
    """A few content words of the ticket, preferring those the help center lacks: 'payroll, employees'."""
    words = lacking_words(question, missing) or _content_words(question)
    return _listed(words, limit) or "this question"


def nothing_on(question: str, missing: set[str] | None = None) -> str:
    return f"the help center has nothing on {topic_of(question, missing)}"


def decide(confidence: float, threshold: float, blockers: list[str], question: str,
           missing: set[str], has_draft: bool) -> Decision:
    """Escalate on any blocker, on an empty draft, or below the threshold; otherwise answer."""
    reasons = list(blockers)
    if not has_draft and not reasons:
        reasons.append(nothing_on(question, missing))
    if confidence < threshold:
        reasons.append(f"confidence {confidence:.2f} is below the answer threshold {threshold:.2f}")
        lacking = lacking_words(question, missing)
        # Named only when a word the agent can see is unknown: "nothing on over" helps nobody.
        if lacking and not any(r.startswith("the help center has nothing") for r in reasons):
            reasons.append(f"the help center may have nothing on {_listed(lacking, 4)}")
    if reasons:
        return Decision("escalate", reasons)
    return Decision("answer", [f"confidence {confidence:.2f} meets the answer threshold {threshold:.2f}"])
