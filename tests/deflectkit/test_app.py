"""The composition root: injected parts, one Assistant per provider, live flags, entry-point setup."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from deflectkit.app import Services

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.unit
def test_injected_parts_are_used_and_unknown_ones_refused(make_settings):
    marker = object()
    svc = Services(make_settings(), embedder=marker)
    assert svc.embedder is marker
    with pytest.raises(TypeError, match="unknown parts"):
        Services(make_settings(), embeder=marker)


@pytest.mark.integration
def test_one_assistant_per_provider_and_the_kill_switch_is_read_per_request(make_services, tiny_kb):
    svc = make_services()
    assert svc.ingest([tiny_kb]).index_version is not None
    assert svc.assistant() is svc.assistant("extractive")
    assert svc.assistant().generator is None
    svc.feedback.flags.set("provider", "openai", "root")
    svc.feedback.flags.set("generation_enabled", False, "root")
    filters, provider = svc.request_options()
    assert provider == "extractive"  # the kill switch beats the provider flag, without a restart
    svc.feedback.flags.set("disabled_sources", ["billing/"], "root")
    answer = svc.answer("How do I refund a payment?")
    assert all(not c.doc_id.startswith("billing/") for c in answer.citations)


@pytest.mark.unit
def test_bad_setting_is_one_line_naming_variable_value_and_rule():
    env = {**os.environ, "DEFLECT_CHUNK_SIZE": "50", "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-m", "deflectkit.cli", "search", "refund"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert lines == [lines[0]] and "DEFLECT_CHUNK_SIZE='50'" in lines[0] and "at least 100" in lines[0]
    assert "Traceback" not in out.stderr


@pytest.mark.slow
def test_cli_ask_writes_spans_with_the_request_id(make_services, tiny_kb):
    svc = make_services()
    assert svc.ingest([tiny_kb]).index_version is not None
    env = {**os.environ, "DEFLECT_DATA_DIR": str(svc.settings.data_dir), "DEFLECT_TRACING_EXPORTER": "file",
           "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-m", "deflectkit.cli", "ask", "How do I refund a payment?", "--json"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    rid = json.loads(out.stdout)["request_id"]
    spans = [json.loads(line) for line in (svc.settings.data_dir / "traces.jsonl").read_text().splitlines()]
    names = {s["name"] for s in spans if s["attributes"].get("request_id") == rid}
    assert {"assistant.answer", "assistant.retrieve", "assistant.generate"} <= names


@pytest.mark.unit
def test_every_documented_setting_is_a_field_that_code_reads():
    from deflectkit.core.config import Settings

    documented = set(re.findall(r"DEFLECT_([A-Z0-9_]+)", (REPO / "README.md").read_text()))
    fields = set(Settings.model_fields)
    assert documented, "the README documents settings"
    unknown = {v for v in documented if v.lower() not in fields}
    assert unknown == set(), f"README names settings that do not exist: {sorted(unknown)}"
    config_dir = REPO / "deflectkit" / "core" / "config"
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    code = "\n".join(p.read_text() for top in (pattern.rstrip("*") for pattern in packages["include"])
                     for p in (REPO / top).rglob("*.py")
                     if config_dir not in p.parents and p.name != "docs.py")
    unread = sorted(v for v in documented
                    if not re.search(rf"\b{v.lower()}\b", code) and v.lower() not in _READ_VIA_PROPERTY)
    assert unread == [], f"documented settings no code outside the settings reads: {unread}"


# Read through a Settings property (feedback_db -> feedback_db_path), not by name.
_READ_VIA_PROPERTY = {"feedback_db", "helpdesk_db"}
