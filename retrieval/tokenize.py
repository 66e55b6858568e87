"""Text -> terms for lexical search: lowercase word tokens, stopwords out, a light English stemmer.

Pure Python on purpose: the same function feeds every BM25 backend and their saved indexes,
so a term must come out the same on every machine, whatever optional stemmers are installed.
Change the rules only together with TOKENIZER_VERSION, so stale saved indexes are caught on load.
"""

from __future__ import annotations

import re

# Bump when any rule below changes the terms produced: saved indexes record it.
TOKENIZER_VERSION = "1"

# Runs of letters or digits in any script. `\w` also matches "_", which we treat as punctuation
# so that "reset_password" and "reset password" match.
_WORD = re.compile(r"[^\W_]+")

# "don't" -> "do not": keeps the negation as a term instead of leaving a stray "t".
# can't / won't / shan't lose more than the "n't", hence the explicit fixes.
# The leading \b lets the regex give up at once except at word starts; without it, it alone
# took longer than the rest of tokenize.
_NEGATION = re.compile(r"\b([^\W_]+)n['’]t\b")
_NEGATION_FIXES = {"ca": "can", "wo": "will", "sha": "shall"}

# Common English function words. "not" and "no" are kept because they flip a support
# question's meaning; "up", "down", "out", "off" and "over" are kept because they carry the
# meaning of phrasal verbs that support questions are full of ("sign up", "log out",
# "turn off"). Contraction leftovers ("s", "ll", ...) come from splitting on apostrophes.
STOPWORDS: frozenset[str] = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing during each either else ever
    few for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just let me more most much my myself neither nor of on once only or
    other others our ours ourselves own same shall she should since so some such than that the
    their theirs them themselves then there these they this those though through thus to too
    under until us very via was we were what whatever when where whether which while who whom
    whose why will with within would yet you your yours yourself yourselves
    d ll m re s t ve
    """.split()  # noqa: SIM905 - as text the list reads and diffs well; as a literal, one word a line
)


def tokenize(text: str) -> list[str]:
    """Terms of `text`, in order, repeats kept (BM25 counts them).

    >>> tokenize("Refunds aren't issued for invoices paid by e-mail transfer")
    ['refund', 'not', 'issu', 'invoic', 'paid', 'e', 'mail', 'transfer']
    """
    text = text.casefold()
    if "'" in text or "’" in text:  # the negation regex is the slowest step: skip it when it cannot match
        text = _NEGATION.sub(_expand_negation, text)
    words = _WORD.findall(text)
    # Word frequencies are Zipfian, so nearly every word is already in the cache; map and filter
    # keep that common path in C instead of a Python call per word.
    terms = list(map(_TERMS.get, words))
    if None in terms:
        terms = [_learn(word) if term is None else term for word, term in zip(words, terms, strict=True)]
    return list(filter(None, terms))


# word -> term, "" for a stopword. Bounded by clearing: simpler than LRU bookkeeping, and a refill
# costs little. It only holds what _learn computes, so it never changes a result.
_TERMS: dict[str, str] = {}
_TERMS_MAX = 500_000


def _learn(word: str) -> str:
    if len(_TERMS) >= _TERMS_MAX:
        _TERMS.clear()
    term = _TERMS[word] = "" if word in STOPWORDS else _stem(word)
    return term


def _expand_negation(match: re.Match[str]) -> str:
    head = match.group(1)
    return f"{_NEGATION_FIXES.get(head, head)} not"


_VOWELS = frozenset("aeiouy")


def _stem(word: str) -> str:
    """Strip English inflections so that "invoice", "invoices", "invoiced", "invoicing" meet.

    A few Porter-style rules, not full Porter: enough for plural and tense to match, cheap,
    and predictable. Only plain ASCII words are touched: "2fa", "v2" and non-English words
    pass through.
    """
    if len(word) <= 3 or not (word.isascii() and word.isalpha()):
        return word

    # Plurals and third person.
    if word.endswith("sses"):
        word = word[:-2]  # addresses -> address
    elif word.endswith(("ies", "ied")) and len(word) > 4:
        word = word[:-3] + "y"  # policies, applied -> policy, apply
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]  # refunds -> refund; status, analysis, access stay

    # Past tense and gerund, only when a real stem (with a vowel) is left: "need", "bring"
    # and "thing" stay whole.
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and not word.endswith("eed"):
            stem = word[: -len(suffix)]
            if len(stem) >= 3 and _VOWELS.intersection(stem):
                word = _undouble(stem)
            break

    # A final silent "e" so that "invoice" meets "invoic(ing)"; "boxe" (from boxes) -> "box".
    if len(word) > 3 and word.endswith("e") and not word.endswith("ee"):
        word = word[:-1]
    # British and American spellings meet: "cancelled" -> "cancell" -> "cancel"; short words
    # such as "bill" and "still" keep their "ll".
    if len(word) > 5 and word.endswith("ll"):
        word = word[:-1]
    return word


def _undouble(stem: str) -> str:
    """shipp(ed) -> ship, but bill(ing), pass(ed), buzz(ing) keep their double letter."""
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        return stem[:-1]
    return stem
