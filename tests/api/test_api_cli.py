"""`deflect keys` and `deflect api` as a user runs them: a key printed once, the server answering curl-style."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import free_port
from tests.conftest import TINY_KB, write_kb

DEFLECT = [sys.executable, "-m", "deflectkit.cli"]


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([*DEFLECT, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def env(tmp_path) -> dict:
    return {**os.environ, "DEFLECT_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1",
            "DEFLECT_REDACT_PII": "false", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}


def test_keys_add_json_list_revoke(env):
    out = run(["keys", "add", "helpdesk", "--scopes", "draft,feedback", "--json"], env)
    assert out.returncode == 0, out.stderr
    new = json.loads(out.stdout)
    assert set(new) == {"name", "key", "scopes"} and new["name"] == "helpdesk"
    assert new["scopes"] == ["draft", "feedback"] and new["key"].startswith("dk_")
    listed = json.loads(run(["keys", "list", "--json"], env).stdout)
    assert [k["name"] for k in listed] == ["helpdesk"] and new["key"] not in json.dumps(listed)
    dup = run(["keys", "add", "helpdesk", "--scopes", "draft"], env)
    assert dup.returncode == 2 and "exists" in dup.stderr and "Traceback" not in dup.stderr
    bad = run(["keys", "add", "x", "--scopes", "draft,root"], env)
    assert bad.returncode == 2 and "root" in bad.stderr
    assert run(["keys", "revoke", "helpdesk"], env).returncode == 0
    assert json.loads(run(["keys", "list", "--json"], env).stdout)[0]["revoked_at"]
    # the key is stored hashed: its secret is nowhere in the database files
    data = Path(env["DEFLECT_DATA_DIR"])
    assert all(new["key"].encode() not in p.read_bytes() for p in data.rglob("*") if p.is_file())


@pytest.mark.slow
@pytest.mark.server
def test_deflect_api_serves_a_cited_answer(env, tmp_path):
    kb = write_kb(tmp_path / "kb", TINY_KB)
    assert run(["ingest", str(kb), "--no-progress"], env).returncode == 0
    key = json.loads(run(["keys", "add", "desk", "--scopes", "draft", "--json"], env).stdout)["key"]
    port = free_port()
    proc = subprocess.Popen([*DEFLECT, "api", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else ""
            time.sleep(0.3)
        r = httpx.post(f"{url}/v1/drafts", headers={"Authorization": f"Bearer {key}"}, timeout=120,
                       json={"subject": "Two-factor", "body": "How do I turn on two-factor authentication?"})
        assert r.status_code == 200, r.text
        assert r.json()["citations"] and r.json()["request_id"] == r.headers["X-Request-ID"]
        assert httpx.get(f"{url}/openapi.json").json()["paths"]["/v1/drafts"]
    finally:
        proc.terminate()
        proc.wait(30)
