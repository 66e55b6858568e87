"""Which languages the help center is written in, per index version: the reply's language follows it.

Chunks carry a locale when the source gave one; otherwise the text's own language is detected
(py3langid, offline). A sample of chunks is enough: a help center is a few languages at most.
"""

from __future__ import annotations

from collections import Counter

from assistant.understanding import detect_language
from assistant.vocabulary import VersionCache

NAMES = {"en": "English", "de": "German", "es": "Spanish", "fr": "French", "it": "Italian", "nl": "Dutch",
         "pt": "Portuguese", "pl": "Polish", "sv": "Swedish", "da": "Danish", "ja": "Japanese", "zh": "Chinese"}
SAMPLE = 400
MIN_SHARE = 0.03  # a language with fewer chunks than this share is noise (a quoted phrase, a name)


def language_name(code: str | None) -> str:
    return NAMES.get(code or "", code or "an unknown language")


def text_language(text: str, locale: str | None) -> str | None:
    """The source's locale as a language code ("de-DE" -> "de"), else the text's detected language."""
    return (locale or "").split("-")[0].split("_")[0].lower() or detect_language(text)[0]


def languages_of(texts_and_locales) -> dict[str, float]:
    """Share of chunks per language code, most common first."""
    counts: Counter[str] = Counter()
    for text, locale in texts_and_locales:
        code = text_language(text, locale)
        if code:
            counts[code] += 1
    total = sum(counts.values())
    return {c: n / total for c, n in counts.most_common() if n / total >= MIN_SHARE} if total else {}


def _sampled_languages(chunks) -> dict[str, float]:
    sample = []
    for i, c in enumerate(chunks):
        if i % 3 == 0:  # every third chunk: spread over the corpus, not its first files
            sample.append((c.text, c.locale))
        if len(sample) >= SAMPLE:
            break
    return languages_of(sample)


class LanguageCache(VersionCache[dict[str, float]]):
    """Help-center languages of the live index version, computed once per version ({} without one)."""

    def __init__(self, catalog):
        super().__init__(catalog, _sampled_languages)

    def get(self, version: int | None) -> dict[str, float]:
        return super().get(version) or {}


def passage_language(hit) -> str | None:
    """A passage's language: its source's locale, else detected from its text (None when unsure)."""
    return text_language(f"{hit.title}. {hit.text}", hit.locale)


def usable_passages(hits: list, ticket_lang: str | None, hc_langs: list[str]) -> list:
    """The hits a reply may draw on. A ticket in a language the help center is not (mainly) written in
    is answered from passages in its own language or the help center's: a Spanish ticket matched to
    the one German article would otherwise get German text it did not ask for, shown as English.
    Passages whose language cannot be told stay."""
    if not ticket_lang or not hc_langs or ticket_lang in hc_langs:
        return hits
    allowed = {ticket_lang, *hc_langs}
    return [h for h in hits if (passage_language(h) or ticket_lang) in allowed]


def reply_language(sentences, ticket_lang: str | None, hc_langs: list[str]) -> str:
    """The language of the reply's shell: the body's own (the sources'), so greeting and body agree."""
    body = " ".join(x.text for x in sentences)
    lang, _ = detect_language(body) if body else (None, 0.0)
    if lang and (lang == ticket_lang or not hc_langs or lang in hc_langs):
        return lang
    return hc_langs[0] if hc_langs else (ticket_lang or "en")
