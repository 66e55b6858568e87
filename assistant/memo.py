"""An embedder wrapper that remembers sentence vectors: the same help-center sentences come back
ticket after ticket, and embedding them again is most of the extractive path's cost."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np


class MemoEmbedder:
    def __init__(self, embedder, max_items: int = 50_000):
        if max_items <= 0:
            raise ValueError(f"max_items must be greater than 0, got {max_items}")
        self.inner = embedder
        self.max_items = max_items
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return getattr(self.inner, "model_id", "")

    @property
    def dim(self) -> int:
        return getattr(self.inner, "dim", 384)

    def embed(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            vecs = self.inner.embed(missing)
            with self._lock:
                for t, v in zip(missing, vecs, strict=True):
                    self._memo[t] = v
                while len(self._memo) > self.max_items:
                    self._memo.popitem(last=False)
        with self._lock:
            out = [self._memo.get(t) for t in texts]
        if any(v is None for v in out):  # evicted between the two locks: embed the stragglers directly
            return self.inner.embed(texts)
        return np.stack(out) if out else self.inner.embed([])
