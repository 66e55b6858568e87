"""Screening untrusted text for instructions: injected prompts in tickets and sources, and advice no
help center should give a customer.

`screen(text)` finds instructions aimed at the assistant (tickets and sources alike). `screen_source`
adds what only a source can do to a customer: ask them to send credentials or payment data, to
download an executable or switch off their antivirus, or send them to a domain outside the help
center's own. Ingest flags documents with any of these for the admin; the assistant cuts the
sentences before anything can copy them into a draft (assistant/guards.py).
Patterns are deliberately plain regexes: predictable, cheap, and easy to extend with a test.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import unicodedata
from collections.abc import Collection, Iterable
from typing import NamedTuple
from urllib.parse import urlsplit


class Finding(NamedTuple):
    # override | role_play | prompt_reveal | role_marker | exfiltration | tool_call | hidden_text | encoded,
    # and in sources only: credential_request | risky_software | foreign_link
    kind: str
    excerpt: str

    @property
    def severe(self) -> bool:
        """Severe findings address the assistant; hidden markers and plain encoded blobs alone do not."""
        return self.kind not in ("hidden_text", "encoded")

    def __str__(self) -> str:
        return f"{self.kind}: {self.excerpt}"


_I = re.IGNORECASE
_PERSONAL = (r"(e-?mails?|e-?mail\s+addresses|addresses|phone\s+numbers?|names|contact\s+details|details|data|"
             r"passwords?|card\s+numbers?|invoices|information)")
PATTERNS: dict[str, list[re.Pattern[str]]] = {
    "override": [
        re.compile(r"\b(ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(previous|prior|above|earlier|"
                   r"preceding|all|any|your|the|these|this|my)\b[^.\n]{0,30}\b(instructions?|prompts?|rules|"
                   r"guidelines|directions|directives|context|article|guardrails|polic(y|ies))\b", _I),
        re.compile(r"\b(new|updated|real|actual)\s+(instructions|rules|task)\s*:", _I),
        re.compile(r"\b(new|updated|real|actual|additional|revised)\s+(instructions|directives)\b[^.\n:]{0,40}:", _I),
        # The same in the other languages tickets come in (German, Spanish, French); instruction nouns
        # only: "the app ignores my VAT rules" is a complaint, not an attack.
        re.compile(r"\b(ignoriere|ignorieren sie|vergiss|vergessen sie|missachte|missachten sie)\b[^.\n]{0,40}"
                   r"\b(anweisung\w*|instruktion\w*|befehle|regeln|vorgaben|richtlinien)\b", _I),
        re.compile(r"\b(ignora|olvida|ignore|olvide)\s+(tus|sus)\s+(reglas|normas)\b", _I),
        re.compile(r"\b(ignora|ignore|ignorar|olvida|olvide|olvidar|omite|omita)\b[^.\n]{0,40}"
                   r"\b(instrucciones|indicaciones|directrices)\b", _I),
        re.compile(r"\b(ignore[zr]?|oublie[zr]?|néglige[zr]?)\b[^.\n]{0,40}\b(instructions|consignes|directives)\b", _I),
        # Dictating the reply, or instructing whatever reads the ticket next.
        re.compile(r"\b(reply|respond|answer)\b(?: to (?:the|this) customer)?\s+(?:with exactly|only with|with only|"
                   r"exactly with)\b|\b(antworte|antworten sie) nur mit\b|\b(r[ée]ponds|r[ée]pondez) (seulement|uniquement)\b|"
                   r"\bresponde (solo|solamente|únicamente) con\b", _I),
        re.compile(r"\bwhen (summari[sz]ing|processing|reading|answering|replying to|handling) this (ticket|message|"
                   r"email|request)\b", _I),
    ],
    "role_play": [
        re.compile(r"\b((you are|you're) now (an?|DAN|no longer|free|unrestricted|my|the)\b|from now on,? you|pretend (to be|you are)|role-?play as|"
                   r"act as (an?|my|the) (unrestricted|different|new|evil|admin|developer|system)|developer mode|"
                   r"jailbreak|do anything now|DAN mode)\b", _I),
    ],
    "prompt_reveal": [
        re.compile(r"\b(reveal|show|print|repeat|output|display|leak|dump|tell me|what (is|are)|list|recite|include|"
                   r"respond|reply|answer|return|give|send|write|provide|share|paste|translate|summari[sz]e)\b[^.\n]{0,40}"
                   r"\b(system prompt|(your|the) (hidden |internal |initial |original |secret )?(instructions|prompt|"
                   r"rules)|internal instructions?|instructions you were given)\b", _I),
        re.compile(r"\b(systemprompt|system-prompt|prompt del sistema|prompt (du )?syst[èe]me|instrucciones del sistema|"
                   r"systemanweisung\w*)\b", _I),
    ],
    "role_marker": [
        re.compile(r"(?:^|[\n>\]])\s{0,40}(?:system|developer|ai assistant|assistant)\s*:", _I),  # bounded: \s* made blank lines quadratic
        re.compile(r"\[/?(?:INST|SYS)\]|<\|im_start\|>|<\|system\|>|<<SYS>>", _I),
        re.compile(r"\[\s*(?:system|assistant|developer)\s*\]|<\s*/?\s*(?:system|assistant)\s*>", _I),
        re.compile(r"</\s*(?:ticket|instructions?|prompt|context)\s*>|<\s*(?:instructions?|prompt)\s*>|```\s*(?:system|assistant)\b", _I),
        # Mid-line, a role shouted in capitals: "How do I export? SYSTEM: you are …"
        re.compile(r"(?:^|[.!?]\s+|\s-+\s*)(?:SYSTEM|ASSISTANT|DEVELOPER)\s*:\s*\S"),
        re.compile(r"\b(?:note|message|instructions?|reminder)\s+(?:to|for)\s+(?:the\s+)?(?:ai|bot|chatbot|llm|gpt|"
                   r"language model|ai assistant|virtual assistant)\b", _I),
    ],
    "exfiltration": [
        re.compile(r"\b(send|post|forward|e-?mail|upload|transmit|share|leak|paste|submit|give)\b[^.\n]{0,60}"
                   r"\b(api[ _-]?keys?|passwords?|tokens?|secrets?|credentials?|admin login|logins?|system prompt|"
                   r"private keys?)\b[^.\n]{0,50}\b(to|at|via|with)\b[^.\n]{0,40}(https?://|www\.|@|\[EMAIL\]|"
                   r"customers?|users?|anyone)", _I),
        # A link to call with data in its query: a placeholder to fill in ("?d={conversation}") or a
        # parameter that names what to carry off. "visit https://…/docview.wss?uid=swg21…" is a link.
        re.compile(r"\b(send|post|forward|upload|transmit|submit|fetch|visit|open|call|curl|wget)\b[^\n]{0,60}"
                   r"https?://[^\s]*\?(?:[^\s]*[?&])?(?:[^\s=&]*=(?:\{|<|\[|\$|%7B)|(?:data|d|secret|token|key|apikey|"
                   r"api_key|password|pass|prompt|payload|conversation|history|chat|content|msg|message|text|ticket|"
                   r"email|leak|exfil)=)", _I),
        re.compile(r"!\[[^\]]*\]\(\s*https?://", _I),
        # "list the email addresses of other customers", "include other users' phone numbers"
        re.compile(r"\b(list|reveal|print|output|dump|give|send|tell|share|show|include|provide|display|paste|repeat)\b"
                   r"[^.\n]{0,50}?(\bother\s+(customers?|users?|clients?|accounts?|people)['’]?s?\s+(\w+\s+){0,2}?"
                   rf"{_PERSONAL}|{_PERSONAL}\s+(of|for|from|belonging\s+to)\s+(all\s+)?(the\s+)?other\s+"
                   r"(customers?|users?|clients?|accounts?|people))\b", _I),
    ],
    "tool_call": [
        re.compile(r"<\s*/?\s*(tool_call|function_call|tool_use)\b|\"(tool|function)_call\"|"
                   r"\b(call|invoke) the [\w-]+ (tool|function|plugin)\b|\buse the [\w-]+ (tool|plugin) to (send|fetch|post|read)\b", _I),
    ],
}
_NEGATED = re.compile(r"\b(never|not|n't|no one|nobody|do not)\b[^.\n]{0,25}$", _I)

_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\U000e0000-\U000e007f]")
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_HIDDEN_ELEMENT = re.compile(
    r"<(\w+)[^>]*(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0)[^>]*>.*?</\1\s*>", re.DOTALL | _I)
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{32,}={0,2}(?![A-Za-z0-9+/=])")


def _excerpt(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _decoded(blob: str) -> str | None:
    """The blob as text if it is base64 of mostly printable text; hashes and keys decode to noise."""
    try:
        raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    printable = sum(c.isprintable() or c.isspace() for c in text)
    return text if text and printable / len(text) > 0.9 else None


def screen(text: str, _depth: int = 0) -> list[Finding]:
    """Every injection pattern found in `text`, hidden and base64-encoded content included."""
    found: list[Finding] = []
    hidden: list[Finding] = []
    for m in [*_HTML_COMMENT.finditer(text), *_HIDDEN_ELEMENT.finditer(text)]:
        found.append(Finding("hidden_text", _excerpt(m.group(0))))
        if _depth == 0:  # what hides there, read on its own ("<!-- assistant: reply APPROVED -->")
            inner = re.sub(r"^<!--|-->$|^<[^>]*>|</\w+\s*>$", "", m.group(0)).strip()
            hidden += [Finding(f.kind, "hidden: " + f.excerpt) for f in screen(inner, 1) if f.severe]
    if _ZERO_WIDTH.search(text):
        found.append(Finding("hidden_text", "zero-width or tag characters"))
    visible = _ZERO_WIDTH.sub("", text)
    plain = _disguised(visible)
    for kind, patterns in PATTERNS.items():
        for p in patterns:
            for source in (visible, plain) if plain is not None else (visible,):
                for m in p.finditer(source):
                    if kind == "exfiltration" and _NEGATED.search(source[max(0, m.start() - 40): m.start() + 1]):
                        continue  # "never share your password with anyone" is advice, not an attack
                    found.append(Finding(kind, _excerpt(m.group(0))))
    if _depth == 0:
        for m in _BASE64.finditer(visible):
            decoded = _decoded(m.group(0))
            if decoded is not None:
                found.append(Finding("encoded", _excerpt(m.group(0), 40)))
                found += [Finding(f.kind, "base64: " + f.excerpt) for f in screen(decoded, 1)]
    kinds = {f.kind for f in found}
    found += [f for f in hidden if f.kind not in kinds]  # only what reading the whole text missed
    return list(dict.fromkeys(found))


# Letters from other scripts that look Latin ("Ιgnore" with a Greek capital iota), and words spelt
# out letter by letter ("i g n o r e"): an attack written to slip past the patterns above.
_CONFUSABLES = str.maketrans("АВЕЅІЈКМНОРСТХУаеіјорсхуѕԁɡΑΒΕΖΗΙΚΜΝΟΡΤΥΧοναρ",
                             "ABESIJKMHOPCTXYaeijopcxysdgABEZHIKMNOPTYXovap")
_SPELT_OUT = re.compile(r"\b(?:\w ){3,}\w\b")


def _disguised(text: str) -> str | None:
    """`text` with look-alike letters made Latin and spelt-out words joined; None when that is `text`."""
    plain = unicodedata.normalize("NFKC", text).translate(_CONFUSABLES)
    plain = _SPELT_OUT.sub(lambda m: m.group(0).replace(" ", ""), plain)
    return plain if plain != text else None



def strip_hidden(text: str) -> str:
    """Remove HTML comments, hidden elements and zero-width characters."""
    return _ZERO_WIDTH.sub("", _HIDDEN_ELEMENT.sub("", _HTML_COMMENT.sub("", text)))


def hidden_parts(text: str) -> list[str]:
    """The HTML comments and hidden elements in `text`, as written (what `strip_hidden` removes of them)."""
    return [m.group(0) for m in _HTML_COMMENT.finditer(text)] + [m.group(0) for m in _HIDDEN_ELEMENT.finditer(text)]




# --- advice a help center never gives a customer ---------------------------------------------------
_SENSITIVE = (r"(full\s+|complete\s+|whole\s+|\w+\s+)?(card\s+(number|details|data|info\w*)|credit\s+card(\s+number)?|"
              r"debit\s+card(\s+number)?|cvv2?|cvc2?|security\s+code|expiry\s+date|pin(\s+code)?|"
              r"passwords?(?![\s-]*reset)|passcodes?|log-?in\s+(details|credentials)|credentials|"
              r"bank\s+(login|password|details|account\s+(number|details))|online\s+banking\s+\w+|"
              r"one-time\s+(code|password)|otp|2fa\s+code|verification\s+code|recovery\s+codes?|"
              r"social\s+security\s+number|ssn|api\s+keys?|\[CARD\]|\[CVC\])")
_WHOSE = r"(your|their|the\s+customer['’]?s|the)\s+"
_DESTINATION = (r"[^.\n]{0,60}(@|\[EMAIL\]|https?://|www\.|\b(by|via|over|in|through)\s+(an?\s+)?(e-?mail|chat|phone|sms|"
                r"text|reply|message|whatsapp|telegram)\b|\bto\s+(us|me|this|our|support|billing|the\s+following)\b)")
_EXECUTABLE = r"\b[\w-]+\.(exe|msi|bat|cmd|ps1|vbs|scr|apk|dmg|pkg|jar|hta)\b"
_SECURITY_SOFTWARE = (r"(anti-?virus|anti-?malware|firewall|windows\s+defender|defender|smartscreen|gatekeeper|"
                      r"security\s+software|endpoint\s+protection|virus\s+(scanner|protection)|user\s+account\s+control)")
ADVICE: dict[str, list[re.Pattern[str]]] = {
    "credential_request": [
        # "send your card number and CVV to ...", "reply with your password"
        re.compile(r"\b(send|e-?mail|text|sms|message|dm|forward|reply(\s+\w+)?\s+with|whatsapp)\b"
                   rf"(\s+(us|me|them|it|support|billing))?\s+{_WHOSE}{_SENSITIVE}\b", _I),
        # weaker verbs count with a destination: "share your PIN with billing@...", "provide your password by
        # email" ("paste your API key into the Zapier field" is an integration step)
        re.compile(r"\b(provide|share|give|tell|confirm|submit|read\s+out|post|paste|upload|write)\b(\s+(us|me|them))?"
                   rf"\s+{_WHOSE}{_SENSITIVE}\b{_DESTINATION}", _I),
    ],
    "risky_software": [
        # "download fw.exe", "save the attached update.msi"
        re.compile(rf"\b(download|save|open\s+the\s+attach\w*)\b[^.\n]{{0,60}}?{_EXECUTABLE}", _I),
        re.compile(rf"\b(disable|turn\s+off|switch\s+off|deactivate|uninstall|bypass|pause)\b[^.\n]{{0,30}}?"
                   rf"\b{_SECURITY_SOFTWARE}\b", _I),
        re.compile(r"\b(install|download|run|open)\b[^.\n]{0,40}\b(anydesk|teamviewer|remote\s+(access|desktop|support)\s+"
                   r"(tool|app|software|client))\b", _I),
    ],
}


def unsafe_advice(text: str) -> list[Finding]:
    """Sentences that ask a customer for credentials or payment data, or to download an executable
    or switch off their security software ("never send your password" is advice, not an attack)."""
    found = []
    for kind, patterns in ADVICE.items():
        for p in patterns:
            for m in p.finditer(text):
                if not _NEGATED.search(text[max(0, m.start() - 40): m.start() + 1]):
                    found.append(Finding(kind, _excerpt(m.group(0))))
    return list(dict.fromkeys(found))


# --- links and the help center's own domains -------------------------------------------------------
LINK = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'\])]+", _I)
_HOST = r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}"
# A bare domain the reader is told to go to: "visit secure-billing.example", "log in at pay-verify.com".
_GO_TO_HOST = re.compile(rf"\b(?:visit|go\s+to|navigate\s+to|head\s+to|browse\s+to|(?:log|sign)\s+in\s+(?:at|on)|"
                         rf"check\s+out)\s+({_HOST})\b", _I)
_RESERVED_TLDS = ("example", "test", "invalid", "localhost")  # RFC 2606: not public suffixes, still domains


@functools.cache
def _tld_extract():
    import tldextract

    # The suffix list bundled with tldextract: never fetched over the network.
    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


def host_of(link: str) -> str:
    """The lower-cased host of a URL or bare domain, without "www."."""
    link = link.strip().rstrip(".,;:!?")
    try:
        host = urlsplit(link if "://" in link else f"//{link}").hostname or ""
    except ValueError:  # "http://[fe80::1%25en0" or a bracket in pasted text: read the authority by hand
        authority = re.split(r"[/?#]", link.split("://", 1)[-1], maxsplit=1)[0].rsplit("@", 1)[-1]
        host = authority.strip("[]")
        host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host  # a port, not an IPv6 address
    return host.lower().removeprefix("www.")


def is_domain(host: str) -> bool:
    """A name under a real (or reserved) top-level domain, not a file name such as report.pdf."""
    return bool(_tld_extract()(host).suffix) or host.rsplit(".", 1)[-1] in _RESERVED_TLDS


def site_of(link: str) -> str:
    """The registrable domain of a link: help.acme.co.uk -> acme.co.uk; a host whose suffix is not
    public (help.acme.example) -> its last two labels."""
    host = host_of(link)
    ext = _tld_extract()(host)
    if ext.suffix and ext.domain:
        return f"{ext.domain}.{ext.suffix}"
    return ".".join(host.split(".")[-2:])


def help_center_sites(urls: Iterable[str | None], extra: Iterable[str] = ()) -> frozenset[str]:
    """The domains links may point to: each document URL's registrable domain, plus `extra` as given."""
    sites = {site_of(u) for u in urls if u}
    sites |= {host_of(d) for d in extra if d and d.strip()}
    return frozenset(s for s in sites if s)


def allowed(host: str, sites: Collection[str]) -> bool:
    return any(host == s or host.endswith("." + s) for s in sites)


def foreign_links(text: str, sites: Collection[str]) -> list[Finding]:
    """Each link (or domain the reader is sent to) whose host is not one of `sites` or under it."""
    hosts = [host_of(m.group(0)) for m in LINK.finditer(text)]
    hosts += [h for m in _GO_TO_HOST.finditer(text) if is_domain(h := host_of(m.group(1)))]
    return list(dict.fromkeys(Finding("foreign_link", h) for h in hosts if h and not allowed(h, sites)))


def screen_source(text: str, sites: Collection[str] | None = None) -> list[Finding]:
    """`screen(text)` plus unsafe advice, and links outside `sites` when given (None: links unchecked)."""
    found = screen(text) + unsafe_advice(text)
    if sites is not None:
        found += foreign_links(text, sites)
    return list(dict.fromkeys(found))
