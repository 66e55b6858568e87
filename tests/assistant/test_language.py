"""Which passages a reply in the ticket's language may draw on, and how their language is told."""

import pytest

from assistant.language import languages_of, passage_language, usable_passages
from retrieval.models import Hit, Scores

pytestmark = pytest.mark.unit

GERMAN = "Vor dem Versand prüft das Programm jede E-Rechnung gegen die offiziellen Validierungsregeln."
ENGLISH = "Before sending, every e-invoice is checked against the official validation rules."
SPANISH = "Antes del envío, cada factura electrónica se comprueba con las reglas oficiales de validación."


def _hit(cid: str, text: str, locale: str | None = None) -> Hit:
    return Hit(rank=1, chunk_id=cid, doc_id=cid, title="", text=text, source="s", locale=locale, score=1.0,
               index_version=1, scores=Scores(fused=1.0))


def test_a_passage_language_is_its_locale_else_detected():
    assert passage_language(_hit("a", ENGLISH, locale="de-DE")) == "de"  # the source said so
    assert passage_language(_hit("a", GERMAN)) == "de"
    assert passage_language(_hit("a", "ok")) is None  # too short to tell


def test_a_ticket_in_a_language_the_help_center_lacks_gets_no_third_language():
    hits = [_hit("de", GERMAN), _hit("en", ENGLISH), _hit("es", SPANISH), _hit("short", "ok")]
    kept = [h.chunk_id for h in usable_passages(hits, "es", ["en"])]
    assert kept == ["en", "es", "short"]  # order kept; a passage of no telling language stays


def test_a_ticket_in_the_help_centers_language_reads_every_passage():
    hits = [_hit("de", GERMAN), _hit("en", ENGLISH)]
    assert usable_passages(hits, "en", ["en"]) == hits
    assert usable_passages(hits, None, ["en"]) == hits  # ticket language unknown: no filter
    assert usable_passages(hits, "es", []) == hits  # help center languages unknown: no filter


def test_help_center_languages_drop_a_stray_phrase():
    shares = languages_of([(ENGLISH, None)] * 40 + [(GERMAN, None)])
    assert list(shares) == ["en"]  # 1 of 41 chunks is under the 3% floor
