"""Guards around the model: injection screening of tickets and sources, output filtering, canary check.

Retrieved text is data, never instructions. A source with instruction-like text, unsafe advice
(send us your card number, download this .exe, switch off your antivirus) or a link outside the
help center's own domains stays citable but is flagged, and those sentences are cut before anything
can copy or read them. The patterns live in ingest/screening.py, which also flags sources at ingest.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from assistant.sentences import split_sentences
from ingest.screening import LINK, Finding, screen, screen_source, strip_hidden, unsafe_advice

__all__ = ["Finding", "screen", "screen_source", "strip_hidden", "unsafe_advice", "sanitize_source", "filter_output",
           "contact_points", "prompt_leak"]


def sanitize_source(text: str, sites: Collection[str] | None = None) -> tuple[str, list[Finding]]:
    """A passage with hidden content, instruction-like sentences, unsafe advice and (given the help
    center's `sites`) sentences linking elsewhere cut, and what was found.

    Works line by line so Markdown structure (lists, tables) survives for sentence splitting.
    """
    findings = screen_source(text, sites)
    if not findings:
        return text, []
    lines = []
    for line in strip_hidden(text).splitlines():
        kept = ([s for s in split_sentences(line) if not any(f.severe for f in screen_source(s, sites))]
                if line.strip() else [])
        if line.strip() and not kept:
            continue
        lines.append(" ".join(kept) if line.strip() and kept != [line.strip()] else line)
    return "\n".join(lines), findings


# --- output filter -------------------------------------------------------------------------------

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d ().-]{6,}\d(?!\w)")


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def contact_points(text: str) -> list[tuple[str, str]]:
    """(kind, value) for every link, email and phone-like number in `text`."""
    out = [("link", m.group(0).rstrip(".,;:!?")) for m in LINK.finditer(text)]
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
