"""The CLI contract: command names, flags and JSON fields that outside checks rely on."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from deflectkit.cli import app

pytestmark = pytest.mark.integration

runner = CliRunner()


@pytest.fixture
def env(tmp_path, embedder, monkeypatch):
    monkeypatch.setenv("DEFLECT_DATA_DIR", str(tmp_path / "data"))
    # In-process runs share the session's model through make_embedder's per-process cache.
    import retrieval.embedder as emb

    monkeypatch.setattr(emb, "_embedder", lambda *a: embedder)
    return tmp_path


def run(*args):
    res = runner.invoke(app, [str(a) for a in args])
    return res


def test_ingest_json_has_the_contract_fields(env, tiny_kb):
    res = run("ingest", tiny_kb, "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    for key in ("added", "updated", "unchanged", "removed", "duplicates", "redactions", "errors", "index_version", "seconds"):
        assert key in data
    assert data["added"] == 4 and data["index_version"] == 1
    again = json.loads(run("ingest", tiny_kb, "--json").stdout)
    assert again["unchanged"] == 4 and again["index_version"] == 1


def test_ingest_reports_bad_files_and_fails_only_when_nothing_ingested(env, tiny_kb, tmp_path):
    (tiny_kb / "broken.pdf").write_bytes(b"%PDF-1.4 this is not a pdf")
    data = json.loads(run("ingest", tiny_kb, "--json").stdout)
    assert [e["path"].endswith("broken.pdf") for e in data["errors"]] == [True]
    assert data["errors"][0]["reason"]
    bad_only = tmp_path / "bad"
    bad_only.mkdir()
    (bad_only / "x.md").write_bytes(b"")
    res = run("ingest", bad_only, "--json")
    assert res.exit_code != 0
    assert json.loads(res.stdout)["errors"][0]["reason"] == "file is empty"


def test_search_json_hits(env, tiny_kb):
    run("ingest", tiny_kb, "--json")
    res = run("search", "reset link expiry", "-k", 2, "--mode", "hybrid", "--json")
    assert res.exit_code == 0, res.output
    hits = json.loads(res.stdout)
    assert len(hits) == 2
    for key in ("chunk_id", "doc_id", "title", "url", "score"):
        assert key in hits[0]
    assert hits[0]["doc_id"] == "account/password.md"
    for mode in ("bm25", "dense"):
        assert json.loads(run("search", "reset link", "--mode", mode, "--json").stdout)


def test_index_list_activate_rollback(env, tiny_kb):
    run("ingest", tiny_kb, "--json")
    (tiny_kb / "account/password.md").write_text("# Reset\n\nNew text about resets.\n")
    run("ingest", tiny_kb, "--json")
    versions = json.loads(run("index", "list", "--json").stdout)
    assert [(v["version"], v["active"]) for v in versions] == [(1, False), (2, True)]
    assert json.loads(run("index", "rollback", "--json").stdout) == {"active_version": 1}
    assert json.loads(run("index", "activate", 2, "--json").stdout) == {"active_version": 2}
    res = run("index", "activate", 99)
    assert res.exit_code != 0


def test_help_everywhere():
    for args in (["--help"], ["ingest", "--help"], ["search", "--help"], ["index", "--help"], ["index", "list", "--help"]):
        res = run(*args)
        assert res.exit_code == 0 and "Usage" in res.output


def test_console_script_is_installed():
    import subprocess
    import sys
    from pathlib import Path

    exe = shutil.which("deflect") or str(Path(sys.executable).parent / "deflect")
    out = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "ingest" in out.stdout
