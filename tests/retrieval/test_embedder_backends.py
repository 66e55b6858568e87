"""Choosing the embedding backend: ONNX by default, torch on request, one embedding cache for both."""

from __future__ import annotations

import pytest

from retrieval.embedder import SentenceTransformerEmbedder, make_embedder
from retrieval.onnx_embedder import OnnxEmbedder


@pytest.mark.unit
def test_onnx_is_the_default_and_exports_into_the_shared_cache(make_settings, tmp_path):
    settings = make_settings(onnx_cache_dir=tmp_path / "onnx-cache")
    assert settings.embedding_backend == "onnx"
    emb = make_embedder(settings)
    assert isinstance(emb, OnnxEmbedder)
    assert emb.export_dir.parent == tmp_path / "onnx-cache"
    assert not emb.onnx_path.is_relative_to(settings.data_dir), "the export must not live in the data dir"
    # Another data dir with the same cache gets the same export (and, in one process, the same embedder).
    assert make_embedder(make_settings(data_dir=tmp_path / "other", onnx_cache_dir=tmp_path / "onnx-cache")) is emb


@pytest.mark.unit
def test_torch_stays_selectable(make_settings, embedder):
    emb = make_embedder(make_settings(embedding_backend="torch"))
    assert isinstance(emb, SentenceTransformerEmbedder) and emb.model_id == embedder.model_id


@pytest.mark.integration
def test_switching_backend_does_not_re_embed_a_cached_corpus(make_services, make_settings, tiny_kb, tmp_path):
    from deflectkit.app import Services

    first = make_services(redact_pii=False, embedding_backend="torch").ingest([tiny_kb])
    assert first.embedded == first.chunks > 0
    onnx_cache = tmp_path / "onnx-cache"
    svc = Services(make_settings(redact_pii=False, embedding_backend="onnx", onnx_cache_dir=onnx_cache))
    again = svc.ingest([tiny_kb])
    assert again.unchanged == first.added and again.embedded == 0
    assert not again.new_version and again.index_version == first.index_version  # same config hash
    assert svc.embedder._session is None and not onnx_cache.exists(), "nothing needed the ONNX model"
