"""Guards around the model: injection screening of tickets and sources, output filtering, canary check.

Retrieved text is data, never instructions. A source with instruction-like text stays citable but
is flagged, and its instruction-like sentences are cut before anything can copy or read them.
Patterns are deliberately plain regexes: predictable, cheap, and easy to extend with a test.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import NamedTuple

from assistant.sentences import split_sentences


class Finding(NamedTuple):
    kind: str  # override | role_play | prompt_reveal | role_marker | exfiltration | tool_call | hidden_text | encoded
    excerpt: str

    @property
    def severe(self) -> bool:
        """Severe findings address the assistant; hidden markers and plain encoded blobs alone do not."""
        return self.kind not in ("hidden_text", "encoded")

    def __str__(self) -> str:
        return f"{self.kind}: {self.excerpt}"


_I = re.IGNORECASE
PATTERNS: dict[str, list[re.Pattern[str]]] = {
    "override": [
        re.compile(r"\b(ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(previous|prior|above|earlier|"
                   r"preceding|all|any|your|the|these|this|my)\b[^.\n]{0,30}\b(instructions?|prompts?|rules|"
                   r"guidelines|directions|directives|context|article|guardrails|polic(y|ies))\b", _I),
        re.compile(r"\b(new|updated|real|actual)\s+(instructions|rules|task)\s*:", _I),
    ],
    "role_play": [
        re.compile(r"\b((you are|you're) now (an?|DAN|no longer|free|unrestricted|my|the)\b|from now on,? you|pretend (to be|you are)|role-?play as|"
                   r"act as (an?|my|the) (unrestricted|different|new|evil|admin|developer|system)|developer mode|"
                   r"jailbreak|do anything now|DAN mode)\b", _I),
    ],
    "prompt_reveal": [
        re.compile(r"\b(reveal|show|print|repeat|output|display|leak|dump|tell me|what (is|are)|list|recite)\b[^.\n]{0,40}"
                   r"\b(system prompt|(your|the) (hidden |internal |initial |original |secret )?(instructions|prompt|"
                   r"rules)|internal instructions?|instructions you were given)\b", _I),
    ],
    "role_marker": [
        re.compile(r"(?:^|[\n>\]])\s{0,40}(?:system|developer|ai assistant|assistant)\s*:", _I),  # bounded: \s* made blank lines quadratic
        re.compile(r"\[/?(?:INST|SYS)\]|<\|im_start\|>|<\|system\|>|<<SYS>>", _I),
    ],
    "exfiltration": [
        re.compile(r"\b(send|post|forward|e-?mail|upload|transmit|share|leak|paste|submit|give)\b[^.\n]{0,60}"
                   r"\b(api[ _-]?keys?|passwords?|tokens?|secrets?|credentials?|admin login|logins?|system prompt|"
                   r"private keys?)\b[^.\n]{0,50}\b(to|at|via|with)\b[^.\n]{0,40}(https?://|www\.|@|\[EMAIL\]|"
                   r"customers?|users?|anyone)", _I),
        re.compile(r"\b(send|post|forward|upload|transmit|submit|fetch|visit|open|call|curl|wget)\b[^\n]{0,60}"
                   r"https?://[^\s]*\?[^\s]*=", _I),
        re.compile(r"!\[[^\]]*\]\(\s*https?://", _I),
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
    for m in _HTML_COMMENT.finditer(text):
        found.append(Finding("hidden_text", _excerpt(m.group(0))))
    for m in _HIDDEN_ELEMENT.finditer(text):
        found.append(Finding("hidden_text", _excerpt(m.group(0))))
    if _ZERO_WIDTH.search(text):
        found.append(Finding("hidden_text", "zero-width or tag characters"))
    visible = _ZERO_WIDTH.sub("", text)
    for kind, patterns in PATTERNS.items():
        for p in patterns:
            for m in p.finditer(visible):
                if kind == "exfiltration" and _NEGATED.search(visible[max(0, m.start() - 40): m.start() + 1]):
                    continue  # "never share your password with anyone" is advice, not an attack
                found.append(Finding(kind, _excerpt(m.group(0))))
    if _depth == 0:
        for m in _BASE64.finditer(visible):
            decoded = _decoded(m.group(0))
            if decoded is not None:
                found.append(Finding("encoded", _excerpt(m.group(0), 40)))
                found += [Finding(f.kind, "base64: " + f.excerpt) for f in screen(decoded, 1)]
    return list(dict.fromkeys(found))


def strip_hidden(text: str) -> str:
    """Remove HTML comments, hidden elements and zero-width characters."""
    return _ZERO_WIDTH.sub("", _HIDDEN_ELEMENT.sub("", _HTML_COMMENT.sub("", text)))


def sanitize_source(text: str) -> tuple[str, list[Finding]]:
    """A passage with hidden content and instruction-like sentences cut, and what was found.

    Works line by line so Markdown structure (lists, tables) survives for sentence splitting.
    """
    findings = screen(text)
    if not findings:
        return text, []
    lines = []
    for line in strip_hidden(text).splitlines():
        kept = [s for s in split_sentences(line) if not any(f.severe for f in screen(s))] if line.strip() else []
        if line.strip() and not kept:
            continue
        lines.append(" ".join(kept) if line.strip() and kept != [line.strip()] else line)
    return "\n".join(lines), findings


# --- output filter -------------------------------------------------------------------------------

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'\])]+", _I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d ().-]{6,}\d(?!\w)")


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def contact_points(text: str) -> list[tuple[str, str]]:
    """(kind, value) for every link, email and phone-like number in `text`."""
    out = [("link", m.group(0).rstrip(".,;:!?")) for m in _URL.finditer(text)]
    out += [("email", m.group(0)) for m in _EMAIL.finditer(text)]
    out += [("phone", m.group(0)) for m in _PHONE.finditer(text) if len(_digits(m.group(0))) >= 8]
    return out


def filter_output(text: str, sources: str) -> tuple[str, list[str]]:
    """Remove links, emails and phone numbers that the cited sources do not contain; report each one."""
    src = sources.lower()
    src_digits = _digits(sources)
    removed = []
    for kind, value in contact_points(text):
        present = _digits(value) in src_digits if kind == "phone" else value.lower() in src
        if not present:
            text = text.replace(value, "")
            removed.append(f"{kind} not in the cited sources removed: {value}")
    if removed:
        text = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
    return text, removed


def prompt_leak(draft: str, canary: str, system: str, n: int = 8) -> str | None:
    """Why the draft leaks the system prompt (its canary, or any n words of it in a row), else None."""
    low = draft.lower()
    if canary and canary.lower() in low:
        return "the draft contains the system prompt's canary string"
    words = re.findall(r"\w+", system.lower())
    grams = {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}
    dwords = re.findall(r"\w+", low)
    if any(" ".join(dwords[i:i + n]) in grams for i in range(len(dwords) - n + 1)):
        return "the draft repeats the system prompt"
    return None
