"""A tiny BEIR corpus through the real ingest pipeline, real BM25, Chroma and embeddings."""

import json

import pytest

from deflectkit.app import Services
from evals.compare import compare_runs
from evals.datasets import dataset_settings, ingest_dataset, load_dataset
from evals.report import write_report
from evals.runner import run_retrieval_eval
from evals.store import EvalStore

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # ~40 s: model load and a real ingest


@pytest.fixture
def beir_services(tiny_beir, eval_settings, embedder):
    settings = eval_settings(redact_pii=False)  # Presidio has its own tests; it costs seconds to load
    ds = load_dataset(f"beir:{tiny_beir}", settings)
    svc = Services(dataset_settings(ds, settings), embedder=embedder)  # the session's model, not a second load
    return ds, svc, settings


def test_ingest_evaluate_record_compare(beir_services, tmp_path):
    ds, svc, settings = beir_services
    first = ingest_dataset(ds, svc)
    assert first.added == 5 and first.index_version == 1
    assert svc.settings.data_dir == settings.data_dir / "evals" / ds.slug
    again = ingest_dataset(ds, svc)
    assert again.unchanged == 5 and again.embedded == 0 and not again.new_version  # re-ingest is free

    bm25 = run_retrieval_eval(ds, svc, "bm25", fetch_k=50)
    hybrid = run_retrieval_eval(ds, svc, "hybrid", fetch_k=50)
    assert bm25.n_queries == 4 and bm25.index_version == 1
    assert bm25.metrics["hit@5"] == 1.0 and hybrid.metrics["hit@5"] == 1.0
    assert hybrid.metrics["mrr@10"] >= 0.75
    q1 = next(q for q in bm25.queries if q.qid == "q1")
    assert q1.first_relevant_rank == 1 and q1.ranked[0] == "d-refund"
    assert len(next(q for q in hybrid.queries if q.qid == "q1").ranked) == 5  # dense ranks every doc
    assert bm25.config["chunk_size"] == settings.chunk_size and bm25.model_ids["embedding"]
    assert bm25.per_category["default"]["n_queries"] == 4

    store = EvalStore(settings.data_dir)
    store.save(bm25)
    store.save(hybrid)
    saved = json.loads((settings.data_dir / "eval_runs" / f"{bm25.run_id}.json").read_text())
    assert saved["dataset"] == ds.name and saved["git_commit"]
    assert len(saved["queries"]) == 4
    cmp = compare_runs(store.get(bm25.run_id), store.get(hybrid.run_id), samples=200)
    assert cmp.n_paired == 4
    html = write_report([bm25, hybrid], tmp_path / "r.html").read_text()
    assert html.count("data:image/png;base64,") >= 3


def test_batched_query_vectors_match_single_queries(embedder):
    from evals.query_vectors import BatchedQueryEmbedder

    calls = []

    class Counting:
        model_id, dim = embedder.model_id, embedder.dim

        def embed(self, texts):
            calls.append(len(texts))
            return embedder.embed(texts)

    texts = ["reset my password", "  refund a payment ", "turn on two-factor"]
    batched = BatchedQueryEmbedder(Counting(), texts)
    got = batched.embed(["refund a payment"])
    assert calls == [3]  # every known query in one pass
    assert abs(got[0] - embedder.embed(["refund a payment"])[0]).max() < 1e-5
    batched.embed(["reset my password", "something new"])
    assert calls == [3, 1]
