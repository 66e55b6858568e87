"""Runs recorded in SQLite and JSON, found again by id, prefix or file."""

import json

import pytest

from evals.errors import RunNotFound
from evals.models import EvalRun, QueryResult
from evals.provenance import config_dump, config_hash, git_commit
from evals.store import EvalStore

pytestmark = pytest.mark.unit


def run(run_id: str, dataset: str = "demo") -> EvalRun:
    return EvalRun(run_id=run_id, created_at=f"2026-01-0{run_id[-1]}T00:00:00+00:00", dataset=dataset, mode="bm25",
                   n_queries=1, metrics={"hit@5": 1.0, "ndcg@10": 0.5}, index_version=3,
                   queries=[QueryResult(qid="q1", question="q?", category="c", ranked=["a", "b"],
                                        first_relevant_rank=1, metrics={"hit@5": 1.0})])


def test_save_writes_json_and_rows(tmp_path):
    store = EvalStore(tmp_path)
    path = store.save(run("20260101-bm25-1"))
    assert path == tmp_path / "eval_runs" / "20260101-bm25-1.json"
    assert json.loads(path.read_text())["queries"][0]["ranked"] == ["a", "b"]
    row = store.db["eval_query_results"].get(("20260101-bm25-1", "q1"))
    assert row["first_relevant_rank"] == 1 and json.loads(row["ranked"]) == ["a", "b"]
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_get_by_id_prefix_and_file_and_list(tmp_path):
    store = EvalStore(tmp_path)
    store.save(run("20260101-bm25-1"))
    store.save(run("20260101-bm25-2", dataset="emanual"))
    assert store.get("20260101-bm25-2").dataset == "emanual"
    assert store.get(str(store.json_path("20260101-bm25-1"))).run_id == "20260101-bm25-1"
    with pytest.raises(RunNotFound, match="matches 2 runs"):
        store.get("20260101")
    with pytest.raises(RunNotFound, match="no such run"):
        store.get("zzz")
    assert [r["run_id"] for r in store.list()] == ["20260101-bm25-2", "20260101-bm25-1"]
    assert [r["run_id"] for r in store.list(dataset="demo")] == ["20260101-bm25-1"]


def test_migrations_run_once(tmp_path):
    EvalStore(tmp_path)
    store = EvalStore(tmp_path)
    assert store.db.execute("SELECT count(*) FROM _migrations").fetchone()[0] == 1


def test_config_dump_drops_secrets_and_hash_ignores_paths(eval_settings, tmp_path):
    from pydantic import SecretStr

    s = eval_settings()
    dump = config_dump(s)
    assert "chunk_size" in dump and "eval_fetch_k" in dump
    assert config_hash(dump) == config_hash(config_dump(eval_settings(data_dir=tmp_path / "other")))
    assert config_hash(dump) != config_hash(config_dump(eval_settings(chunk_size=500)))
    assert config_hash(dump, "bm25") != config_hash(dump, "dense")

    class WithSecret:
        openai_api_key = SecretStr("sk-1")

        def model_dump(self, mode):
            return {"openai_api_key": "sk-1", "llm_token": "t", "escalation_webhook_url": "https://hooks/x",
                    "chroma_url": "http://user:pw@host:8000", "top_k": 5}

    assert config_dump(WithSecret()) == {"top_k": 5, "chroma_url": "http://***@host:8000"}


def test_git_commit_falls_back(tmp_path):
    assert git_commit(tmp_path) == "unknown"
