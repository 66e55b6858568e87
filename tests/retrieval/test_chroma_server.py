"""Server mode is a setting, not a fork: the same ingest and search against a real `chroma run` on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.server, pytest.mark.integration]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    deadline = time.monotonic() + 60
    while True:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False)).heartbeat()
            break
        except Exception:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("chroma server did not start")
            time.sleep(0.3)
    yield port
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_ingest_and_search_through_a_chroma_server(make_services, tiny_kb, chroma_server):
    svc = make_services(chroma_mode="http", chroma_port=chroma_server)
    r = svc.ingest([tiny_kb])
    assert r.index_version == 1 and r.chunks > 0
    hits = svc.searcher.search("reset link expiry", k=2)
    assert hits[0].doc_id == "account/password.md"
    (tiny_kb / "account/password.md").write_text("# Reset your password\n\nThe reset link now expires after 2 hours.\n")
    assert svc.ingest([tiny_kb]).index_version == 2
    names = {c.name for c in svc.store._client(2).list_collections()}
    assert {"deflect_v1", "deflect_v2"} <= names
    assert "2 hours" in svc.searcher.search("reset link expiry", k=1)[0].text


def test_unreachable_server_says_what_to_do(make_services, tiny_kb):
    from retrieval.errors import RetrievalError

    svc = make_services(chroma_mode="http", chroma_port=_free_port())
    with pytest.raises(RetrievalError, match="DEFLECT_CHROMA_MODE=local"):
        svc.ingest([tiny_kb])
