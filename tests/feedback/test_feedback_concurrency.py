"""No lost writes: 8 concurrent writers x 200 writes, as threads and as processes, and every row is there.

Each writer mixes interactions, feedback on them and audit appends (the audit chain must stay intact under
contention, since each append reads the previous hash).
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time

import pytest

from feedback.migrations import MIGRATIONS
from feedback.store import FeedbackStore
from tests.feedback.conftest import make_answer

pytestmark = pytest.mark.integration
WRITERS, WRITES = 8, 200


def write_many(store: FeedbackStore, writer: int) -> None:
    for i in range(WRITES):
        rid = f"w{writer}-{i // 2}"
        if i % 2 == 0:
            store.record_interaction(make_answer(rid), f"user{writer}")
        elif i % 10 == 9:
            store.audit.append("flag_set", f"user{writer}", target=rid)
        else:
            store.record_feedback(rid, f"user{writer}", "down", reason="wrong")


def _process_writer(path: str, writer: int, barrier) -> None:
    store = FeedbackStore(path)
    barrier.wait()
    write_many(store, writer)
    store.close()


def check_every_row(path) -> None:
    store = FeedbackStore(path)
    got = {it.request_id for it in store.list_interactions(with_answer=False)}
    assert got == {f"w{w}-{j}" for w in range(WRITERS) for j in range(WRITES // 2)}
    fb = store.list_feedback()
    assert len(fb) == WRITERS * WRITES * 4 // 10
    assert len(store.audit.entries(action="flag_set", limit=10_000)) == WRITERS * WRITES // 10
    report = store.audit.verify()
    assert report.ok and report.rows == WRITERS * WRITES // 10


def test_threads_lose_no_writes(db_path, capsys):
    store = FeedbackStore(db_path)
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def run(w: int) -> None:
        try:
            barrier.wait()
            write_many(store, w)
        except BaseException as e:  # surface failures from threads
            errors.append(e)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(WRITERS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    assert errors == []
    check_every_row(db_path)
    with capsys.disabled():
        print(f"\n[threads] {WRITERS * WRITES} writes in {elapsed:.2f}s = {WRITERS * WRITES / elapsed:.0f} rows/s")


@pytest.mark.slow  # ~3.5 s on 2 shared cores; the thread variant runs by default
def test_processes_lose_no_writes(db_path, capsys):
    FeedbackStore(db_path).close()  # migrate once up front; workers racing to migrate is covered below
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(WRITERS)
    procs = [ctx.Process(target=_process_writer, args=(str(db_path), w, barrier)) for w in range(WRITERS)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    elapsed = time.perf_counter() - t0
    assert [p.exitcode for p in procs] == [0] * WRITERS
    check_every_row(db_path)
    with capsys.disabled():
        print(f"\n[processes] {WRITERS * WRITES} writes in {elapsed:.2f}s = {WRITERS * WRITES / elapsed:.0f} rows/s")


def _open_only(path: str, barrier) -> None:
    barrier.wait()
    FeedbackStore(path).close()


def test_processes_racing_to_create_the_database(db_path):
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(4)
    procs = [ctx.Process(target=_open_only, args=(str(db_path), barrier)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * 4
    import sqlite3

    # each migration applied once, however many processes raced (not a fixed count: migrations get added)
    assert sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(MIGRATIONS)
