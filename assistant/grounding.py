"""Verify each draft sentence against the passages it cites.

Support is lexical (share of the sentence's content terms and term pairs found in the cited
passage) or semantic (embedding cosine to the closest passage sentence). A number in the
sentence that the cited passage does not contain makes it unsupported whatever the scores say:
a wrong limit or price is the hallucination that hurts most in support replies.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from assistant.context import SourceBlock
from assistant.models import Sentence
from assistant.sentences import units
from retrieval.tokenize import tokenize

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


class SupportThresholds(NamedTuple):
    lexical: float = 0.6
    semantic: float = 0.7


def _bigrams(terms: list[str]) -> set[tuple[str, str]]:
    return set(zip(terms, terms[1:], strict=False))


def lexical_support(sentence: str, passage: str) -> float:
    """Share of the sentence's terms (and of its term pairs, for order) found in the passage, 0-1."""
    s, p = tokenize(sentence), tokenize(passage)
    if not s:
        return 0.0
    uni = len(set(s) & set(p)) / len(set(s))
    if len(s) < 3:
        return uni
    sb = _bigrams(s)
    return 0.5 * uni + 0.5 * len(sb & _bigrams(p)) / len(sb)


def numbers_ok(sentence: str, passage: str) -> bool:
    """Every number in the sentence also appears in the passage."""
    have = {n.replace(",", "") for n in _NUMBER.findall(passage)}
    return all(n.replace(",", "") in have for n in _NUMBER.findall(sentence))


class Verifier:
    """Scores draft sentences against numbered source blocks; embeds only what lexical support leaves open."""

    def __init__(self, embedder, thresholds: SupportThresholds = SupportThresholds()):
        for name, v in thresholds._asdict().items():
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"support threshold {name} must be between 0 and 1, got {v}")
        self.embedder = embedder
        self.thresholds = thresholds

    def verify(self, drafted: list[tuple[str, list[int]]], blocks: list[SourceBlock]) -> list[Sentence]:
        by_n = {b.n: b for b in blocks}
        out: list[Sentence] = []
        open_items: list[tuple[int, list[int]]] = []  # (sentence index, block numbers to embed against)
        for text, cites in drafted:
            valid = [n for n in cites if n in by_n]
            pool = valid or list(by_n)  # an uncited sentence is checked against everything, then repaired
            scored = [(lexical_support(text, by_n[n].text), n) for n in pool]
            lex, best_n = max(scored, default=(0.0, None))
            joined = "\n".join(by_n[n].text for n in pool)
            if len(pool) > 1:  # one sentence may combine facts from two cited passages
                lex = max(lex, lexical_support(text, joined))
            nums = numbers_ok(text, joined)
            if any(_heading_of(text, by_n[n]) for n in valid):  # a list's lead-in quoting its heading
                lex, nums = 1.0, True
            ok = lex >= self.thresholds.lexical and nums
            cites_out = valid or ([best_n] if ok and best_n is not None else [])
            out.append(Sentence(text=text, citations=cites_out, supported=ok, support=round(lex, 4)))
            if not ok and nums and pool:
                open_items.append((len(out) - 1, pool))
        if open_items and self.embedder is not None:
            self._semantic(out, open_items, by_n)
        return out

    def _semantic(self, out: list[Sentence], open_items, by_n) -> None:
        passages = {n: [u.text for u in units(by_n[n].text)] or [by_n[n].text] for _, pool in open_items for n in pool}
        flat = [(n, t) for n, ts in passages.items() for t in ts]
        vecs = self.embedder.embed([out[i].text for i, _ in open_items] + [t for _, t in flat])
        sent_vecs, pass_vecs = vecs[: len(open_items)], vecs[len(open_items):]
        owners = np.array([n for n, _ in flat])
        for (i, pool), v in zip(open_items, sent_vecs, strict=True):
            mask = np.isin(owners, pool)
            sims = pass_vecs[mask] @ v
            if not len(sims):
                continue
            best = float(sims.max())
            s = out[i]
            supported = best >= self.thresholds.semantic
            cites = s.citations or ([int(owners[mask][int(sims.argmax())])] if supported else [])
            out[i] = s.model_copy(update={"supported": supported, "support": round(max(s.support, best), 4),
                                          "citations": cites})


def supported_share(sentences: list[Sentence]) -> float:
    return sum(s.supported for s in sentences) / len(sentences) if sentences else 0.0


def _heading_of(sentence: str, block: SourceBlock) -> bool:
    """Whether the sentence is one of the block's headings, quoted (see `extractive.fact_heading`)."""
    said = sentence.strip().rstrip(":").strip().lower()
    return bool(said) and any(said == h.strip().lower() for h in block.hit.heading_path[1:])
