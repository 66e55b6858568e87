"""The audit log is append-only (triggers) and hash-chained: verify names any edited or deleted row."""

from __future__ import annotations

import json
import sqlite3

import pytest

from feedback.audit import GENESIS, row_hash, row_mac, verify_rows

pytestmark = pytest.mark.integration


@pytest.fixture
def logged(store):
    for i in range(5):
        store.audit.append("flag_set", "admin", target=f"flag{i}", details={"new": i})
    return store


def tamper(db_path, *sql: str) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_no_delete")
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
    # Always a different first digit: a hash that already began with 'f' was left as it was (1 run in 16).
    tamper(db_path, "UPDATE audit SET hash = CASE WHEN substr(hash, 1, 1) = 'f' THEN 'e' ELSE 'f' END "
                    "|| substr(hash, 2) WHERE seq = 3")
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
                                                      "detail": "row 1 (ingest by mallory) does not match its keyed "
                                                                "hash: it was changed after it was written, or the "
                                                                "audit key differs"}
    human = cli("audit", "verify")
    assert human.exit_code == 1 and "row 1: edited" in human.stderr


# --- keyed chain and anchors ----------------------------------------------------------------------

def rechain(db_path, from_seq: int, hash_row, chain: int, until: int = 10**9) -> None:
    """What an attacker with the database does: recompute the hashes from `from_seq` on, as `chain` rows."""
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT seq, at, actor, action, target, details FROM audit WHERE seq BETWEEN ? AND ? "
                        "ORDER BY seq", [from_seq, until]).fetchall()
    prev = conn.execute("SELECT hash FROM audit WHERE seq = ?", [from_seq - 1]).fetchone()
    prev = prev[0] if prev else GENESIS
    conn.close()
    for seq, at, actor, action, target, details in rows:
        h = hash_row(seq, at, actor, action, target, details, prev)
        tamper(db_path, f"UPDATE audit SET prev_hash = '{prev}', hash = '{h}', chain = {chain} WHERE seq = {seq}")
        prev = h


@pytest.mark.parametrize(("hash_row", "chain"), [(row_hash, 1), (lambda *f: row_mac(b"a guessed key", *f), 2)],
                         ids=["downgraded to plain sha256", "hmac under a wrong key"])
def test_an_edit_rechained_without_the_key_is_detected(logged, db_path, hash_row, chain):
    tamper(db_path, "UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    rechain(db_path, 2, hash_row, chain)
    report = logged.audit.verify()
    assert not report.ok
    assert {p.kind for p in report.problems} & {"edited", "unkeyed"}
    assert min(p.seq for p in report.problems) <= 2


def test_a_whole_log_rewritten_as_unkeyed_is_detected(logged, db_path):
    tamper(db_path, "UPDATE audit SET actor = 'mallory' WHERE seq = 1")
    rechain(db_path, 1, row_hash, 1)
    assert [p.kind for p in logged.audit.verify().problems] == ["unkeyed"]


def test_deleted_last_rows_with_a_lowered_sequence_are_caught_by_the_anchor(logged, db_path):
    anchor = logged.audit.anchor()
    assert anchor.seq == 5 and logged.audit.verify(anchor).ok
    logged.audit.append("export", "eve")  # the log may grow after the anchor
    assert logged.audit.verify(anchor).ok
    tamper(db_path, "DELETE FROM audit WHERE seq >= 4", "UPDATE sqlite_sequence SET seq = 3 WHERE name = 'audit'")
    assert logged.audit.verify().ok  # the chain alone cannot tell (documented)
    report = logged.audit.verify(anchor)
    assert [(p.seq, p.kind) for p in report.problems] == [(5, "truncated")]
    assert "ends at row 3" in report.problems[0].detail


def test_a_log_rewritten_with_the_key_is_caught_by_the_anchor(logged, db_path):
    anchor = logged.audit.anchor()
    key = logged.audit.key()
    tamper(db_path, "UPDATE audit SET actor = 'mallory' WHERE seq = 1")
    rechain(db_path, 1, lambda *f: row_mac(key, *f), 2)
    assert logged.audit.verify().ok  # whoever holds the key can re-chain: only the anchor kept elsewhere tells
    assert [p.kind for p in logged.audit.verify(anchor).problems] == ["rechained"]


def test_unkeyed_rows_from_before_the_upgrade_still_verify_and_are_sealed(db_path, clock):
    from deflectkit.core.db import Connections
    from deflectkit.core.migrations import run_migrations
    from feedback.audit import Anchor
    from feedback.migrations import MIGRATIONS, m007_audit_keyed_chain
    from feedback.store import FeedbackStore

    conns = Connections(db_path)  # a database as the previous release left it: plain sha256 rows
    run_migrations(conns.db, MIGRATIONS[:MIGRATIONS.index(m007_audit_keyed_chain)], write=conns.write)
    prev = GENESIS
    for seq in (1, 2, 3):
        fields = (seq, f"2025-01-0{seq}T00:00:00+00:00", "admin", "flag_set", f"f{seq}", "{}", prev)
        prev = row_hash(*fields)
        conns.db.execute("INSERT INTO audit (seq, at, actor, action, target, details, prev_hash, hash) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [*fields, prev])
    conns.db.conn.commit()
    conns.close()

    store = FeedbackStore(db_path, clock=clock)  # upgrade: m006 adds the chain column and seals rows 1-3
    store.audit.append("export", "eve")
    entries = list(reversed(store.audit.entries()))
    assert [(e.seq, e.chain, e.action) for e in entries] == [
        (1, 1, "flag_set"), (2, 1, "flag_set"), (3, 1, "flag_set"), (4, 2, "audit_keyed"), (5, 2, "export")]
    assert entries[3].details == {"legacy_rows": 3} and store.audit.verify().ok
    store.close()

    tamper(db_path, "UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    rechain(db_path, 2, row_hash, 1, until=3)  # legacy rows are plain sha256: anyone can re-hash them...
    again = FeedbackStore(db_path, clock=clock)
    assert [(p.seq, p.kind) for p in again.audit.verify().problems] == [(4, "broken_link")]  # ...but the seal
    new_head = sqlite3.connect(db_path).execute("SELECT hash FROM audit WHERE seq = 3").fetchone()[0]
    tamper(db_path, f"UPDATE audit SET prev_hash = '{new_head}' WHERE seq = 4")  # re-linked: its HMAC breaks
    assert [(p.seq, p.kind) for p in again.audit.verify().problems] == [(4, "edited")]
    assert Anchor.parse(f"{entries[-1].hash}:5") == (5, entries[-1].hash)


def test_audit_key_file_is_private_and_required_once_used(logged, db_path, clock):
    import stat

    from feedback.errors import FeedbackError
    from feedback.store import FeedbackStore

    key_file = db_path.with_name("audit.key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(key_file.read_text().strip()) == 64
    key_file.unlink()
    with pytest.raises(FeedbackError, match="audit key file .* is missing"):
        FeedbackStore(db_path, clock=clock).audit.verify()
    other = FeedbackStore(db_path, clock=clock, audit_key=b"not the key")
    assert {p.kind for p in other.audit.verify().problems} == {"edited"}


def test_audit_key_from_settings_keeps_no_key_file(make_settings, clock):
    from feedback.store import FeedbackStore

    settings = make_settings(audit_key="from-a-secret-store")
    store = FeedbackStore.from_settings(settings, clock=clock)
    store.audit.append("export", "eve")
    assert store.audit.verify().ok and not settings.audit_key_path.exists()
    store.close()


def test_cli_audit_anchor_and_verify_against_it(cli, cli_env, tmp_path):
    from feedback.store import FeedbackStore

    s = FeedbackStore(cli_env)
    for i in range(3):
        s.audit.append("ingest", "cli:me", details={"docs": i})
    anchor = cli("audit", "anchor")
    assert anchor.exit_code == 0 and anchor.stdout.strip().endswith(":3")
    saved = tmp_path / "anchor.json"
    saved.write_text(cli("audit", "anchor", "--json").stdout)
    assert json.loads(saved.read_text())["head_seq"] == 3
    assert cli("audit", "verify", "--anchor", anchor.stdout.strip()).exit_code == 0
    tamper(cli_env, "DELETE FROM audit WHERE seq = 3", "UPDATE sqlite_sequence SET seq = 2 WHERE name = 'audit'")
    assert cli("audit", "verify").exit_code == 0
    for given in (anchor.stdout.strip(), str(saved)):
        bad = cli("audit", "verify", "--anchor", given, "--json")
        assert bad.exit_code == 1 and json.loads(bad.stdout)["problems"][0]["kind"] == "truncated"
