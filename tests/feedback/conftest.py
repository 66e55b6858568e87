"""Fixtures for feedback tests: a fresh SQLite file per test, a controllable clock, hand-made Answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from assistant.models import Answer, Citation

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, start: datetime = T0):
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)  # distinct, increasing timestamps
        return self.now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


def make_answer(request_id: str, docs: tuple[str, ...] = ("articles/refund-a-payment.md",), *,
                confidence: float = 0.8, decision: str = "answer", index_version: int | None = 1,
                provider: str = "extractive", prompt_version: str = "p1", latency: float = 1.0,
                cost: float = 0.01, ticket: str | None = None) -> Answer:
    citations = [Citation(n=i, chunk_id=f"{d}#0", doc_id=d, title=d, quote=f"passage from {d}")
                 for i, d in enumerate(docs, 1)]
    draft = " ".join(f"Step {i} [{i}]." for i in range(1, len(docs) + 1)) if decision == "answer" else ""
    label = "high" if confidence >= 0.7 else "medium" if confidence >= 0.4 else "low"
    return Answer(request_id=request_id, ticket=ticket or f"ticket {request_id}: how do I refund?", draft=draft,
                  citations=citations, confidence=confidence, confidence_label=label, decision=decision,
                  timings={"retrieve": latency / 2, "generate": latency / 2}, cost=cost, provider=provider,
                  prompt_version=prompt_version, index_version=index_version, calibration_version="c1")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fast_hasher() -> PasswordHasher:
    # Real argon2id, lighter parameters so tests stay fast; the default hasher is checked separately.
    return PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "feedback.db"


@pytest.fixture
def store(db_path, clock, fast_hasher):
    from feedback.store import FeedbackStore

    s = FeedbackStore(db_path, clock=clock, hasher=fast_hasher)
    yield s
    s.close()


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """Environment for CLI tests: data_dir in tmp and a clean slate of DEFLECT_ variables."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DEFLECT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "feedback.db"


@pytest.fixture
def cli(cli_env):
    """Invoke the feedback commands as `deflect` wires them."""
    import typer
    from typer.testing import CliRunner

    from deflectkit.cli import feedback_cmds as fc

    app = typer.Typer()
    app.add_typer(fc.users_app, name="users")
    app.add_typer(fc.feedback_app, name="feedback")
    app.add_typer(fc.retention_app, name="retention")
    app.add_typer(fc.audit_app, name="audit")
    app.command("replay")(fc.replay)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke


PILOT_START = T0.date()  # Monday 2025-03-03; the pilot runs two weeks


def seed_pilot(store, clock, days: int = 14) -> None:
    """Two weeks of desk work, one ticket every 3 hours: mostly drafts sent as-is after 4 minutes, some
    edited, escalated, voted down, and a few self-service answers the customer marked resolved."""
    start = datetime(2025, 3, 3, tzinfo=UTC)  # eight tickets a day, midnight to 21:00
    for i in range(days * 8):
        clock.now = start + timedelta(hours=3 * i)
        rid = f"p{i:03d}"
        agent = ("ana", "bo", "cy")[i % 3]
        store.record_interaction(make_answer(rid, decision="escalate" if i % 10 == 9 else "answer",
                                             cost=0.002), agent, opened_at=clock.now - timedelta(minutes=1))
        clock.advance(minutes=3 + i % 4)
        if i % 10 == 9:
            store.record_escalation(rid, agent, "out_of_scope")
        elif i % 7 == 3:
            store.record_edit(rid, agent, "An edited reply.")
            store.record_feedback(rid, agent, "down", reason=("outdated_source", "incomplete")[i % 2])
        elif i % 11 == 5:
            store.selfservice.record_ask(rid, True, None, channel="web")
            store.selfservice.record_resolved(rid, True, actor="web")
        else:
            store.record_sent(rid, agent)
            if i % 5 == 0:
                store.record_feedback(rid, agent, "up")


BASELINE_CSV = "ticket_id,opened_at,handle_time_s,first_contact_resolution,escalated\n" + "".join(
    f"B{i},2025-01-{1 + i % 28:02d},{540 + 60 * (i % 5)},{int(i % 4 != 0)},{int(i % 5 == 0)}\n" for i in range(60))
