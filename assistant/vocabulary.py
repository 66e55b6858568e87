"""Which ticket terms the help center knows at all: the scope signal behind "nothing on <topic>".

A term the index has never seen (bitcoin, payroll) says more about scope than any similarity
score. Typos must not count as unknown, so a term of 6 to 40 letters one edit away from a known term
is known ("custmer"). Longer "words" (a pasted hash, a run of random letters) are not typo-matched:
the one-deletion variants of a word of n letters take n² characters, so a 40,000-letter word alone
would take 1.6 GB. Built once per index version from the catalog, then cached.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from retrieval.tokenize import tokenize

_FUZZY_MIN = 6
_FUZZY_MAX = 40  # longer than any real word, German compounds included
T = TypeVar("T")


def _deletions(term: str) -> set[str]:
    return {term[:i] + term[i + 1:] for i in range(len(term))}


class Vocabulary:
    """Terms of one index version with their document frequencies (chunks containing them)."""

    def __init__(self, df: dict[str, int], n_docs: int):
        self.df, self.n_docs = dict(df), max(1, n_docs)
        # one-deletion variants -> the most frequent term they come from (typo tolerance, SymSpell-style)
        self._deleted: dict[str, str] = {}
        for t in sorted(self.df, key=lambda t: (-self.df[t], t)):
            if _FUZZY_MIN - 1 <= len(t) <= _FUZZY_MAX + 1 and t.isalpha():
                for d in _deletions(t):
                    self._deleted.setdefault(d, t)

    @classmethod
    def from_texts(cls, texts) -> Vocabulary:
        df: Counter[str] = Counter()
        n = 0
        for text in texts:
            df.update(set(tokenize(text)))
            n += 1
        return cls(df, n)

    def canonical(self, term: str) -> str | None:
        """The known term `term` stands for: itself, or one edit away for longer words; None if unknown."""
        if term in self.df:
            return term
        if not _FUZZY_MIN <= len(term) <= _FUZZY_MAX or not term.isalpha():
            return None
        dels = sorted(_deletions(term))
        cands = [d for d in dels if d in self.df]  # an extra letter
        cands += [self._deleted[term]] if term in self._deleted else []  # a missing letter
        cands += [self._deleted[d] for d in dels if d in self._deleted]  # a wrong letter
        return max(cands, key=lambda t: (self.df[t], t)) if cands else None

    def knows(self, term: str) -> bool:
        return self.canonical(term) is not None

    def idf(self, term: str | None) -> float:
        """Unknown terms weigh most: the help center has never seen them."""
        return math.log(1 + self.n_docs / (1 + (self.df.get(term, 0) if term else 0)))

    def unknown(self, text: str) -> list[str]:
        """The text's terms the help center has never used, in order, without repeats."""
        return list(dict.fromkeys(t for t in tokenize(text) if not self.knows(t)))

    def coverage(self, question: str, answer: str) -> float:
        """IDF-weighted share of the question's terms that the answer text contains (0-1)."""
        have = set(tokenize(answer))
        num = den = 0.0
        for t in dict.fromkeys(tokenize(question)):
            c = self.canonical(t)
            w = self.idf(c)
            den += w
            num += w if c is not None and c in have else 0.0
        return num / den if den else 0.0


class VersionCache(Generic[T]):
    """One value per index version, built from the catalog's chunks on first use; only the live
    version is kept (a new version replaces the old one)."""

    def __init__(self, catalog, build: Callable[[Iterator], T]):
        self.catalog, self.build = catalog, build
        self._by_version: dict[int, T] = {}
        self._lock = threading.Lock()

    def get(self, version: int | None) -> T | None:
        if version is None or self.catalog is None:
            return None
        with self._lock:
            if version not in self._by_version:
                self._by_version = {version: self.build(self.catalog.iter_chunks(version))}
            return self._by_version[version]


class VocabularyCache(VersionCache[Vocabulary]):
    """One Vocabulary per index version, built from the catalog on first use."""

    def __init__(self, catalog):
        super().__init__(catalog, lambda chunks: Vocabulary.from_texts(c.embed_text for c in chunks))
