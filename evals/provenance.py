"""What a run depended on: settings (minus secrets), their hash, git commit, run ids."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretBytes, SecretStr

# Webhook URLs (Slack, Teams) carry their secret in the path, so they count as secrets too.
_SECRET_NAME = re.compile(r"(secret|password|passwd|api_key|apikey|token$|_key$|credential|webhook)", re.I)
_URL_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
# Where things are stored does not change what a run measures.
_NOT_HASHED = {"data_dir", "eval_datasets_dir"}


def config_dump(settings) -> dict[str, Any]:
    """The Settings as JSON-ready data, without secret fields."""
    data = settings.model_dump(mode="json")
    for name in list(data):
        if _SECRET_NAME.search(name) or isinstance(getattr(settings, name, None), SecretStr | SecretBytes):
            del data[name]
        elif isinstance(data[name], str):
            data[name] = _URL_USERINFO.sub("***@", data[name])
    return data


def config_hash(config: dict[str, Any], mode: str | None = None) -> str:
    import hashlib

    payload = {k: v for k, v in config.items() if k not in _NOT_HASHED} | ({"mode": mode} if mode else {})
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def git_commit(repo: Path) -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "unknown"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_run_id(mode: str) -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{mode}-{uuid.uuid4().hex[:6]}"
