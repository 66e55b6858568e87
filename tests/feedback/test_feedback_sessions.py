"""Browser sessions: a token that resumes until it expires or is revoked; only its hash is stored."""

from __future__ import annotations

import sqlite3

import pytest

pytestmark = pytest.mark.integration


def test_a_session_resumes_until_it_expires(store, clock, db_path):
    token = store.sessions.issue("ana", hours=2)
    assert store.sessions.resume(token) == "ana"
    assert store.sessions.resume(token + "x") is None and store.sessions.resume(None) is None
    stored = sqlite3.connect(db_path).execute("SELECT token_hash FROM ui_sessions").fetchall()
    assert token not in {r[0] for r in stored}  # only the hash: a copy of the database signs no one in
    clock.advance(hours=2, seconds=1)
    assert store.sessions.resume(token) is None


def test_sign_out_and_user_changes_revoke_sessions(store):
    one, two, other = (store.sessions.issue(u, hours=1) for u in ("ana", "ana", "bob"))
    store.sessions.revoke(one)
    assert store.sessions.resume(one) is None and store.sessions.resume(two) == "ana"
    assert store.sessions.revoke_user("ANA") == 1
    assert store.sessions.resume(two) is None and store.sessions.resume(other) == "bob"
