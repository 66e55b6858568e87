"""Answer or escalate, with reasons a support agent can read at a glance.

The decision is the calibrated confidence against the threshold, plus hard blockers that no score
outweighs (instructions aimed at the assistant, an ask no passage answers). Reasons name what is
missing in the customer's own words, shortened, never a list of stray tokens: digits that are not
an identifier or error code (a CVC, a phone number) and the customer's name are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from assistant.language import language_name

_WORD = re.compile(r"\S+")
_PLACEHOLDER = re.compile(r"^\[[A-Z_]+\][.,;:!?]*$")
TOPIC_WORDS = 10
TOPIC_WORD_CHARS = 40  # a longer "word" is a pasted hash, log or garbage: never quoted back


class Decision(NamedTuple):
    decision: str  # "answer" | "escalate"
    reasons: list[str]


def topic(ask: str, keep: Sequence[str] = (), drop: Sequence[str] = (), limit: int = TOPIC_WORDS) -> str:
    """The ask as a short quote: “is there a way to automate bank transfer matching?”.

    `keep`: entity texts that may contain digits (INV-5512, SQL0805N); `drop`: words never shown
    (the customer's name). Other digit-bearing words, redaction placeholders, words over
    TOPIC_WORD_CHARS characters and words with bytes that were not text (U+FFFD) are left out."""
    keep_l = {k.lower() for k in keep}
    drop_l = {d.lower() for d in drop}
    first = re.split(r"(?<=[.?!])\s+", " ".join(ask.split()), maxsplit=1)[0]
    words = []
    for w in _WORD.findall(first):
        bare = w.strip(".,;:!?()\"'¿¡").lower()
        if not bare or bare in drop_l or _PLACEHOLDER.match(w) or len(w) > TOPIC_WORD_CHARS or "\ufffd" in w:
            continue
        if any(c.isdigit() for c in bare) and bare not in keep_l:
            continue
        words.append(w)
    if not words:
        return "this request"
    text = " ".join(words[:limit]).rstrip(",;:")
    return f"“{text}{'…' if len(words) > limit else ''}”"


def not_covered(uncovered: Sequence[str], n_asks: int) -> str:
    """'no article covers “…”' for a one-ask ticket; '2 asks, 1 not covered: “…”' otherwise."""
    if n_asks <= 1:
        return f"no article covers {uncovered[0] if uncovered else 'this ticket'}"
    return f"{n_asks} asks, {len(uncovered)} not covered: {'; '.join(uncovered)}"


def language_note(ticket_lang: str | None, hc_langs: Sequence[str]) -> str | None:
    """'ticket is in Spanish; the help center is English' when the help center lacks the ticket's language."""
    if not ticket_lang or not hc_langs or ticket_lang in hc_langs:
        return None
    return (f"ticket is in {language_name(ticket_lang)}; the help center is "
            f"{' and '.join(language_name(c) for c in hc_langs[:2])}: the draft is in "
            f"{language_name(hc_langs[0])}")


def decide(confidence: float, threshold: float, blockers: Sequence[str], has_draft: bool,
           notes: Sequence[str] = ()) -> Decision:
    """Escalate on any blocker, on an empty draft, or below the threshold; otherwise answer. `notes`
    (a language mismatch, say) are shown either way."""
    reasons = list(blockers)
    if not has_draft and not reasons:
        reasons.append("no passage in the help center answers this ticket")
    if confidence < threshold:
        reasons.append(f"confidence {confidence:.2f} is below the answer threshold {threshold:.2f}")
    if reasons:
        return Decision("escalate", [*reasons, *notes])
    return Decision("answer", [f"confidence {confidence:.2f} meets the answer threshold {threshold:.2f}", *notes])
