"""The embedded default provider: no LLM, the draft is the best contiguous run of source sentences.

Answers in help centers are usually contiguous (steps, a rule and its exception), so instead of
the k best sentences from anywhere we pick the best window of up to `max_sentences` units inside
one passage. A unit scores by embedding similarity to the ticket (the unit embedded with its
article title, so "Click Refund." knows what it is about), IDF-weighted term overlap, and a
penalty per retrieval rank. A window's value is the sum of (score - tau): units weaker than tau
shrink it. Tuned on emanual (non-yes/no) with a seeded half split; see the assistant report.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import NamedTuple

from assistant.context import SourceBlock
from assistant.sentences import Unit, units
from retrieval.tokenize import tokenize

# The reply's shell in the language of its body: a German body never sits inside an English "Hi, ...".
SHELLS = {
    "en": ("Hi{name},", "Hope this helps!"),
    "de": ("Hallo{name},", "Viele Grüße"),
    "es": ("Hola{name},", "Un saludo"),
    "fr": ("Bonjour{name},", "Cordialement"),
    "it": ("Ciao{name},", "Cordiali saluti"),
    "nl": ("Hallo{name},", "Met vriendelijke groet"),
    "pt": ("Olá{name},", "Atenciosamente"),
}
GREETING, CLOSING = SHELLS["en"][0].format(name=""), SHELLS["en"][1]


class ExtractiveParams(NamedTuple):
    w_lexical: float = 1.0
    rank_penalty: float = 0.3  # per retrieval rank below the first block
    tau: float = 0.15  # a unit must score above this to be worth lengthening a window
    fragment_penalty: float = 0.1  # short unpunctuated lines: captions and UI labels from PDFs
    long_words: int = 60  # units longer than this (pasted logs, run-on PDF text) read badly in a reply
    long_penalty: float = 0.2
    max_blocks: int = 3  # later blocks almost never win after the rank penalty; skipping them halves the cost
    w_heading: float = 0.6  # a section heading that names the ask ("Didn't get the email?") is strong evidence
    w_trouble: float = 0.3  # for a problem ask, a heading that itself names a problem (troubleshooting)


class Scored(NamedTuple):
    score: float
    block: int  # SourceBlock.n
    unit: Unit
    similarity: float  # embedding cosine to the question alone


class Draft(NamedTuple):
    sentences: list[tuple[str, list[int]]]  # the answer body: (sentence, [n]) in reply order
    text: str  # the sendable reply: greeting, body with [n] markers, closing
    kinds: list[str] = []  # unit kind per sentence ("sentence" | "item" | "step" | "row"), for rendering
    best_similarity: float = 0.0  # closest unit of any block to the question (a confidence feature)

    @property
    def body(self) -> str:
        """Answer sentences only, no markers: what ROUGE and grounding look at."""
        return " ".join(s for s, _ in self.sentences)


def _is_fragment(u: Unit, terms: list[str]) -> bool:
    return u.kind == "sentence" and len(terms) < 4 and not u.text.endswith((".", "!", "?", ":"))


def score_units(question: str, blocks: list[SourceBlock], embedder, params: ExtractiveParams,
                problem: bool = False) -> list[Scored]:
    """Every usable unit of every block with its relevance to the question."""
    cands = [(b, u) for b in blocks[: params.max_blocks] for u in units(b.text) if any(c.isalpha() for c in u.text)]
    if not cands:
        return []
    # Each unit is embedded with its article title and section heading, so "Check your spam folder."
    # knows it is about a reset email that never arrived.
    vecs = embedder.embed([question] + [f"{_context(b)}: {u.text}" for b, u in cands])
    qv, uv = vecs[0], vecs[1:]
    q_terms = set(tokenize(question))
    unit_terms = [tokenize(u.text) for _, u in cands]
    df = Counter(t for terms in unit_terms for t in set(terms))
    idf = {t: math.log(1 + len(cands) / (1 + df[t])) for t in q_terms}
    q_weight = sum(idf.values()) or 1.0
    out = []
    top_doc = blocks[0].doc_id
    for (b, u), v, terms in zip(cands, uv, unit_terms, strict=True):
        lexical = sum(idf[t] for t in q_terms.intersection(terms)) / q_weight
        sim = float(v @ qv)
        # For a problem, the top article's troubleshooting section ("Didn't get the email?") often ranks
        # below its generic steps; its rank costs it nothing then, and its heading decides.
        trouble_section = problem and b.doc_id == top_doc and _names_problem(b)
        s = sim + params.w_lexical * lexical - (0.0 if trouble_section else params.rank_penalty * (b.n - 1))
        match = heading_match(q_terms, b)
        inline = _heading_terms_match(q_terms, u.heading)
        s += params.w_heading * max(match, inline)
        if problem and ((match and _names_problem(b)) or (inline and _TROUBLE.search(u.heading))):
            s += params.w_trouble
        if _is_fragment(u, terms):
            s -= params.fragment_penalty
        if len(u.text.split()) > params.long_words:
            s -= params.long_penalty
        out.append(Scored(s, b.n, u, sim))
    return out


def _section(b: SourceBlock) -> str | None:
    """The block's own section heading: the last heading that is not the article title."""
    path = [h for h in b.hit.heading_path if h and h != b.hit.title]
    return path[-1] if path else None


def _context(b: SourceBlock) -> str:
    section = _section(b)
    return f"{b.hit.title} — {section}" if section else b.hit.title


_TROUBLE = re.compile(r"\?$|\b(?:no|not|never|n't|didn't|doesn't|can't|won't|fails?|failed|problems?|"
                      r"troubleshoot\w*|error\w*|issues?|nicht|kein\w*|problème\w*|erreur\w*|error(?:es)?)\b",
                      re.IGNORECASE)


def _names_problem(b: SourceBlock) -> bool:
    section = _section(b)
    return section is not None and bool(_TROUBLE.search(section.strip()))


def heading_match(q_terms: set[str], b: SourceBlock) -> float:
    """Share of the block's own section heading terms that the ask uses (0 when the heading is the title)."""
    section = _section(b)
    return 0.0 if section is None else _heading_terms_match(q_terms, section)


def _heading_terms_match(q_terms: set[str], heading: str) -> float:
    h_terms = set(tokenize(heading)) - {"not"}
    return len(h_terms & q_terms) / len(h_terms) if h_terms else 0.0


def best_window(scored: list[Scored], max_len: int, tau: float) -> list[Scored]:
    """The contiguous run (within one block and one of its sections) with the highest sum of
    (score - tau); ties go to the earlier."""
    best_val, best = -math.inf, []
    by_block: dict[int, list[Scored]] = {}
    for s in scored:
        by_block.setdefault(s.block, []).append(s)
    for n in sorted(by_block):
        run = sorted(by_block[n], key=lambda s: s.unit.index)
        for i in range(len(run)):
            total = 0.0
            for j in range(i, min(len(run), i + max_len)):
                if run[j].unit.section != run[i].unit.section:
                    break  # an answer stays inside its section: the next heading starts another topic
                total += run[j].score - tau
                if total > best_val + 1e-9:
                    best_val, best = total, run[i: j + 1]
    return best


def _cite(text: str, n: int) -> str:
    """'Click Refund.' -> 'Click Refund [1].' (marker before the final stop, as readers expect)."""
    if text.endswith((".", "!", "?")):
        return f"{text[:-1]} [{n}]{text[-1]}"
    return f"{text} [{n}]"


def render(sentences: list[tuple[str, list[int]]], kinds: list[str], greeting: bool, language: str = "en",
           name: str | None = None) -> str:
    """Greeting, body and closing; items and rows one per line, steps as a numbered list.

    Steps arrive in source order (a window is a contiguous run), so numbering them from 1 in
    that order keeps the sequence the source gave them.
    """
    lines: list[str] = []
    para: list[str] = []
    step = 0
    for (text, cites), kind in zip(sentences, kinds, strict=True):
        cited = _cite(text, cites[0]) if cites else text
        step = step + 1 if kind == "step" else 0
        if kind in ("item", "row", "step"):
            if para:
                lines.append(" ".join(para))
                para = []
            lines.append(f"{step}. {cited}" if kind == "step" else f"- {cited}")
        else:
            para.append(cited)
    if para:
        lines.append(" ".join(para))
    body = "\n".join(lines)
    return _shell(body, language, name) if greeting else body


def _shell(body: str, language: str, name: str | None) -> str:
    """Greeting (with the customer's name when known) and closing around `body`, in `language`."""
    hello, bye = SHELLS.get(language, SHELLS["en"])
    return f"{hello.format(name=f' {name}' if name else '')}\n\n{body}\n\n{bye}"


def render_parts(sentences: list[tuple[str, list[int]]], kinds: list[str], parts: list[int] | None,
                 greeting: bool, language: str = "en", name: str | None = None) -> str:
    """`render`, with a blank line between the parts that answer different asks."""
    if not parts or len(set(parts)) <= 1:
        return render(sentences, kinds, greeting, language, name)
    chunks = []
    for p in dict.fromkeys(parts):
        idx = [i for i, q in enumerate(parts) if q == p]
        chunks.append(render([sentences[i] for i in idx], [kinds[i] for i in idx], False))
    body = "\n\n".join(chunks)
    return _shell(body, language, name) if greeting else body


def extractive_draft(question: str, blocks: list[SourceBlock], embedder, max_sentences: int = 5,
                     greeting: bool = True, params: ExtractiveParams = ExtractiveParams(),
                     problem: bool = False) -> Draft:
    """Deterministic: the same question and blocks give the same draft, byte for byte."""
    if max_sentences <= 0:
        raise ValueError(f"max_sentences must be greater than 0, got {max_sentences}")
    scored = score_units(question, blocks, embedder, params, problem)
    window = best_window(scored, max_sentences, params.tau)
    sentences = [(s.unit.text, [s.block]) for s in window]
    best = max((s.similarity for s in scored), default=0.0)
    if not sentences:
        return Draft([], "", [], best)
    kinds = [s.unit.kind for s in window]
    lead = fact_heading(window, blocks)
    if lead is not None:
        sentences, kinds = [(lead, [window[0].block]), *sentences], ["sentence", *kinds]
    return Draft(sentences, render(sentences, kinds, greeting), kinds, best)


_DIGIT = re.compile(r"\d")


def fact_heading(window: list[Scored], blocks: list[SourceBlock]) -> str | None:
    """The heading that states what a drafted list is about, when the fact lives there and nowhere in
    the list ("Pro — $79 per month" above the Pro plan's features): quoted as the list's lead-in, or
    the draft lists the features of a plan without its price. None for anything else."""
    if not window or len({s.block for s in window}) != 1 or any(s.unit.kind != "item" for s in window):
        return None
    block = next((b for b in blocks if b.n == window[0].block), None)
    if block is None:
        return None
    path = block.hit.heading_path
    heading = (window[0].unit.heading or (path[-1] if len(path) > 1 else "")).strip().rstrip(":")
    if not _DIGIT.search(heading) or heading.lower() in block.text.lower():
        return None
    listed = " ".join(s.unit.text for s in window)
    if all(n in listed for n in re.findall(r"\d+(?:[.,]\d+)?", heading)):
        return None  # the list states the heading's figures itself
    return f"{heading}:"
