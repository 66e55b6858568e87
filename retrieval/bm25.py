"""Lexical (BM25) search behind one small interface, with two interchangeable backends.

`Bm25sIndex` (bm25s, Lucene BM25, precomputed sparse scores) is the fast default;
`RankBm25Index` (rank_bm25's BM25Okapi) is the plain reference implementation that the parity
tests hold it against. Both use `retrieval.tokenize.tokenize`, score the whole corpus for a
query, and pick the top k with the same function, so they differ only in the BM25 formula.

Saved indexes are JSON and .npy files, never pickles: a folder someone hands you must not be
able to run code when loaded.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections import Counter
from itertools import chain
from pathlib import Path
from typing import Any, Literal, Protocol, Self, get_args

import numpy as np

from retrieval.errors import RetrievalError
from retrieval.tokenize import TOKENIZER_VERSION, tokenize

log = logging.getLogger(__name__)

LexicalBackend = Literal["bm25s", "rank-bm25"]
BACKENDS: tuple[str, ...] = get_args(LexicalBackend)

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class LexicalIndex(Protocol):
    def build(self, ids: list[str], texts: list[str]) -> None: ...

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Up to k (id, score) pairs, best first, ties by id, only scores > 0, only `allowed` ids."""
        ...

    def save(self, folder: Path) -> None: ...

    @classmethod
    def load(cls, folder: Path) -> Self: ...

    def __len__(self) -> int: ...


class _DocTable:
    """Document ids by position, plus the two things every backend needs from them:
    a boolean mask for `allowed`, and a deterministic top-k over a full score vector."""

    def __init__(self, ids: list[str]):
        self.ids = list(ids)
        self.position = {doc_id: i for i, doc_id in enumerate(self.ids)}
        if len(self.position) != len(self.ids):
            dupes = sorted(doc_id for doc_id, n in Counter(self.ids).items() if n > 1)
            raise ValueError(f"Document ids must be unique; repeated: {dupes[:5]}")
        # Rank of each id in sorted order: lets numpy break score ties by id.
        self.id_rank = np.empty(len(self.ids), dtype=np.int64)
        self.id_rank[sorted(range(len(self.ids)), key=self.ids.__getitem__)] = np.arange(len(self.ids))

    def mask(self, allowed: set[str]) -> np.ndarray:
        """True at the positions of `allowed`; ids this index does not hold are ignored."""
        mask = np.zeros(len(self.ids), dtype=bool)
        mask[[self.position[i] for i in allowed if i in self.position]] = True
        return mask

    def top_k(self, scores: np.ndarray, k: int, mask: np.ndarray | None) -> list[tuple[str, float]]:
        keep = scores > 0
        if mask is not None:
            keep &= mask
        candidates = np.flatnonzero(keep)
        if candidates.size > k:
            # Cut at the k-th best score but keep everything tied with it, so the id
            # tie-break below, not argpartition's arbitrary order, decides who makes the cut.
            candidate_scores = scores[candidates]
            kth_best = np.partition(candidate_scores, -k)[-k]
            candidates = candidates[candidate_scores >= kth_best]
        order = np.lexsort((self.id_rank[candidates], -scores[candidates]))[:k]
        return [(self.ids[i], float(scores[i])) for i in candidates[order]]


class _Scored:
    """What both backends share: a doc table, a model that may be None, and the guards around scoring."""

    _docs: _DocTable
    _model: Any

    def _scores(self, query: str) -> np.ndarray | None:
        """Scores of every document for the query, or None when no query term is known."""
        raise NotImplementedError

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        _check_k(k)
        if self._model is None:
            return []
        mask = None if allowed is None else self._docs.mask(allowed)
        if mask is not None and not mask.any():
            return []
        scores = self._scores(query)
        return [] if scores is None else self._docs.top_k(scores, k, mask)

    def __len__(self) -> int:
        return len(self._docs.ids)


class Bm25sIndex(_Scored):
    """bm25s with Lucene's BM25: idf = ln(1 + (N - df + 0.5) / (df + 0.5)), never negative, and
    no constant (k1 + 1) factor, so its scores run 1/(k1 + 1) of rank_bm25's for the same idf."""

    backend: LexicalBackend = "bm25s"

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = _check_params(k1, b)
        self._docs = _DocTable([])
        self._model: Any = None  # bm25s.BM25, or None while no document has a term

    def build(self, ids: list[str], texts: list[str]) -> None:
        docs = _DocTable(_check_corpus(ids, texts))
        # Our own vocabulary and token ids, handed to bm25s as (ids, vocab): bm25s then neither
        # re-tokenizes nor guesses the corpus type from its first document (an empty first
        # document makes it misread token ids as strings). Ids go in order of first occurrence,
        # so a corpus always gets the same vocabulary; bm25s numbers terms from a set.
        terms = [tokenize(text) for text in texts]
        vocab = {term: i for i, term in enumerate(dict.fromkeys(chain.from_iterable(terms)))}
        corpus_ids = [list(map(vocab.__getitem__, doc_terms)) for doc_terms in terms]
        model = None
        if vocab:
            model = _bm25s().BM25(k1=self.k1, b=self.b, method="lucene")
            # No empty token: it would get an id without a column in the score matrix.
            model.index((corpus_ids, vocab), create_empty_token=False, show_progress=False)
        self._docs, self._model = docs, model

    def _scores(self, query: str) -> np.ndarray | None:
        term_ids = self._model.get_tokens_ids(tokenize(query))
        return self._model.get_scores_from_ids(term_ids) if term_ids else None

    def save(self, folder: Path) -> None:
        folder = _start_save(Path(folder))
        (folder / "ids.json").write_text(json.dumps(self._docs.ids, ensure_ascii=False), encoding="utf-8")
        if self._model is not None:
            # bm25s writes .npy arrays (allow_pickle=False) and JSON vocab/params.
            self._model.save(folder / "bm25s", show_progress=False)
        _finish_save(folder, self.backend, len(self), k1=self.k1, b=self.b)

    @classmethod
    def load(cls, folder: Path) -> Self:
        folder = Path(folder)
        manifest = _read_manifest(folder, cls.backend)
        index = cls(k1=manifest["k1"], b=manifest["b"])
        ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
        index._docs = _DocTable(_check_count(ids, manifest, folder))
        if (folder / "bm25s").is_dir():
            index._model = _bm25s().BM25.load(folder / "bm25s", mmap=False, allow_pickle=False)
        return index

class RankBm25Index(_Scored):
    """rank_bm25's BM25Okapi: idf = ln((N - df + 0.5) / (df + 0.5)), floored at 0.25 x mean idf.

    That idf is zero or negative for terms in half the documents or more, so on corpora of one
    or two documents nothing scores above zero and search returns [].
    """

    backend: LexicalBackend = "rank-bm25"

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = _check_params(k1, b)
        self._docs = _DocTable([])
        self._terms: list[list[str]] = []
        self._model: Any = None  # rank_bm25.BM25Okapi, or None while no document has a term

    def build(self, ids: list[str], texts: list[str]) -> None:
        docs = _DocTable(_check_corpus(ids, texts))
        terms = [tokenize(text) for text in texts]
        self._docs, self._terms, self._model = docs, terms, self._fit(terms)

    def _fit(self, terms: list[list[str]]) -> Any:
        if not any(terms):
            return None  # BM25Okapi divides by the corpus and vocabulary sizes
        from rank_bm25 import BM25Okapi

        return BM25Okapi(terms, k1=self.k1, b=self.b)

    def _scores(self, query: str) -> np.ndarray | None:
        # Unknown terms score zero anyway; dropping them first skips a pass over the corpus each.
        terms = [term for term in tokenize(query) if term in self._model.idf]
        return self._model.get_scores(terms) if terms else None

    def save(self, folder: Path) -> None:
        folder = _start_save(Path(folder))
        # The terms, not the model: BM25Okapi has no save format but pickle, so load refits it
        # from the saved terms, which at least skips tokenizing again.
        payload = json.dumps(
            {"ids": self._docs.ids, "terms": self._terms}, ensure_ascii=False, separators=(",", ":")
        )
        # Level 1: several times faster than gzip's default 9 here, for under 20% more bytes.
        # mtime=0 keeps the bytes a function of the corpus alone.
        (folder / "corpus.json.gz").write_bytes(
            gzip.compress(payload.encode("utf-8"), compresslevel=1, mtime=0)
        )
        _finish_save(folder, self.backend, len(self), k1=self.k1, b=self.b)

    @classmethod
    def load(cls, folder: Path) -> Self:
        folder = Path(folder)
        manifest = _read_manifest(folder, cls.backend)
        index = cls(k1=manifest["k1"], b=manifest["b"])
        payload = json.loads(gzip.decompress((folder / "corpus.json.gz").read_bytes()))
        index._docs = _DocTable(_check_count(payload["ids"], manifest, folder))
        index._terms = payload["terms"]
        index._model = index._fit(index._terms)
        return index



_CLASSES: dict[str, type[Bm25sIndex] | type[RankBm25Index]] = {
    "bm25s": Bm25sIndex,
    "rank-bm25": RankBm25Index,
}


def make_lexical_index(backend: LexicalBackend, *, k1: float = 1.2, b: float = 0.75) -> LexicalIndex:
    """An empty index of the named backend; call `build` next."""
    return _class_for(backend)(k1=k1, b=b)


def load_lexical_index(folder: Path) -> LexicalIndex:
    """Load a saved index of whichever backend wrote `folder`."""
    return _class_for(_read_manifest(Path(folder), None)["backend"]).load(folder)


def _class_for(backend: str) -> type[Bm25sIndex] | type[RankBm25Index]:
    if backend not in _CLASSES:
        raise ValueError(f"Unknown lexical backend {backend!r}; choose one of {', '.join(BACKENDS)}.")
    return _CLASSES[backend]


def _bm25s() -> Any:
    # Imported on first use: `import bm25s` takes most of a second (scipy, and jax if present).
    import bm25s

    return bm25s


# --- checks -------------------------------------------------------------------------------


def _check_params(k1: float, b: float) -> tuple[float, float]:
    if not k1 >= 0:
        raise ValueError(f"k1 must be >= 0 (typically 1.2 to 2.0), got {k1}")
    if not 0 <= b <= 1:
        raise ValueError(f"b must be between 0 and 1 (typically 0.75), got {b}")
    return float(k1), float(b)


def _check_k(k: int) -> None:
    if k <= 0:
        raise ValueError(f"k must be greater than 0, got {k}")


def _check_corpus(ids: list[str], texts: list[str]) -> list[str]:
    if len(ids) != len(texts):
        raise ValueError(
            f"ids and texts must have the same length, got {len(ids)} ids and {len(texts)} texts"
        )
    return ids


def _check_count(ids: list[str], manifest: dict[str, Any], folder: Path) -> list[str]:
    if len(ids) != manifest["count"]:
        raise RetrievalError(
            f"Lexical index in {folder} is inconsistent: manifest says {manifest['count']} documents, "
            f"found {len(ids)}. Rebuild the index."
        )
    return ids


# --- folder layout: data files first, manifest.json last ----------------------------------


def _start_save(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    # Without a manifest the folder does not load, so a save cut short is caught, not half-read.
    (folder / MANIFEST).unlink(missing_ok=True)
    return folder


def _finish_save(folder: Path, backend: str, count: int, **params: float) -> None:
    manifest = {
        "backend": backend,
        "format": FORMAT_VERSION,
        "tokenizer": TOKENIZER_VERSION,
        "count": count,
        **params,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    log.debug("saved lexical index", extra={"backend": backend, "count": count, "folder": str(folder)})


def _read_manifest(folder: Path, backend: str | None) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise RetrievalError(
            f"No lexical index in {folder} ({MANIFEST} is missing). Build and save one first."
        )
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if backend is not None and manifest.get("backend") != backend:
        raise RetrievalError(
            f"Lexical index in {folder} was saved by backend {manifest.get('backend')!r}, not {backend!r}. "
            "Load it with load_lexical_index(), or rebuild it with this backend."
        )
    if manifest.get("format") != FORMAT_VERSION:
        raise RetrievalError(
            f"Lexical index in {folder} has format {manifest.get('format')!r}; this code reads "
            f"format {FORMAT_VERSION}. Rebuild the index."
        )
    if manifest.get("tokenizer") != TOKENIZER_VERSION:
        raise RetrievalError(
            f"Lexical index in {folder} was built with tokenizer version {manifest.get('tokenizer')!r}; "
            f"this code tokenizes with version {TOKENIZER_VERSION!r}, so queries would not match. "
            "Rebuild the index."
        )
    return manifest
