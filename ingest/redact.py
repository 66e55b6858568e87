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

from ingest.models import Document, sha256
from ingest.recognizers import (
    ACCOUNT_LABELLED,
    CVC_LABELLED,
    EMAIL,
    EXPIRY_LABELLED,
    PASSWORD_LABELLED,
    SORT_CODE_LABELLED,
    SSN_LABELLED,
    SSN_THEN_LABEL,
    STREET_ADDRESS,
    card_companions,
    ibans_any_case,
    international_phones,
    national_ids,
    plausible_phone,
    redact_encoded,
)

logger = logging.getLogger(__name__)

# Bump when what is redacted changes: it is part of the index config, so the next ingest redacts
# every document again under the new rules (embeddings of unchanged chunks are reused).
RULES_VERSION = 2

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
    "STREET_ADDRESS": "ADDRESS",
    "PASSWORD": "PASSWORD",
    "BANK_ACCOUNT": "ACCOUNT",
    "NATIONAL_ID": "ID_NUMBER",
}

# Presidio scores: phone 0.4 (no context), SSN "medium" 0.5, IP 0.6, checksum-validated
# email/card/IBAN 1.0. Its "very weak" SSN shapes (any 9 digits, 5-4 digits) score 0.05 and
# unspecified IPv6 "::" 0.1, and would hit order ids and ZIP codes: 0.4 keeps the former, drops the latter.
DEFAULT_SCORE_THRESHOLD = 0.4

_LEMMA_COMPONENT = "deflect_lowercase_lemma"
_SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")

# "version 1.2.3.4" / "v10.0.0.1" are dotted quads too; release notes are full of them.
_VERSION_PREFIX = re.compile(r"(?i)(?:\bv|\bversion|\brelease|\bbuild|\bfirmware)\s*:?\s*$")


def redact_name(text: str | None, redactor: Redactor) -> str | None:
    """PII out of a short name: a path, an id, a URL, a label. Presidio runs only when a digit or "@"
    could make one (every recognizer needs either), so most names cost nothing."""
    if not text or not any(c.isdigit() or c == "@" for c in text):
        return text
    return redactor.redact(text)[0]


def redact_identifiers(doc: Document, redactor: Redactor) -> Document:
    """The document with PII out of what names it (id, source, URL, labels), which the catalog, the
    vector store and citations carry. An id that changed keeps a short hash of the original, so two
    redacted ids never collide and the same file keeps the same id."""
    doc_id = redact_name(doc.doc_id, redactor) or doc.doc_id
    if doc_id != doc.doc_id:
        doc_id = f"{doc_id}~{sha256(doc.doc_id)[:8]}"
    source = "#".join(redact_name(part, redactor) or part for part in doc.source.split("#", 1))
    return doc.model_copy(update={"doc_id": doc_id, "source": source, "url": redact_name(doc.url, redactor),
                                  "labels": [redact_name(label, redactor) or label for label in doc.labels]})


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
    """Replace emails, phones, cards (with their security codes and expiry dates), IBANs, IPs, SSNs,
    street addresses, typed-in passwords, bank account numbers and national ids (Spanish DNI/NIE, UK
    NI numbers) with `[EMAIL]`, `[PHONE]`, ... placeholders, percent-encoded ones included.

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
        self._load()
        pin_presidio_loggers()  # on every call: the app may have reconfigured logging since the load
        text, encoded = redact_encoded(text, self._redact_plain)
        text, counts = self._redact_plain(text)
        return text, merge_counts(encoded, counts)

    def _redact_plain(self, text: str) -> tuple[str, dict[str, int]]:
        engines = self._load()
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
    """Build the analyzer (blank spaCy + pattern recognizers), anonymizer and operators."""
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine, Pattern, RecognizerRegistry
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
        PATTERNS = [Pattern("Email", EMAIL, 0.5)]

        def validate_result(self, pattern_text: str) -> bool:
            return offline_tld(pattern_text.rsplit("@", 1)[-1]).fqdn != ""

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
        """The first group of `pattern` as `entity` (the value after its label)."""

        def __init__(self, entity: str, pattern: re.Pattern, score: float = 0.85, name: str = ""):
            self.pattern, self.score = pattern, score
            super().__init__(supported_entities=[entity], supported_language="en",
                             name=f"deflect_{name or entity.lower()}")

        def load(self) -> None:
            pass

        def analyze(self, text, entities, nlp_artifacts=None):
            return [RecognizerResult(self.supported_entities[0], m.start(1), m.end(1), self.score)
                    for m in self.pattern.finditer(text)]

    class SpanRecognizer(EntityRecognizer):
        """Whatever `find(text)` returns (recognizers.Span tuples), at a fixed score."""

        def __init__(self, name: str, entities: list[str], find, score: float = 0.85):
            self.find, self.score = find, score
            super().__init__(supported_entities=entities, supported_language="en", name=f"deflect_{name}")

        def load(self) -> None:
            pass

        def analyze(self, text, entities, nlp_artifacts=None):
            return [RecognizerResult(s.entity, s.start, s.end, self.score) for s in self.find(text)]

    class PlausiblePhoneRecognizer(PhoneRecognizer):
        """Valid national numbers of the regions plus +CC/00CC numbers, minus what reads as something else."""

        def analyze(self, text, entities, nlp_artifacts=None):
            results = super().analyze(text, entities, nlp_artifacts)
            meta = {RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}
            results += [RecognizerResult(s.entity, s.start, s.end, self.SCORE, self._get_analysis_explanation("any"),
                                         recognition_metadata=meta) for s in international_phones(text)]
            kept = [r for r in results if plausible_phone(text, r.start, r.end)]
            return EntityRecognizer.remove_duplicates(kept)

    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        OfflineEmailRecognizer(),
        # Customers write from everywhere: the regions whose national formats python-phonenumbers checks,
        # plus any number written with +CC or 00CC; look-alikes (ZIP+4, dates, order numbers) are dropped.
        PlausiblePhoneRecognizer(supported_regions=("US", "GB", "DE", "FR", "ES", "IT", "NL", "IE", "AU", "CA", "IN",
                                                    "BR")),
        GroupRecognizer("CARD_SECURITY_CODE", CVC_LABELLED),
        GroupRecognizer("CARD_EXPIRY", EXPIRY_LABELLED),
        SpanRecognizer("card_companions", ["CARD_EXPIRY", "CARD_SECURITY_CODE"], card_companions),
        SpanRecognizer("iban_any_case", ["IBAN_CODE"], ibans_any_case, score=1.0),
        GroupRecognizer("US_SSN", SSN_LABELLED, name="ssn_labelled"),
        GroupRecognizer("US_SSN", SSN_THEN_LABEL, name="ssn_then_label"),
        GroupRecognizer("STREET_ADDRESS", STREET_ADDRESS),
        GroupRecognizer("PASSWORD", PASSWORD_LABELLED),
        GroupRecognizer("BANK_ACCOUNT", SORT_CODE_LABELLED, name="sort_code"),
        GroupRecognizer("BANK_ACCOUNT", ACCOUNT_LABELLED, name="account_number"),
        SpanRecognizer("national_ids", ["NATIONAL_ID"], national_ids),
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
