"""Answer or escalate, with reasons a support agent can read at a glance.

The decision is the calibrated confidence against the threshold, plus hard blockers that no score
outweighs (instructions aimed at the assistant, an ask no passage answers). Reasons name what is
missing in the customer's own words (from the redacted ticket), shortened, never a list of stray
tokens: redaction placeholders, digits that are not an identifier or error code (a CVC, a phone
number) and names are left out: the customer's sign-off name, a name they introduce themselves
with ("my name is ...", "this is ...", "... here"), and any run of two or more capitalised words
the help center has never used (a person's or a company's name: "Maria Keller", "Northwind Bakery").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from assistant.language import language_name

_WORD = re.compile(r"\S+")
_PLACEHOLDER = re.compile(r"^\[[A-Z_]+\][.,;:!?]*$")
TOPIC_WORDS = 10
TOPIC_WORD_CHARS = 40  # a longer "word" is a pasted hash, log or garbage: never quoted back
_NAME_WORD = r"[A-ZÀ-Ý][\w'’-]*"
# Capitalised at the start of a sentence, never a name (for when no vocabulary is at hand).
_COMMON = frozenset({
    "a", "an", "and", "also", "are", "as", "at", "but", "can", "could", "dear", "do", "does", "for", "hello", "hey",
    "hi", "how", "i", "if", "in", "is", "it", "my", "our", "please", "should", "so", "thanks", "the", "this", "we",
    "what", "when", "where", "which", "who", "why", "will", "would", "you"})
# "my name is sam carter" (any case), "this is Sam Carter", "I'm Sam", "Sam Carter here"
_INTRODUCED = re.compile(
    rf"(?i:\bmy\s+name\s+is|\bname'?s)\s+((?:(?!and\b|from\b|with\b)[^\W\d_][\w'’-]*\s*){{1,3}})"
    rf"|(?i:\bthis\s+is|\bi\s+am|\bi'm|\bit'?s)\s+((?:{_NAME_WORD}\s*){{1,3}})"
    rf"|^\W*((?:{_NAME_WORD}\s+){{1,3}})here\b")


class Decision(NamedTuple):
    decision: str  # "answer" | "escalate"
    reasons: list[str]


def names_in(text: str, known: Callable[[str], bool] | None = None) -> set[str]:
    """Lower-cased words of `text` that name someone: introduced as a name, or in a run of two or more
    capitalised words that `known` (the help center's vocabulary) has never seen."""
    names: set[str] = set()
    for m in _INTRODUCED.finditer(text):
        names.update(w.lower() for w in (m.group(1) or m.group(2) or m.group(3)).split())
    run: list[str] = []
    for w in [*_WORD.findall(text), ""]:
        bare = w.strip(".,;:!?()\"'¿¡")
        if (bare[:1].isupper() and bare[1:] != bare[1:].upper() and bare.lower() not in _COMMON
                and not (known and known(bare))):
            run.append(bare.lower())
            if w[-1:] not in ".,;:!?)":
                continue
        if len(run) >= 2:
            names.update(run)
        run = []
    return names


def topic(ask: str, keep: Sequence[str] = (), drop: Sequence[str] = (), limit: int = TOPIC_WORDS,
          known: Callable[[str], bool] | None = None) -> str:
    """The ask as a short quote: “is there a way to automate bank transfer matching?”.

    `keep`: entity texts that may contain digits (INV-5512, SQL0805N); `drop`: words never shown
    (the customer's name); `known`: whether the help center uses a word (a run of capitalised words
    it does not know is a name). Other digit-bearing words, names, redaction placeholders, words over
    TOPIC_WORD_CHARS characters and words with bytes that were not text (U+FFFD) are left out."""
    keep_l = {k.lower() for k in keep}
    first = re.split(r"(?<=[.?!])\s+", " ".join(ask.split()), maxsplit=1)[0]
    drop_l = {d.lower() for d in drop} | names_in(first, known)
    first = _INTRODUCED.sub(" ", first)  # "my name is Sam", "Sam here": the introduction goes with the name
    words = []
    for w in _WORD.findall(first):
        bare = w.strip(".,;:!?()\"'¿¡").lower()
        if (not bare or bare in drop_l or bare.removesuffix("'s").removesuffix("’s") in drop_l or _PLACEHOLDER.match(w)
                or len(w) > TOPIC_WORD_CHARS or "\ufffd" in w):
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


def least_covered(weakest: str, n_asks: int) -> str:
    """'2 asks; the least covered: “…”': which ask held the confidence down, for a multi-ask escalation."""
    return f"{n_asks} asks; the least covered: {weakest}"


# What each confidence feature says when it is the one holding a draft back, in an agent's words.
_HELD_BACK = {
    "doc_margin": "another article matches about as well",
    "coverage": "the drafted passage leaves much of what the ticket says unanswered",
    "unknown_terms": "the ticket uses words the help center never does",
    "entity_match": "the cited passages do not name the error code, version or product the ticket gives",
    "best_sentence_sim": "no drafted sentence is close to what the ticket asks",
    "ask_coverage": "no drafted sentence is close to what the ticket asks",
    "supported_share": "part of the draft is not backed by its sources",
    "n_supporting": "the draft rests on one short passage",
}
_WEAK_MATCH = "no passage matches the ticket closely"  # top_fused, agreement, margin, top_dense
_RANKING = frozenset({"doc_margin", "top_fused", "agreement", "margin", "top_dense"})
WEAK_MATCH_DENSE = 0.45  # best passage cosine under this: nothing is close (a typical right answer has ~0.65)
HELD_BACK_FLOOR = -0.25  # a pull on the logit weaker than this explains nothing
HELD_BACK_MOST = 2


def held_back(contributions: dict[str, float], rival_title: str | None = None, weak_match: bool = False,
              floor: float = HELD_BACK_FLOOR, most: int = HELD_BACK_MOST) -> str | None:
    """'held back by: another article matches about as well: “Reset your password”; …': the features
    that pull the confidence down most (`Calibration.contributions`, each by more than `floor`), at
    most `most`, for a ticket escalated on confidence alone; None when nothing pulls that hard.
    `weak_match`: no passage is close to the ticket at all, which comes first and makes how the
    articles rank against each other beside the point. `rival_title`: the runner-up article's title."""
    whys = [_WEAK_MATCH] if weak_match else []
    for name, pull in sorted(contributions.items(), key=lambda kv: (kv[1], kv[0])):
        if pull > floor or len(whys) >= most:
            break
        if weak_match and name in _RANKING:
            continue
        why = _HELD_BACK.get(name, _WEAK_MATCH)
        if name == "doc_margin" and rival_title:
            why = f"{why}: “{rival_title}”"
        if why not in whys:
            whys.append(why)
    return f"held back by: {'; '.join(whys)}" if whys else None


def language_note(ticket_lang: str | None, hc_langs: Sequence[str], draft_lang: str | None = None) -> str | None:
    """Why the draft is not in the ticket's language, when it is not: 'ticket is in Spanish; the help
    center is English: the draft is in English', or, when the help center has the language but not on
    this, 'ticket is in German; no German passage answers it: the draft is in English'.
    `draft_lang`: the drafted text's language (None: no draft yet, the help center's first)."""
    if not ticket_lang or not hc_langs or ticket_lang == draft_lang:
        return None
    if ticket_lang in hc_langs:
        if draft_lang is None:
            return None
        return (f"ticket is in {language_name(ticket_lang)}; no {language_name(ticket_lang)} passage answers it: "
                f"the draft is in {language_name(draft_lang)}")
    return (f"ticket is in {language_name(ticket_lang)}; the help center is "
            f"{' and '.join(language_name(c) for c in hc_langs[:2])}: the draft is in "
            f"{language_name(draft_lang or hc_langs[0])}")


def decide(confidence: float, threshold: float, blockers: Sequence[str], has_draft: bool,
           notes: Sequence[str] = ()) -> Decision:
    """Escalate on any blocker, on an empty draft, or below the threshold; otherwise answer. `notes`
    (a language mismatch, say) are shown either way."""
    reasons = list(blockers)
    if not has_draft and not reasons:
        reasons.append("no passage in the help center answers this ticket")
    if confidence < threshold:
        reasons.append(f"confidence {confidence:.2f} is below the answer threshold {threshold:g}")
    if reasons:
        return Decision("escalate", [*reasons, *notes])
    return Decision("answer", [f"confidence {confidence:.2f} meets the answer threshold {threshold:g}", *notes])
