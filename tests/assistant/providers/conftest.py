"""Fixtures for the provider layer: the app's Settings with fast retries."""

from __future__ import annotations

import pytest


@pytest.fixture
def psettings(tmp_path):
    """The app's Settings, fast retries by default."""
    from deflectkit.core.config import Settings

    def make(**overrides):
        overrides.setdefault("data_dir", tmp_path / "data")
        overrides.setdefault("llm_backoff_s", 0.01)
        overrides.setdefault("llm_backoff_max_s", 0.05)
        overrides.setdefault("local_n_threads", 1)  # 1 thread is far faster than 2 on a busy 2-core machine
        return Settings(_env_file=None, **overrides)

    return make
