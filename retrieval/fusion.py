"""Merge several rankings of the same documents into one. Pure functions over lists.

`min_max_fusion` (the default for hybrid search, through `fuse`) keeps score gaps: a ranking
that is very sure of its first hit counts for more, and one that barely separates its
candidates counts for little. On the e-Manual set that is what lets a weaker dense ranking
help BM25 instead of dragging it down, which rank-only fusion did (see the README's results).
`weighted_rrf` uses ranks only, so it needs no care about score scales.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple, get_args

FusionMethod = Literal["minmax", "rrf"]
FUSION_METHODS: tuple[str, ...] = get_args(FusionMethod)


class Fused(NamedTuple):
    id: str
    score: float


def weighted_rrf(
    rankings: dict[str, list[str]],
    weights: dict[str, float] | None = None,
    k: int = 60,
) -> list[Fused]:
    """Reciprocal rank fusion: score(d) = sum over rankings r of w_r / (k + rank_r(d)), rank from 1.

    Rankings missing from `weights` get weight 1; a ranking with weight 0 is ignored, so ids
    found only there do not appear. An id listed twice in one ranking counts at its best rank.
    Best first; equal scores in id order, so the result never depends on dict or set order.

    >>> weighted_rrf({"bm25": ["a", "b"], "vector": ["b", "c"]}, k=1)
    [Fused(id='b', score=0.8333333333333333), Fused(id='a', score=0.5), Fused(id='c', score=0.3333333333333333)]
    """
    if not k > 0:
        raise ValueError(f"k must be greater than 0 (60 is the usual choice), got {k}")
    resolved = _resolve_weights(rankings, weights)

    totals: dict[str, float] = {}
    for name, ids in rankings.items():
        weight = resolved[name]
        if weight == 0:
            continue
        seen: set[str] = set()
        for rank, doc_id in enumerate(ids, start=1):
            if doc_id in seen:
                continue
            seen.add(doc_id)
            totals[doc_id] = totals.get(doc_id, 0.0) + weight / (k + rank)
    return _sorted(totals)


def min_max_fusion(
    scored: dict[str, list[tuple[str, float]]],
    weights: dict[str, float] | None = None,
) -> list[Fused]:
    """Weighted sum of scores min-max scaled to [0, 1] within each ranking.

    A ranking whose scores are all equal scales them to 1 (each hit is as good as its best).
    An id missing from a ranking gets nothing from it. Weights as in `weighted_rrf`.
    """
    resolved = _resolve_weights(scored, weights)

    totals: dict[str, float] = {}
    for name, hits in scored.items():
        weight = resolved[name]
        if weight == 0 or not hits:
            continue
        best: dict[str, float] = {}
        for doc_id, score in hits:
            if not math.isfinite(score):
                raise ValueError(f"Ranking {name!r} has a non-finite score {score} for id {doc_id!r}")
            best[doc_id] = max(score, best.get(doc_id, -math.inf))
        low, high = min(best.values()), max(best.values())
        span = high - low
        for doc_id, score in best.items():
            scaled = (score - low) / span if span > 0 else 1.0
            totals[doc_id] = totals.get(doc_id, 0.0) + weight * scaled
    return _sorted(totals)


def fuse(
    method: FusionMethod,
    scored: dict[str, list[tuple[str, float]]],
    weights: dict[str, float] | None = None,
    k: int = 60,
) -> list[Fused]:
    """Fuse scored rankings (best first) with `method`. `k` is RRF's constant, unused by minmax.

    minmax scores are divided by the total weight, so they run from 0 to 1 and 1 means "best
    in every ranking"; an id that only one ranking found can reach that ranking's share only.

    >>> fuse("minmax", {"bm25": [("a", 9.0), ("b", 6.0), ("c", 3.0)], "dense": [("b", 0.8), ("c", 0.4)]})
    [Fused(id='b', score=0.75), Fused(id='a', score=0.5), Fused(id='c', score=0.0)]
    """
    if method == "rrf":
        return weighted_rrf({name: [i for i, _ in hits] for name, hits in scored.items()}, weights, k=k)
    if method == "minmax":
        total = sum(_resolve_weights(scored, weights).values())
        fused = min_max_fusion(scored, weights)
        return [Fused(i, s / total) for i, s in fused] if total > 0 else fused
    raise ValueError(f"Unknown fusion method {method!r}; choose one of {', '.join(FUSION_METHODS)}.")


def _resolve_weights(rankings: dict[str, object], weights: dict[str, float] | None) -> dict[str, float]:
    weights = weights or {}
    unknown = sorted(set(weights) - set(rankings))
    if unknown:
        # Most likely a typo ("vectors" for "vector"), which would otherwise silently weigh 1.
        raise ValueError(f"Weights given for unknown rankings {unknown}; rankings are {sorted(rankings)}")
    for name, weight in weights.items():
        if not (math.isfinite(weight) and weight >= 0):
            raise ValueError(f"Weight for ranking {name!r} must be a finite number >= 0, got {weight}")
    return {name: float(weights.get(name, 1.0)) for name in rankings}


def _sorted(totals: dict[str, float]) -> list[Fused]:
    return [
        Fused(doc_id, score) for doc_id, score in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    ]
