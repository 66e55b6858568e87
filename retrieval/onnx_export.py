"""ONNX exports of the embedding model, in one cache folder shared by every data dir and process.

An export takes ~20 s (torch + transformers + onnx), so it is made once per machine, not once per
data dir: one folder per model, weights digest, precision and the versions of the libraries that
write or read the file (`export_name`). A folder is built under a temporary name and renamed into
place while holding a file lock, so a reader sees a complete folder or none, and a second process
that wants the same export waits for the first instead of exporting too. Nothing is downloaded.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from retrieval.errors import RetrievalError

log = logging.getLogger(__name__)

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT = "sentence_embedding"
OPSET = 17
# Bump when the exported graph changes (inputs, pooling, opset, quantisation recipe): old folders
# then stop matching and are exported afresh instead of being trusted.
EXPORT_FORMAT = 1
KEY_PACKAGES = ("torch", "transformers", "onnx", "onnxruntime")
FILE = "model.onnx"


@functools.cache
def library_versions() -> dict[str, str]:
    """Versions of the packages that write (torch, transformers, onnx) and read (onnxruntime) the file.

    Read from package metadata, so a process that only embeds never imports torch."""
    out = {}
    for name in KEY_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def export_name(model: str, digest: str, *, quantize: bool, versions: dict[str, str] | None = None) -> str:
    """Folder name of one export: readable model and digest, then a hash of everything else it depends on."""
    key = {"format": EXPORT_FORMAT, "opset": OPSET, "versions": versions or library_versions()}
    tail = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:8]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(model).name).strip("-.") or "model"
    return f"{slug}-{digest}-{tail}" + ("-int8" if quantize else "")


def ensure_exported(
    model_dir: Path, cache_dir: Path, name: str, *, quantize: bool, broken: os.stat_result | None = None
) -> Path:
    """Path of the ONNX file for `name` (see `export_name`) in cache_dir, exported now if missing.

    `broken`: the stat of a file that failed to load; that file is replaced, unless another process
    replaced it already (a stat, not a path: the path stays the same across replacements).
    The int8 file is quantised from the fp32 export, made first if needed.
    """
    if not quantize:
        return _materialise(cache_dir / name, lambda tmp: _export_fp32(model_dir, tmp / FILE), broken) / FILE
    fp32 = ensure_exported(model_dir, cache_dir, name.removesuffix("-int8"), quantize=False)
    return _materialise(cache_dir / name, lambda tmp: _quantize(fp32, tmp / FILE), broken) / FILE


def _materialise(final: Path, build: Callable[[Path], None], broken: os.stat_result | None = None) -> Path:
    """final, built by `build(tmp_dir)` and renamed into place under a lock, unless it exists."""
    if final.is_dir() and broken is None:
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    with _locked(final.parent / f".{final.name}.lock"):
        if final.is_dir():
            if broken is None or not _same_file(broken, final / FILE):
                return final  # made (or repaired) by another process while this one waited
            _discard(final)
        for stale in final.parent.glob(f".{final.name}.tmp-*"):  # left by a killed export; we hold the lock
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
        try:
            tmp.chmod(0o755)  # mkdtemp makes it private; the finished folder may serve other accounts
            started = time.perf_counter()
            build(tmp)
            seconds = round(time.perf_counter() - started, 1)
            meta = {"format": EXPORT_FORMAT, "opset": OPSET, "versions": library_versions(), "seconds": seconds}
            (tmp / "export.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    log.info("exported ONNX model", extra={"path": str(final), "seconds": seconds})
    return final


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    # The lock file stays: deleting it would let two processes lock two different files.
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for another process's ONNX export", extra={"lock": str(path)})
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _same_file(seen: os.stat_result, path: Path) -> bool:
    try:
        now = path.stat()
    except OSError:
        return True  # the file is gone: rebuild
    fields = ("st_dev", "st_ino", "st_size", "st_mtime_ns")
    return all(getattr(seen, f) == getattr(now, f) for f in fields)


def _discard(folder: Path) -> None:
    """Move aside first (one atomic rename), then delete: no reader sees a half-deleted folder."""
    trash = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    os.rename(folder, trash / folder.name)
    shutil.rmtree(trash, ignore_errors=True)


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
