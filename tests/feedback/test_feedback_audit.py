"""The audit log is append-only (triggers) and hash-chained: verify names any edited or deleted row."""

from __future__ import annotations

import json
import sqlite3

import pytest

from feedback.audit import GENESIS, verify_rows

pytestmark = pytest.mark.integration


@pytest.fixture
def logged(store):
    for i in range(5):
        store.audit.append("flag_set", "admin", target=f"flag{i}", details={"new": i})
    return store


def tamper(db_path, *sql: str) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()


def test_chain_links_every_row(logged):
    entries = list(reversed(logged.audit.entries()))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    report = logged.audit.verify()
    assert report.ok and report.rows == 5 and report.head_hash == entries[-1].hash


@pytest.mark.parametrize("sql", ["UPDATE audit SET actor = 'mallory' WHERE seq = 2", "DELETE FROM audit WHERE seq = 2"])
def test_triggers_refuse_update_and_delete(logged, db_path, sql):
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute(sql)
    conn.close()
    assert logged.audit.verify().ok


def test_edited_row_is_named(logged, db_path):
    tamper(db_path, """UPDATE audit SET details = '{"new":99}' WHERE seq = 3""")
    report = logged.audit.verify()
    assert not report.ok
    assert [(p.seq, p.kind) for p in report.problems] == [(3, "edited")]


def test_rehashed_edit_breaks_the_next_link(logged, db_path):
    tamper(db_path, "UPDATE audit SET hash = 'f' || substr(hash, 2) WHERE seq = 3")
    kinds = {(p.seq, p.kind) for p in logged.audit.verify().problems}
    assert (3, "edited") in kinds and (4, "broken_link") in kinds


@pytest.mark.parametrize("seq", [1, 3, 5])
def test_deleted_row_is_named(logged, db_path, seq):
    tamper(db_path, f"DELETE FROM audit WHERE seq = {seq}")
    report = logged.audit.verify()
    assert not report.ok
    assert [(p.seq, p.kind) for p in report.problems] == [(seq, "deleted")]


def test_appends_continue_the_chain_after_reopen(logged, db_path):
    from feedback.store import FeedbackStore

    again = FeedbackStore(db_path)
    e = again.audit.append("export", "eve", details={"n": 1})
    assert e.seq == 6 and again.audit.verify().ok


@pytest.mark.unit
def test_verify_rows_on_empty_log():
    report = verify_rows([], [])
    assert report.ok and report.rows == 0 and report.head_hash == GENESIS


def test_cli_audit_verify(cli, cli_env):
    from feedback.store import FeedbackStore

    s = FeedbackStore(cli_env)
    s.audit.append("ingest", "cli:me", details={"docs": 3})
    s.audit.append("index_activate", "cli:me", target="2")
    ok = cli("audit", "verify", "--json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["ok"] is True
    tamper(cli_env, "UPDATE audit SET actor = 'mallory' WHERE seq = 1")
    bad = cli("audit", "verify", "--json")
    assert bad.exit_code == 1
    assert json.loads(bad.stdout)["problems"][0] == {"seq": 1, "kind": "edited",
                                                      "detail": "row 1 (ingest by mallory) does not match its hash: "
                                                                "it was changed after it was written"}
    human = cli("audit", "verify")
    assert human.exit_code == 1 and "row 1: edited" in human.stderr
