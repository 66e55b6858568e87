"""PII redaction with Presidio's pattern recognizers, entirely offline.

Only self-contained recognizers run (regex + checksum, python-phonenumbers), so the NLP engine
is a blank spaCy English tokenizer: no `en_core_web_lg` is ever requested or downloaded.
Presidio and spaCy take seconds to import, so `Redactor()` is cheap and loads them on first use.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any, NamedTuple

logger = logging.getLogger(__name__)

# Presidio entity type -> our placeholder name (also the key in the returned counts).
PLACEHOLDERS: dict[str, str] = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CARD",
    "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP",
    "US_SSN": "SSN",
    "CARD_SECURITY_CODE": "CVC",
    "CARD_EXPIRY": "EXPIRY",
}

# A card's security code and expiry are only recognisable by the word before them; they are
# redacted when labelled ("CVC 123", "exp 09/27"), so that order numbers and dates elsewhere stay.
_CVC = re.compile(
    r"(?i)\b(?:cvc2?|cvv2?|cid|csc|security\s+code|card\s+code|verification\s+code|pr[üu]fnummer|"
    r"sicherheitscode|c[óo]digo\s+de\s+seguridad|cryptogramme)\b[^\w\n]{0,3}(?:(?:is|ist|est|es)\s+)?(\d{3,4})\b")
_EXPIRY = re.compile(
    r"(?i)\b(?:exp(?:iry|ires|iration)?(?:\s+date)?|valid\s+(?:thru|through|until)|g[üu]ltig\s+bis|ablaufdatum|"
    r"caducidad|vencimiento|date\s+d'expiration)\b[^\w\n]{0,3}(?:(?:is|on|am|le)\s+)?"
    r"((?:0?[1-9]|1[0-2])\s?[/.-]\s?(?:20)?\d{2})\b")
# IBANs written in lower case (Presidio's recognizer wants upper case); kept only when mod-97 holds.
_IBAN_ANY_CASE = re.compile(r"(?i)\b([a-z]{2}\d{2}(?:[ ]?[a-z0-9]){11,30})\b")


def iban_checksum_ok(candidate: str) -> bool:
    s = candidate.replace(" ", "").upper()
    if not 15 <= len(s) <= 34 or not s[:2].isalpha() or not s[2:4].isdigit():
        return False
    digits = "".join(str(int(c, 36)) for c in s[4:] + s[:4])
    return int(digits) % 97 == 1

# Presidio scores: phone 0.4 (no context), SSN "medium" 0.5, IP 0.6, checksum-validated
# email/card/IBAN 1.0. Its "very weak" SSN shapes (any 9 digits, 5-4 digits) score 0.05 and
# unspecified IPv6 "::" 0.1, and would hit order ids and ZIP codes: 0.4 keeps the former, drops the latter.
DEFAULT_SCORE_THRESHOLD = 0.4

_LEMMA_COMPONENT = "deflect_lowercase_lemma"
_SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")

# "version 1.2.3.4" / "v10.0.0.1" are dotted quads too; release notes are full of them.
_VERSION_PREFIX = re.compile(r"(?i)(?:\bv|\bversion|\brelease|\bbuild|\bfirmware)\s*:?\s*$")


def merge_counts(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    """Sum two per-type count maps; keys sorted so reports are deterministic."""
    out = dict(a)
    for key, n in b.items():
        out[key] = out.get(key, 0) + n
    return {k: out[k] for k in sorted(out)}


# Presidio's loggers can log the text around a match at DEBUG/INFO ("Context list is: email
# jane.doe@example.com"): wherever a Redactor loads, they are held at WARNING or stricter, so an
# app's own DEBUG logging never collects the PII this module exists to remove.
PRESIDIO_LOGGERS = ("presidio-analyzer", "presidio-anonymizer", "decision_process")


def pin_presidio_loggers(level: int = logging.WARNING) -> None:
    """Raise Presidio's loggers to at least `level` (never lowers a stricter level set elsewhere)."""
    for name in PRESIDIO_LOGGERS:
        pinned = logging.getLogger(name)
        if pinned.level == logging.NOTSET or pinned.level < level:
            pinned.setLevel(level)


class _Engines(NamedTuple):
    analyzer: Any  # presidio_analyzer.AnalyzerEngine
    anonymizer: Any  # presidio_anonymizer.AnonymizerEngine
    operators: dict[str, Any]  # entity type -> OperatorConfig


class Redactor:
    """Replace emails, phones, cards, IBANs, IPs and SSNs with `[EMAIL]`, `[PHONE]`, ... placeholders.

    Construction is cheap; Presidio loads on the first `redact()` (or `warm_up()`), once per instance,
    thread-safely. Share one instance across an ingest run.
    """

    def __init__(self, score_threshold: float = DEFAULT_SCORE_THRESHOLD):
        if not 0.0 <= score_threshold <= 1.0:
            raise ValueError(f"score_threshold must be between 0 and 1, got {score_threshold}")
        self.score_threshold = score_threshold
        self._engines: _Engines | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load Presidio now rather than on the first `redact()` call."""
        self._load()

    def _load(self) -> _Engines:
        if self._engines is None:
            with self._lock:
                if self._engines is None:
                    pin_presidio_loggers()
                    self._engines = _build_engines()
        return self._engines

    def redact(self, text: str) -> tuple[str, dict[str, int]]:
        """Return `text` with PII replaced by placeholders, and how many of each type were replaced."""
        if not text.strip():
            return text, {}
        engines = self._load()
        pin_presidio_loggers()  # on every call: the app may have reconfigured logging since the load
        results = engines.analyzer.analyze(
            text=text,
            language="en",
            entities=list(PLACEHOLDERS),
            score_threshold=self.score_threshold,
        )
        results = [r for r in results if not _is_version_number(text, r.entity_type, r.start)]
        for r in results:
            # Context words ("number") can lift the phone score over the SSN one; no phone plan
            # writes digits 3-2-4 with dashes, so that shape is an SSN.
            if r.entity_type == "PHONE_NUMBER" and _SSN_SHAPE.fullmatch(text[r.start : r.end]):
                r.entity_type = "US_SSN"
        if not results:
            return text, {}
        engine_result = engines.anonymizer.anonymize(
            text=text,
            analyzer_results=results,
            operators=engines.operators,
            # Two emails separated by a space are two redactions, not one.
            merge_entities_with_spaces=False,
        )
        counts: dict[str, int] = {}
        for item in engine_result.items:
            name = PLACEHOLDERS.get(item.entity_type, item.entity_type)
            counts[name] = counts.get(name, 0) + 1
        return engine_result.text, merge_counts({}, counts)


def _is_version_number(text: str, entity_type: str, start: int) -> bool:
    """True for an "IP address" that a preceding word marks as a version number."""
    return entity_type == "IP_ADDRESS" and bool(_VERSION_PREFIX.search(text[max(0, start - 20) : start]))


def _build_engines() -> _Engines:
    """Build the analyzer (blank spaCy + six pattern recognizers), anonymizer and operators."""
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        PhoneRecognizer,
        UsSsnRecognizer,
    )
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig
    from spacy.language import Language

    if not Language.has_factory(_LEMMA_COMPONENT):
        # A blank pipeline has no lemmatizer; lowercase tokens let Presidio's context words
        # ("phone", "ssn", "iban") still raise scores when they are present.
        @Language.component(_LEMMA_COMPONENT)
        def _lowercase_lemma(doc):
            for token in doc:
                token.lemma_ = token.lower_
            return doc

    class BlankSpacyNlpEngine(SpacyNlpEngine):
        # SpacyNlpEngine.load() would download en_core_web_lg; a tokenizer is all the
        # pattern recognizers need.
        def load(self) -> None:
            nlp = spacy.blank("en")
            nlp.add_pipe(_LEMMA_COMPONENT)
            self.nlp = {"en": nlp}

    # The stock EmailRecognizer validates domains with tldextract's default extractor, which
    # fetches the Public Suffix List over HTTP. Use the snapshot bundled with tldextract instead.
    offline_tld = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return offline_tld(pattern_text).fqdn != ""

    class UsSsnAnyRecognizer(UsSsnRecognizer):
        # Presidio rejects the well-known sample SSNs (078-05-1120, 123-45-6789); in a help
        # centre they are still SSN-shaped text a reader may copy, so redact them too.
        _SAMPLES = frozenset({"123456789", "987654320", "078051120"})

        def invalidate_result(self, pattern_text: str) -> bool:
            digits = "".join(c for c in pattern_text if c.isdigit())
            if digits in self._SAMPLES:
                return False
            return bool(super().invalidate_result(pattern_text))

    from presidio_analyzer import EntityRecognizer, RecognizerResult

    class GroupRecognizer(EntityRecognizer):
        """The first group of `pattern` as `entity` (the value after its label), optionally validated."""

        def __init__(self, entity: str, pattern: re.Pattern, score: float = 0.85, validate=None):
            self.pattern, self.score, self.validate = pattern, score, validate
            super().__init__(supported_entities=[entity], supported_language="en", name=f"deflect_{entity.lower()}")

        def load(self) -> None:
            pass

        def analyze(self, text, entities, nlp_artifacts=None):
            return [RecognizerResult(self.supported_entities[0], m.start(1), m.end(1), self.score)
                    for m in self.pattern.finditer(text) if self.validate is None or self.validate(m.group(1))]

    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        OfflineEmailRecognizer(),
        # Customers write from everywhere: the regions whose national formats python-phonenumbers checks.
        # (Not ES: its 9-digit national format swallows US ZIP+4 codes; +34 numbers match in any region.)
        PhoneRecognizer(supported_regions=("US", "GB", "DE", "FR", "IT", "NL", "IE", "AU", "CA", "IN", "BR")),
        GroupRecognizer("CARD_SECURITY_CODE", _CVC),
        GroupRecognizer("CARD_EXPIRY", _EXPIRY),
        GroupRecognizer("IBAN_CODE", _IBAN_ANY_CASE, score=1.0, validate=iban_checksum_ok),
        CreditCardRecognizer(),
        IbanRecognizer(),
        IpRecognizer(),
        UsSsnAnyRecognizer(),
    ):
        registry.add_recognizer(recognizer)
    nlp_engine = BlankSpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank:en"}])
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])
    operators = {
        entity: OperatorConfig("replace", {"new_value": f"[{name}]"}) for entity, name in PLACEHOLDERS.items()
    }
    logger.info("PII redactor loaded", extra={"recognizers": len(registry.recognizers)})
    return _Engines(analyzer, AnonymizerEngine(), operators)
