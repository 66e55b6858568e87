"""Articles that say the same thing: pairs of documents most of whose passages have a near-identical
passage in the other.

Such a pair holds each other's answers back: the confidence model reads "another article matches
about as well" as doubt (a draft's reason then says "held back by: another article matches about as
well: …"). Exact and MinHash near-duplicate chunks are folded at ingest; this finds what was reworded
(a guide and an article written apart), so an admin can merge them or keep one.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from pydantic import BaseModel, Field

MIN_COSINE = 0.9  # two passages this close say the same thing in other words
MIN_SHARE = 0.5  # of the smaller article's passages that have such a twin in the other
SCREEN_SLACK = 0.15  # how far below min_cosine two articles' mean vectors may be and still be compared


class Overlap(BaseModel):
    """Two articles that say the same thing (doc_a sorts before doc_b)."""

    doc_a: str
    title_a: str
    doc_b: str
    title_b: str
    share: float = Field(description="Share of the smaller article's passages with a near-identical passage in the other.")
    passages: int = Field(description="How many passages of the smaller article have such a twin.")


def overlaps(chunks: Iterable[tuple[str, str, np.ndarray]], min_cosine: float = MIN_COSINE,
             min_share: float = MIN_SHARE) -> list[Overlap]:
    """Pure: (doc_id, title, vector) per passage -> the overlapping pairs, most overlapping first."""
    if not 0.0 < min_cosine <= 1.0 or not 0.0 < min_share <= 1.0:
        raise ValueError("min_cosine and min_share must be in (0, 1]")
    docs: dict[str, list[np.ndarray]] = {}
    titles: dict[str, str] = {}
    for doc_id, title, vec in chunks:
        docs.setdefault(doc_id, []).append(np.asarray(vec, dtype=np.float32))
        titles.setdefault(doc_id, title)
    ids = sorted(docs)
    if len(ids) < 2:
        return []
    mats = {d: _unit(np.stack(docs[d])) for d in ids}
    # Only pairs whose mean passage vectors are close are compared passage by passage: articles that
    # say the same thing are close on average too, and a large help center stays one row at a time.
    means = _unit(np.stack([mats[d].mean(axis=0) for d in ids]))
    out = []
    for i, a in enumerate(ids):
        for j in (i + 1 + np.flatnonzero(means[i + 1:] @ means[i] >= min_cosine - SCREEN_SLACK)).tolist():
            b = ids[j]
            sims = mats[a] @ mats[b].T
            small_is_a = len(mats[a]) <= len(mats[b])
            best = sims.max(axis=1) if small_is_a else sims.max(axis=0)
            twins = int((best >= min_cosine).sum())
            share = twins / len(best)
            if share >= min_share:
                out.append(Overlap(doc_a=a, title_a=titles[a], doc_b=b, title_b=titles[b], share=round(share, 3),
                                   passages=twins))
    return sorted(out, key=lambda o: (-o.share, o.doc_a, o.doc_b))


def _unit(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-12)
