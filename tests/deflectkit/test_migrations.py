"""The shared numbered-migration runner that the catalog, eval store and feedback store use."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlite_utils

from deflectkit.core.migrations import apply_pending, check_numbered, run_migrations

REPO = Path(__file__).resolve().parents[2]


def m001_create_notes(db):
    db["notes"].create({"id": int, "text": str}, pk="id")


def m002_add_tags(db):
    db["notes"].add_column("tags", str)


def m003_broken(db):
    db["half"].create({"id": int}, pk="id")
    raise RuntimeError("migration failed halfway")


def recorded(path: Path) -> list[str]:
    return [r[0] for r in sqlite3.connect(path).execute("SELECT name FROM _migrations ORDER BY name")]


@pytest.mark.unit
def test_applies_pending_in_order_once(tmp_path):
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert run_migrations(db, [m001_create_notes]) == ["m001_create_notes"]
    assert run_migrations(db, [m001_create_notes, m002_add_tags]) == ["m002_add_tags"]
    assert run_migrations(db, [m001_create_notes, m002_add_tags]) == []
    assert "tags" in db["notes"].columns_dict and not db.conn.in_transaction
    assert recorded(tmp_path / "a.db") == ["m001_create_notes", "m002_add_tags"]


@pytest.mark.unit
def test_works_on_an_in_memory_database():
    db = sqlite_utils.Database(memory=True)
    assert run_migrations(db, [m001_create_notes, m002_add_tags]) == ["m001_create_notes", "m002_add_tags"]
    assert db["notes"].exists()


@pytest.mark.unit
def test_a_failure_rolls_back_everything_pending(tmp_path):
    db = sqlite_utils.Database(tmp_path / "a.db")
    with pytest.raises(RuntimeError, match="halfway"):
        run_migrations(db, [m001_create_notes, m002_add_tags, m003_broken])
    assert not db["notes"].exists() and not db["half"].exists() and not db.conn.in_transaction
    assert run_migrations(db, [m001_create_notes, m002_add_tags]) == ["m001_create_notes", "m002_add_tags"]


@pytest.mark.unit
def test_an_up_to_date_database_takes_no_write_lock(tmp_path):
    path = tmp_path / "a.db"
    run_migrations(sqlite_utils.Database(path), [m001_create_notes])
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")  # another process in the middle of a long write
    try:
        reader = sqlite_utils.Database(sqlite3.connect(path, timeout=5))
        started = time.perf_counter()
        assert run_migrations(reader, [m001_create_notes]) == []
        assert time.perf_counter() - started < 1
    finally:
        writer.execute("ROLLBACK")


@pytest.mark.unit
def test_a_store_can_bring_its_own_write_transaction(tmp_path):
    db = sqlite_utils.Database(tmp_path / "a.db")
    calls = []

    def write(fn):
        calls.append(fn)
        with db.atomic():
            return fn(db)

    assert run_migrations(db, [m001_create_notes], write=write) == ["m001_create_notes"]
    assert run_migrations(db, [m001_create_notes], write=write) == []
    assert len(calls) == 1, "an up-to-date database needs no write transaction"
    assert apply_pending(db, [m001_create_notes]) == []


@pytest.mark.unit
@pytest.mark.parametrize("migrations", [[m002_add_tags], [m001_create_notes, m001_create_notes],
                                        [m001_create_notes, m003_broken], [lambda db: None]])
def test_misnumbered_lists_are_refused(migrations):
    with pytest.raises(ValueError, match="m001_"):
        check_numbered(migrations)


@pytest.mark.unit
def test_two_processes_opening_a_fresh_file_apply_each_migration_once(tmp_path):
    script = textwrap.dedent(f"""
        import time, sqlite_utils
        from deflectkit.core.migrations import run_migrations

        def m001_slow(db):
            db["runs"].create({{"at": float}})
            db["runs"].insert({{"at": time.time()}})
            time.sleep(0.5)  # the other process arrives while this one holds the lock

        db = sqlite_utils.Database({str(tmp_path / "a.db")!r})
        db.execute("PRAGMA busy_timeout = 20000")
        print(run_migrations(db, [m001_slow]))
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = sorted(p.communicate(timeout=60)[0].strip() for p in procs)
    assert all(p.returncode == 0 for p in procs), [p.stderr for p in procs]
    assert outs == ["['m001_slow']", "[]"]
    assert sqlite3.connect(tmp_path / "a.db").execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
