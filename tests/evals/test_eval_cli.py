"""`deflect eval` through typer's CliRunner on the eval sub-app: subcommands and the bare form."""

import json
import re

import pytest
from typer.testing import CliRunner

from deflectkit.cli.eval_cmds import app
from evals.models import EvalRun, QueryResult
from evals.store import EvalStore

runner = CliRunner()


def synthetic(run_id: str, ranks: list[int | None]) -> EvalRun:
    qs = [QueryResult(qid=f"q{i}", question=f"question {i}", category="c", first_relevant_rank=r,
                      metrics={"hit@5": float(r is not None and r <= 5), "mrr@10": 1 / r if r else 0.0})
          for i, r in enumerate(ranks)]
    return EvalRun(run_id=run_id, created_at="2026-01-01T00:00:00+00:00", dataset="demo", mode="hybrid",
                   n_queries=len(qs), metrics={"hit@5": 0.5, "ndcg@10": 0.5}, queries=qs)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DEFLECT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no stray .env
    return tmp_path / "data"


@pytest.mark.unit
def test_compare_subcommand_json(data_dir):
    store = EvalStore(data_dir)
    store.save(synthetic("run-a", [None, 3, 2, 1] * 10))
    store.save(synthetic("run-b", [1, 1, 2, 1] * 10))
    result = runner.invoke(app, ["compare", "run-a", "run-b", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    mrr = next(d for d in out["deltas"] if d["metric"] == "mrr@10")
    assert mrr["ci_low"] > 0 and out["n_better"] == 20 and out["n_worse"] == 0
    table = runner.invoke(app, ["compare", "run-a", "run-b"])
    assert table.exit_code == 0 and "20 queries better" in table.stdout and "question 0" in table.stdout


@pytest.mark.unit
def test_compare_gate_fails_only_on_a_sure_regression(data_dir):
    store = EvalStore(data_dir)
    store.save(synthetic("good", [1, 1, 2, 1] * 10))
    store.save(synthetic("bad", [None, 3, 2, 1] * 10))
    store.save(synthetic("same", [1, 1, 2, 1] * 10))
    worse = runner.invoke(app, ["compare", "good", "bad", "--fail-on-regression", "--gate-metrics", "mrr@10,hit@5",
                                "--json"])
    assert worse.exit_code == 1, worse.output
    gate = json.loads(worse.stdout)["gate"]
    assert gate["passed"] is False and set(gate["failed"]) == {"mrr@10", "hit@5"}
    table = runner.invoke(app, ["compare", "good", "bad", "--fail-on-regression", "--gate-metrics", "mrr@10"])
    assert table.exit_code == 1 and "Gate failed" in table.output
    assert runner.invoke(app, ["compare", "good", "same", "--fail-on-regression", "--gate-metrics", "mrr@10"]).exit_code == 0
    assert runner.invoke(app, ["compare", "bad", "good", "--fail-on-regression", "--gate-metrics", "mrr@10"]).exit_code == 0
    # a tolerance larger than the whole drop lets it through
    assert runner.invoke(app, ["compare", "good", "bad", "--fail-on-regression", "--gate-metrics", "mrr@10",
                               "--max-drop", "0.9"]).exit_code == 0
    unknown = runner.invoke(app, ["compare", "good", "bad", "--fail-on-regression", "--gate-metrics", "ndcg@10"])
    assert unknown.exit_code == 2 and "Cannot gate on" in unknown.output


@pytest.mark.unit
def test_runs_subcommand_and_bare_eval_without_dataset(data_dir):
    EvalStore(data_dir).save(synthetic("run-a", [1]))
    listed = runner.invoke(app, ["runs", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.stdout)[0]["run_id"] == "run-a"
    bare = runner.invoke(app, [])
    assert bare.exit_code == 2 and "--dataset" in bare.stdout
    bad = runner.invoke(app, ["--dataset", "demo", "--mode", "fuzzy"])
    assert bad.exit_code != 0 and "--mode" in bad.output


@pytest.mark.slow
@pytest.mark.integration
def test_eval_and_baselines_on_a_tiny_beir_folder(data_dir, tiny_beir, tmp_path):
    env = {"DEFLECT_REDACT_PII": "false"}
    result = runner.invoke(app, ["--dataset", f"beir:{tiny_beir}", "--mode", "bm25", "--json", "--no-progress"],
                           env=env)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    for key in ("hit@1", "hit@5", "hit@10", "recall@10", "mrr@10", "ndcg@10", "n_queries", "run_id",
                "per_category", "mode", "dataset", "index_version"):
        assert key in out
    assert out["n_queries"] == 4 and out["hit@5"] == 1.0 and out["mode"] == "bm25"
    assert (data_dir / "eval_runs" / f"{out['run_id']}.json").is_file()
    # baselines come from the same run; the evaluated mode is not repeated among them
    assert set(out["baselines"]) == {"dense"} and out["baselines"]["dense"]["n_queries"] == 4
    assert out["baselines"]["dense"]["run_id"] != out["run_id"]
    alone = runner.invoke(app, ["--dataset", f"beir:{tiny_beir}", "--json", "--no-progress", "--no-baselines"], env=env)
    assert alone.exit_code == 0 and "baselines" not in json.loads(alone.stdout)

    report = tmp_path / "report.html"
    result = runner.invoke(app, ["baselines", "--dataset", f"beir:{tiny_beir}", "--json", "--report", str(report),
                                 "--no-progress"], env=env)
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)["runs"]
    assert set(runs) == {"bm25", "dense", "hybrid"}
    assert len({r["index_version"] for r in runs.values()}) == 1  # one ingest serves all three
    assert re.search(r'<img alt="rank distribution" src="data:image/png;base64,', report.read_text())
    cmp = runner.invoke(app, ["compare", runs["bm25"]["run_id"], runs["hybrid"]["run_id"], "--json"])
    assert cmp.exit_code == 0 and json.loads(cmp.stdout)["n_paired"] == 4
