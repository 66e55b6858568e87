"""What the stock Presidio recognizers miss or over-match, as pure functions over text.

The Redactor (ingest/redact.py) wires these in: card security codes and expiry dates (labelled, or
written right after a card number), lower-case IBANs, SSNs named as such, street addresses, phone
numbers in international form even when their range is unallocated (+44 7700 900123 is a drama
number, but a reader still sees a phone number), and the test that keeps order numbers, dates,
prices and build numbers from being taken for phones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import quote, unquote, unquote_plus


class Span(NamedTuple):
    entity: str  # a Presidio entity type (see redact.PLACEHOLDERS)
    start: int
    end: int


# --- cards -------------------------------------------------------------------------------------
# A card's security code and expiry are recognisable by the word before them ("CVC 123", "exp 09/27"),
# or by following a card number; elsewhere a 3-digit number or a date stays.
CVC_LABELLED = re.compile(
    r"(?i)\b(?:cvc2?|cvv2?|cid|csc|security\s+code|card\s+code|verification\s+code|pr[üu]fnummer|"
    r"sicherheitscode|c[óo]digo\s+de\s+seguridad|cryptogramme|code\s+on\s+the\s+back|"
    r"(?:three|four|3|4)[-\s]digit\s+code|digits\s+on\s+the\s+back)\b"
    r"[^\w\n]{0,3}(?:(?:is|ist|est|es)\s+)?(\d{3,4})\b")
EXPIRY_LABELLED = re.compile(
    r"(?i)\b(?:exp(?:iry|ires|iration)?(?:\s+date)?|valid\s+(?:thru|through|until)|g[üu]ltig\s+bis|ablaufdatum|"
    r"caducidad|vencimiento|date\s+d'expiration)\b[^\w\n]{0,3}(?:(?:is|on|am|le)\s+)?"
    r"((?:0?[1-9]|1[0-2])\s?[/.-]\s?(?:20)?\d{2})\b")
# 4-4-4-4(-3), Amex 4-6-5, or 13-19 digits in a row; the run must not swallow a following "09/27".
_CARD_RUN = re.compile(r"(?<![\d-])(?:\d{4}([ -]?)\d{4}\1\d{4}\1\d{4}(?:\1\d{3}(?!/))?|\d{4}([ -]?)\d{6}\2\d{5}|\d{13,19})"
                       r"(?![\d-])")
_EXPIRY = re.compile(r"(?:0?[1-9]|1[0-2])\s?/\s?(?:20)?\d{2}")
_CVC = re.compile(r"\d{3,4}")
# Words that may sit between a card number and its expiry or code ("exp", "and", "cvv").
_TAIL_WORD = re.compile(r"(?i)(?:and|exp\w*|valid|thru|until|cvc2?|cvv2?|code|security|the|is|with|-|)")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        n = int(c) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return len(digits) >= 13 and total % 10 == 0


def card_companions(text: str) -> list[Span]:
    """An expiry date and security code written after a card number without labels:
    "4111 1111 1111 1111 09/27 123", "card 4111111111111111, exp 09/27, 123"."""
    out: list[Span] = []
    for m in _CARD_RUN.finditer(text):
        if not luhn_ok(re.sub(r"\D", "", m.group(0))):
            continue
        kinds: set[str] = set()
        for n, tok in enumerate(re.finditer(r"\S+", text[m.end(): m.end() + 60])):
            raw = tok.group(0)
            word = raw.strip(",;:()").rstrip(".!?")
            start = m.end() + tok.start() + len(raw) - len(raw.lstrip(",;:("))
            kind = ("CARD_EXPIRY" if _EXPIRY.fullmatch(word) else
                    "CARD_SECURITY_CODE" if _CVC.fullmatch(word) else None)
            if kind and kind not in kinds:
                out.append(Span(kind, start, start + len(word)))
                kinds.add(kind)
            elif not _TAIL_WORD.fullmatch(word):
                break  # anything else ends the card's details
            if n >= 6 or len(kinds) == 2 or raw.rstrip(",;:()").endswith((".", "!", "?")):
                break
    return out


# --- email ------------------------------------------------------------------------------------
# Presidio's pattern lets "/", "=" and "?" into the local part, so "customers/jane@x.com.md" or
# "?email=jane@x.com" would be one match whose "domain" tldextract cannot read. The addresses people
# write use letters, digits and . + - ' in the local part.
EMAIL = r"(?<![\w.+'-])[\w+'-](?:[\w.+'-]*[\w+'-])?@\w+(?:-+\w+)*(?:\.\w+(?:-+\w+)*)+\b"


# --- IBAN and SSN ------------------------------------------------------------------------------
# IBANs written in lower case (Presidio's recognizer wants upper case); kept only when mod-97 holds.
_IBAN_START = re.compile(r"(?i)\b[a-z]{2}\d{2}")
_IBAN_BODY = re.compile(r"(?i)(?:[ ]?[a-z0-9]){11,30}")


def ibans_any_case(text: str) -> list[Span]:
    """IBANs in any case, spaced or not: a run from a country code that has that country's IBAN
    format and passes mod-97 ("gb82west12345698765432 and call" is the IBAN without "and")."""
    from presidio_analyzer.predefined_recognizers.generic.iban_patterns import regex_per_country

    out: list[Span] = []
    for m in _IBAN_START.finditer(text):
        body = _IBAN_BODY.match(text, m.end())
        pattern = regex_per_country.get(m.group(0)[:2].upper())
        if body is None or pattern is None or (out and m.start() < out[-1].end):
            continue
        for end in range(body.end(), m.end() + 10, -1):
            candidate = text[m.start():end]
            if ((end == len(text) or not text[end].isalnum()) and not candidate.endswith(" ")
                    and re.fullmatch(pattern, candidate.upper()) and iban_checksum_ok(candidate)):
                out.append(Span("IBAN_CODE", m.start(), end))
                break
    return out


def iban_checksum_ok(candidate: str) -> bool:
    s = candidate.replace(" ", "").upper()
    if not 15 <= len(s) <= 34 or not s[:2].isalpha() or not s[2:4].isdigit():
        return False
    digits = "".join(str(int(c, 36)) for c in s[4:] + s[:4])
    return int(digits) % 97 == 1


# Nine bare digits are an SSN only when the text says so, before or after: order numbers stay.
_SSN_WORD = r"(?:ssn|social\s+security(?:\s+(?:number|no\.?|#))?|soc\.?\s*sec\.?(?:\s+no\.?)?)"
SSN_LABELLED = re.compile(rf"(?i)\b{_SSN_WORD}\W{{0,4}}(?:(?:is|was|=)\s+)?(\d{{3}}[ -]?\d{{2}}[ -]?\d{{4}})\b")
SSN_THEN_LABEL = re.compile(
    rf"(?i)\b(\d{{3}}[ -]?\d{{2}}[ -]?\d{{4}})\b[^\w\n]{{0,3}}(?:(?:is|as|=)\s+)?(?:(?:my|the|our|his|her)\s+)?"
    rf"{_SSN_WORD}\b")


# --- credentials, bank accounts, national ids ---------------------------------------------------
# A password the customer typed into the ticket ("my password is Hunter2!2024", "pass: Winter#2025"):
# the value after the label, on the same line, when it holds a digit or symbol ("my password is
# incorrect" names no password).
PASSWORD_LABELLED = re.compile(
    r"(?i)\b(?:password|passwort|kennwort|contraseña|mot de passe|passcode|pass|pwd|pw)\b"
    r"[ \t]*(?:(?:is|was|ist|war|es|est|era|=)[ \t]*:?|:|=)[ \t]*[\"'“‘]?"
    r"((?=[^\s\"'”’]*[\d!@#$%^&*_+=?~])[^\s\"'”’]{5,63}[^\s\"'”’.,;:!?)])[\"'”’]?(?=[.,;:!?)]*(?:\s|$))")
# UK sort code and account number, and account numbers named as such in the languages tickets come in.
SORT_CODE_LABELLED = re.compile(r"(?i)\bsort[\s-]?code\b\W{0,4}(?:is\s+)?(\d{2}[- ]?\d{2}[- ]?\d{2})\b")
ACCOUNT_LABELLED = re.compile(
    r"(?i)(?:\bsort[\s-]?code\b[^\n]{0,30}?\b(?:account|acct)|\bbank\s+account|\baccount\s+(?:number|no\.?|nr\.?|#)|"
    r"\bacct\.?\s*(?:no\.?|#)|\ba/c(?:\s+no\.?)?|\bkonto(?:nummer|nr\.?)?|\bn[úu]mero de cuenta|\bnum[ée]ro de compte)"
    r"\W{0,4}(?:(?:is|ist|es|est|number|no\.?)\s+)?(\d{6,12})\b")
_DNI = re.compile(r"\b(\d{8}|[XYZ]\d{7})([A-HJ-NP-TV-Z])\b")
_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def national_ids(text: str) -> list[Span]:
    """Spanish DNI/NIE numbers whose check letter fits, and UK National Insurance numbers."""
    out = []
    for m in _DNI.finditer(text):
        digits = m.group(1).translate(str.maketrans("XYZ", "012"))
        if _DNI_LETTERS[int(digits) % 23] == m.group(2):
            out.append(Span("NATIONAL_ID", m.start(), m.end()))
    out += [Span("NATIONAL_ID", m.start(), m.end()) for m in _NINO.finditer(text)]
    return out


# --- street addresses ----------------------------------------------------------------------------
_NAME = r"[A-ZÄÖÜÉ][\w'’.-]*"
STREET_ADDRESS = re.compile(
    # 221B Baker Street, 10 Downing St, 1600 Pennsylvania Avenue NW
    rf"(\b\d{{1,5}}[A-Za-z]?(?:[-/]\d{{1,4}})?,?\s+(?:{_NAME}\s+){{1,3}}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl|Square|Sq|"
    r"Terrace|Close|Crescent|Parkway|Pkwy|Highway|Hwy|Row|Mews|Gardens)\b"
    # Hauptstraße 5, Berliner Str. 12a, Am Ring 3
    r"|\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|damm|ufer)\s+\d{1,4}[a-z]?\b"
    # 12 rue de la Paix, 5 bis avenue Foch
    r"|\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|allée|chemin|impasse|quai)"
    r"(?:\s+(?:(?:de|du|des|la|le|l'|d')\s*)*[A-ZÉ][\w'-]*){1,4}"
    # Calle Mayor 3, Avda. de América 12
    r"|\b(?:Calle|C/|Avenida|Avda\.|Plaza|Paseo|Carrer)\s+(?:(?:de|del|la|los|las)\s+)?(?:[A-ZÁÉÍÓÚ][\w'-]*\s+){1,3}"
    r"(?:n\.?º\s*)?\d{1,4}\b)")


# --- phones ------------------------------------------------------------------------------------
PHONE_CONTEXT = re.compile(
    r"(?i)\b(?:phone|tel|telephone|call|calling|ring|mobile|cell|cellphone|fax|whats\s?app|sms|text\s+me|reach\s+me|"
    r"my\s+number|handy|telefon|nummer|anruf\w*|rufen|num[ée]ro|portable|t[ée]l[ée]phone|appel\w*|m[óo]vil|"
    r"tel[ée]fono|ll[áa]m\w*)\b")
_ID_LABEL = re.compile(
    r"(?i)(?:\b(?:invoice|inv|order|ticket|case|ref|reference|account|acct|id|no|nr|number|build|version|release|"
    r"serial|tracking|isbn|sku|item|quote|po|receipt|transaction|txn|customer|code|error|batch|lot)\b|#)\W{0,3}$")
_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2}")
_ZIP4 = re.compile(r"\d{5}-\d{4}")
_MONEY_BEFORE = re.compile(r"(?i)(?:[$€£¥]|\b(?:usd|eur|gbp|chf|cad|aud))\s?$")
_MONEY_AFTER = re.compile(r"(?i)^\s?(?:[$€£¥%]|(?:usd|eur|gbp|chf|cad|aud|dollars?|euros?|pounds?|units?|items?|"
                          r"pcs|seats?|users?|invoices?|customers?|rows?|records?)\b)")


def plausible_phone(text: str, start: int, end: int) -> bool:
    """False for a phone-shaped match that reads as something else: a bare digit run (an order or
    build number), a date, a ZIP+4 code, an amount, or a number after an identifier label, unless
    a phone word (call, phone, mobile, Telefon, numéro...) is near it."""
    raw = text[start:end]
    before, after = text[max(0, start - 30): start], text[end: end + 30]
    if raw.startswith("+"):  # an international prefix is a phone number's own mark
        return not before[-1:].isalnum() and not _DATE.fullmatch(raw)
    if before[-1:].isalnum() or before[-1:] in ("-", ",", ".", "/", "_"):
        return False  # the tail of something else: INV-00042, 10,000, v2.0100
    if PHONE_CONTEXT.search(before) or PHONE_CONTEXT.search(after.split(".")[0]):
        return True
    if raw.startswith("00"):
        return not _DATE.fullmatch(raw)
    if raw.isdigit() or _DATE.fullmatch(raw) or _ZIP4.fullmatch(raw):
        return False
    return not (_ID_LABEL.search(before) or _MONEY_BEFORE.search(before) or _MONEY_AFTER.search(after))


def international_phones(text: str) -> list[Span]:
    """Numbers written with +CC or 00CC whose length fits their country, allocated or not."""
    import phonenumbers

    out = []
    # Region DE reads both "+" and the "00" exit prefix; only matches written with either, with at
    # least 8 digits after it, are kept ("000" in "10,000" is not an exit prefix).
    for m in phonenumbers.PhoneNumberMatcher(text, "DE", leniency=phonenumbers.Leniency.POSSIBLE):
        raw, digits = m.raw_string, re.sub(r"\D", "", m.raw_string)
        if raw.startswith(("+", "00")) and not raw.startswith("000") and len(digits) - 2 * raw.startswith("00") >= 8:
            out.append(Span("PHONE_NUMBER", m.start, m.end))
    return out


# --- percent-encoded text ----------------------------------------------------------------------
_ENCODED_RUN = re.compile(r"(?:[\w.+~-]|%[0-9A-Fa-f]{2})*%[0-9A-Fa-f]{2}(?:[\w.+~-]|%[0-9A-Fa-f]{2})*")


def redact_encoded(text: str, redact: Callable[[str], tuple[str, dict[str, int]]]) -> tuple[str, dict[str, int]]:
    """PII inside percent-encoded runs (a link's `?phone=%2B44%207700%20900123`, `jane%40example.com`):
    each run is decoded, redacted, and put back encoded around the placeholders."""
    counts: dict[str, int] = {}

    def sub(m: re.Match) -> str:
        raw = m.group(0)
        for decoded in dict.fromkeys((unquote(raw), unquote_plus(raw))):
            redacted, found = redact(decoded)
            if found:
                for k, v in found.items():
                    counts[k] = counts.get(k, 0) + v
                return quote(redacted, safe="[]+-_.~")
        return raw

    if "%" not in text:
        return text, {}
    return _ENCODED_RUN.sub(sub, text), counts
