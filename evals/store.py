"""Recorded evaluation runs: SQLite (`<data_dir>/evals.db`, sqlite-utils, numbered migrations,
WAL) for listing and querying, plus one JSON file per run (`<data_dir>/eval_runs/<run_id>.json`)
holding everything, per-query results included."""

from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils

from deflectkit.core.migrations import run_migrations
from evals.errors import RunNotFound
from evals.models import EvalRun


def m001_create_tables(db: sqlite_utils.Database) -> None:
    db["eval_runs"].create(
        {"run_id": str, "created_at": str, "dataset": str, "mode": str, "n_queries": int, "metrics": str,
         "per_category": str, "chunk_metrics": str, "index_version": int, "config_hash": str, "config": str,
         "model_ids": str, "git_commit": str, "group_id": str, "seconds": float, "answers": str, "json_path": str},
        pk="run_id",
    )
    db["eval_runs"].create_index(["dataset", "mode", "created_at"])
    db["eval_query_results"].create(
        {"run_id": str, "qid": str, "category": str, "out_of_scope": int, "first_relevant_rank": int,
         "ranked": str, "metrics": str},
        pk=("run_id", "qid"), foreign_keys=[("run_id", "eval_runs", "run_id")],
    )


MIGRATIONS = [m001_create_tables]


class EvalStore:
    def __init__(self, data_dir: Path | str):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.runs_dir = self.data_dir / "eval_runs"
        self.db = sqlite_utils.Database(self.data_dir / "evals.db")
        self.db.enable_wal()
        self.db.execute("PRAGMA busy_timeout = 10000")
        self._migrate()

    def _migrate(self) -> None:
        run_migrations(self.db, MIGRATIONS)

    def json_path(self, run_id: str) -> Path:
        return self.runs_dir / f"{run_id}.json"

    def save(self, run: EvalRun) -> Path:
        path = self.json_path(run.run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(run.model_dump_json(indent=2), encoding="utf-8")
        tmp.replace(path)
        row = {
            "run_id": run.run_id, "created_at": run.created_at, "dataset": run.dataset, "mode": run.mode,
            "n_queries": run.n_queries, "metrics": json.dumps(run.metrics),
            "per_category": json.dumps(run.per_category), "chunk_metrics": json.dumps(run.chunk_metrics),
            "index_version": run.index_version, "config_hash": run.config_hash,
            "config": json.dumps(run.config, sort_keys=True), "model_ids": json.dumps(run.model_ids),
            "git_commit": run.git_commit, "group_id": run.group_id, "seconds": run.seconds,
            "answers": json.dumps(run.answers) if run.answers is not None else None, "json_path": str(path),
        }
        results = [
            {"run_id": run.run_id, "qid": q.qid, "category": q.category, "out_of_scope": int(q.out_of_scope),
             "first_relevant_rank": q.first_relevant_rank, "ranked": json.dumps(q.ranked),
             "metrics": json.dumps(q.metrics | q.chunk_metrics)}
            for q in run.queries
        ]
        with self.db.conn:
            self.db["eval_runs"].insert(row, replace=True)
            self.db["eval_query_results"].insert_all(results, replace=True, batch_size=500)
        return path

    def get(self, ref: str) -> EvalRun:
        """A run by id, by a unique id prefix, or by the path of its JSON file."""
        as_path = Path(ref).expanduser()
        if ref.endswith(".json") and as_path.is_file():
            return EvalRun.model_validate_json(as_path.read_text(encoding="utf-8"))
        ids = [r[0] for r in self.db.execute(
            "SELECT run_id FROM eval_runs WHERE run_id = ? OR run_id LIKE ? ORDER BY created_at",
            [ref, ref.replace("%", "") + "%"]).fetchall()]
        if ref in ids:
            ids = [ref]
        if len(ids) != 1:
            hint = f"it matches {len(ids)} runs" if ids else "no such run"
            raise RunNotFound(f"Eval run {ref!r}: {hint}. List runs with `deflect eval runs`, or pass a run JSON file.")
        path = self.json_path(ids[0])
        if not path.is_file():
            raise RunNotFound(f"The JSON record of run {ids[0]} is missing at {path}.")
        return EvalRun.model_validate_json(path.read_text(encoding="utf-8"))

    def list(self, limit: int = 20, dataset: str | None = None) -> list[dict]:
        where, args = ("WHERE dataset = ?", [dataset]) if dataset else ("", [])
        rows = self.db.query(
            f"SELECT run_id, created_at, dataset, mode, n_queries, metrics, index_version, group_id "
            f"FROM eval_runs {where} ORDER BY created_at DESC, run_id DESC LIMIT ?", [*args, limit])
        return [{**r, "metrics": json.loads(r["metrics"] or "{}")} for r in rows]
