"""Numbered migrations run once, in order, and reopening a database applies nothing."""

from __future__ import annotations

import sqlite3

import pytest

from deflectkit.core.db import Connections
from feedback.migrations import MIGRATIONS, migrate
from feedback.store import FeedbackStore

pytestmark = pytest.mark.integration


def test_migrations_are_numbered_in_order():
    names = [m.__name__ for m in MIGRATIONS]
    assert names == sorted(names)
    assert [n[:5] for n in names] == [f"m{i:03d}_" for i in range(1, len(names) + 1)]


def test_migrate_is_idempotent(db_path):
    conns = Connections(db_path)
    assert migrate(conns) == [m.__name__ for m in MIGRATIONS]
    assert migrate(conns) == []
    FeedbackStore(db_path).close()  # a second process opening it changes nothing either
    conn = sqlite3.connect(db_path)
    applied = [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY name")]
    assert applied == [m.__name__ for m in MIGRATIONS]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    assert {"interactions", "feedback", "edits", "sent", "escalations", "outbox", "flags", "users", "audit",
            "interaction_outcomes"} <= tables


def test_database_uses_wal(store, db_path):
    assert sqlite3.connect(db_path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_feedback_db_setting_resolves_under_data_dir(tmp_path):
    from deflectkit.core.config import Settings
    from deflectkit.core.config.feedback import FeedbackSettings

    S = Settings
    assert S(_env_file=None, data_dir=tmp_path).feedback_db_path == tmp_path / "feedback.db"
    assert S(_env_file=None, data_dir=tmp_path, feedback_db="/srv/fb.db").feedback_db_path.as_posix() == "/srv/fb.db"
    assert all(f.description for f in FeedbackSettings.model_fields.values())
