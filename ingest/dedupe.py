"""Exact and near-duplicate chunk detection across documents.

Duplicates are indexed once: the first chunk in stable (doc_id, ordinal) order is kept and
records every other document that carried the same text in `also_in`.
"""

from __future__ import annotations

from typing import NamedTuple

from datasketch import MinHash, MinHashLSH

from ingest.chunking import normalise_for_id
from ingest.models import Chunk

NUM_PERM = 128
_SEED = 7  # fixed: same input -> same signatures -> same groups


class Deduped(NamedTuple):
    chunks: list[Chunk]  # all chunks, stable order; duplicates carry duplicate_of
    groups: list[list[str]]  # chunk ids per group, kept id first

    @property
    def kept(self) -> list[Chunk]:
        return [c for c in self.chunks if c.duplicate_of is None]


def _shingles(text: str, n: int = 3) -> set[bytes]:
    words = normalise_for_id(text).split()
    if len(words) < n:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + n]).encode() for i in range(len(words) - n + 1)}


def _signature(text: str) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=_SEED)
    m.update_batch(list(_shingles(text)))
    return m


def dedupe(chunks: list[Chunk], near_threshold: float = 0.9) -> Deduped:
    if not 0 < near_threshold <= 1:
        raise ValueError(f"near_threshold must be in (0, 1], got {near_threshold}. Set DEFLECT_NEAR_DUP_THRESHOLD.")
    ordered = sorted(chunks, key=lambda c: (c.doc_id, c.ordinal))
    parent: dict[str, str] = {}  # chunk_id -> kept chunk_id
    by_exact: dict[str, str] = {}
    for c in ordered:
        key = normalise_for_id(c.text)
        if key in by_exact:
            parent[c.chunk_id] = by_exact[key]
        else:
            by_exact[key] = c.chunk_id

    if near_threshold < 1:
        # Weighted against false negatives: every candidate is confirmed by its Jaccard estimate below.
        lsh = MinHashLSH(threshold=near_threshold, num_perm=NUM_PERM, weights=(0.05, 0.95))
        sigs: dict[str, MinHash] = {}
        for c in ordered:
            if c.chunk_id in parent:
                continue
            sig = _signature(c.text)
            # LSH gives candidates; confirm with the estimated Jaccard so the threshold means what it says.
            match = next(
                (cid for cid in sorted(lsh.query(sig)) if sigs[cid].jaccard(sig) >= near_threshold), None
            )
            if match is not None:
                parent[c.chunk_id] = match
            else:
                lsh.insert(c.chunk_id, sig)
                sigs[c.chunk_id] = sig

    by_id = {c.chunk_id: c for c in ordered}
    members: dict[str, list[str]] = {}
    for cid, root in parent.items():
        members.setdefault(root, []).append(cid)
    out: list[Chunk] = []
    for c in ordered:
        if c.chunk_id in parent:
            out.append(c.model_copy(update={"duplicate_of": parent[c.chunk_id], "also_in": []}))
            continue
        dup_ids = members.get(c.chunk_id, [])
        other_docs = sorted({by_id[d].doc_id for d in dup_ids} - {c.doc_id})
        out.append(c.model_copy(update={"also_in": other_docs, "duplicate_of": None}))
    groups = [[root, *members[root]] for root in sorted(members)]
    return Deduped(out, groups)

