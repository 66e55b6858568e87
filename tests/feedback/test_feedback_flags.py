"""Feature flags: defaults, validated and audited writes, visible at once to other processes, cheap reads."""

from __future__ import annotations

import time

import pytest

from feedback.errors import FlagError
from feedback.store import FeedbackStore

pytestmark = pytest.mark.integration


def test_defaults_then_set(store):
    assert store.flags.get_all() == {"generation_enabled": True, "provider": None, "disabled_sources": []}
    store.flags.set("generation_enabled", False, actor="admin")
    after = store.flags.set("disabled_sources", ["articles/old.md"], actor="admin")
    assert after == {"generation_enabled": False, "provider": None, "disabled_sources": ["articles/old.md"]}
    (last, first) = store.audit.entries(action="flag_set")
    assert (first.target, first.details) == ("generation_enabled", {"old": True, "new": False})
    assert (last.actor, last.details["new"]) == ("admin", ["articles/old.md"])


def test_bad_flags_are_refused_without_an_audit_row(store):
    with pytest.raises(FlagError, match="Known flags: generation_enabled"):
        store.flags.set("generation", False, actor="admin")
    with pytest.raises(FlagError, match="disabled_sources"):
        store.flags.set("disabled_sources", "not-a-list", actor="admin")
    assert store.audit.entries() == [] and store.flags.get().generation_enabled is True


def test_a_change_is_seen_by_another_connection_immediately(store, db_path):
    reader = FeedbackStore(db_path)  # another process would open its own connection the same way
    assert reader.flags.get_all()["generation_enabled"] is True
    store.flags.set("generation_enabled", False, actor="admin")
    assert reader.flags.get_all()["generation_enabled"] is False


def test_returned_dict_is_a_copy(store):
    store.flags.get_all()["disabled_sources"].append("x")
    assert store.flags.get_all()["disabled_sources"] == []


def test_get_all_is_cheap_enough_per_request(store, capsys):
    store.flags.set("provider", "openai", actor="admin")
    n = 2000
    t0 = time.perf_counter()
    for _ in range(n):
        store.flags.get_all()
    per_call = (time.perf_counter() - t0) / n
    with capsys.disabled():
        print(f"\n[flags] get_all: {per_call * 1e6:.0f} µs per call")
    assert per_call < 0.002  # generous bound for 2 shared cores; typically ~30-90 µs
