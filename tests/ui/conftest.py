"""UI fixtures: one ingested tiny help center per session (real Chroma, SQLite, embedding model) and users."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import TINY_KB, write_kb

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "ui" / "app.py"
PASSWORDS = {"ana": "agent-pass-1", "root": "admin-pass-1", "eva": "evaluator-pass-1"}
ROLES = {"ana": "agent", "root": "admin", "eva": "evaluator"}


EXTRA_KB = {
    "shipping/returns.md": """
    # Return an item

    Customers can return an item within 30 days. Print the prepaid label from the order page.
    """
}


@pytest.fixture(scope="session")
def ui_data(tmp_path_factory) -> Path:
    """A data dir with the tiny KB ingested twice (v1, then v2 with one more article) and a user per role."""
    from deflectkit.app import Services
    from ui.services import make_settings

    root = tmp_path_factory.mktemp("ui")
    kb = write_kb(root / "kb", TINY_KB)
    # PII redaction is tested in tests/ingest; loading Presidio here would double this fixture's time.
    settings = make_settings(_env_file=None, data_dir=root / "data", redact_pii=False)
    services = Services(settings)  # its embedder is the per-process one the app will use too
    services.ingest([kb], actor="test")
    services.ingest([write_kb(root / "kb2", EXTRA_KB)], actor="test")
    for name, role in ROLES.items():
        services.feedback.users.add(name, role, password=PASSWORDS[name], actor="test")
    services.feedback.close()
    return root / "data"


@pytest.fixture
def ui_env(ui_data, monkeypatch) -> Path:
    """Point the app's Settings (DEFLECT_* env) at the session data dir."""
    monkeypatch.setenv("DEFLECT_DATA_DIR", str(ui_data))
    monkeypatch.setenv("DEFLECT_REDACT_PII", "false")
    # AppTest runs the script without a websocket, so there is no Origin header (the browser test sends one).
    monkeypatch.setenv("DEFLECT_UI_REQUIRE_ORIGIN", "false")
    return ui_data


@pytest.fixture
def resources(ui_env):
    from ui.services import build_resources, make_settings

    res = build_resources(make_settings(_env_file=None))
    assert res.settings.data_dir == ui_env
    yield res
    res.store.close()


def user(name: str):
    from feedback.models import User

    return User(name=name, role=ROLES[name], has_password=True)


def make_answer(
    request_id: str,
    docs: tuple[str, ...] = ("billing/refunds.md",),
    *,
    confidence: float = 0.8,
    decision: str = "answer",
    index_version: int | None = 1,
    provider: str = "extractive",
    latency: float = 0.5,
    cost: float = 0.0,
    supported: bool = True,
    ticket: str | None = None,
):
    """A recorded Answer as the store keeps it (seed data for dashboards; not a stand-in for the pipeline)."""
    from assistant.models import Answer, Citation, Sentence

    citations = [
        Citation(
            n=i,
            chunk_id=f"{d}#0",
            doc_id=d,
            title=f"Title of {d}",
            url=f"https://help.example/{d}",
            quote=f"Passage from {d} with <b>markup</b>.",
        )
        for i, d in enumerate(docs, 1)
    ]
    sentences = (
        [
            Sentence(text=f"Step {i} for you.", citations=[i], supported=supported or i > 1)
            for i in range(1, len(docs) + 1)
        ]
        if decision == "answer"
        else []
    )
    draft = (
        "Hi,\n\n" + " ".join(f"{s.text} [{s.citations[0]}]" for s in sentences) + "\n\nBest,"
        if sentences
        else ""
    )
    label = "high" if confidence >= 0.8 else "medium" if confidence >= 0.5 else "low"
    return Answer(
        request_id=request_id,
        ticket=ticket or f"ticket {request_id}: where is my refund?",
        draft=draft,
        citations=citations,
        sentences=sentences,
        confidence=confidence,
        confidence_label=label,
        decision=decision,
        reasons=[] if decision == "answer" else ["nothing relevant in the help center"],
        timings={"retrieve": latency / 2, "generate": latency / 2},
        cost=cost,
        provider=provider,
        prompt_version="p1",
        index_version=index_version,
        calibration_version="c1",
    )


@pytest.fixture
def store(tmp_path):
    from argon2 import PasswordHasher

    from feedback.store import FeedbackStore

    s = FeedbackStore(
        tmp_path / "feedback.db", hasher=PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    )
    yield s
    s.close()


class StoreOnly:
    """Resources for logic that only touches the feedback store (links allowed to help.example)."""

    def __init__(self, store, settings=None, domains=("help.example",)):
        self.store = store
        self.settings = settings
        self.domains = list(domains)

    def link_check(self):
        from ui.render import link_ok

        return lambda url: link_ok(url, self.domains)


def seed_interactions(store) -> list[str]:
    """Six recorded interactions over three days, two index versions and two providers, with every outcome."""
    from datetime import UTC, datetime, timedelta

    day0 = datetime(2025, 5, 5, 10, tzinfo=UTC)
    plan = [  # (id, day, index, provider, decision, latency, cost, outcome, thumbs, reason)
        ("s1", 0, 1, "extractive", "answer", 0.4, 0.0, "sent", "up", None),
        ("s2", 0, 1, "extractive", "answer", 0.6, 0.0, "edit", "down", "incomplete"),
        ("s3", 1, 1, "local", "escalate", 2.0, 0.002, None, None, None),
        ("s4", 1, 2, "local", "answer", 1.5, 0.003, "escalate", "down", "outdated_source"),
        ("s5", 2, 2, "local", "answer", 1.2, 0.002, "sent", "up", None),
        ("s6", 2, 2, "extractive", "answer", 0.5, 0.0, None, "down", "tone"),
    ]
    clock = {"now": day0}
    store._clock = lambda: clock["now"]
    for rid, day, version, provider, decision, latency, cost, outcome, thumbs, reason in plan:
        clock["now"] = day0 + timedelta(days=day, minutes=len(rid))
        a = make_answer(
            rid, index_version=version, provider=provider, decision=decision, latency=latency, cost=cost
        )
        store.record_interaction(a, "ana")
        if outcome == "sent":
            store.record_sent(rid, "ana")
        elif outcome == "edit":
            store.record_edit(rid, "ana", a.draft + " Edited.")
        elif outcome == "escalate":
            store.record_escalation(rid, "ana", "bug_report")
        if thumbs:
            store.record_feedback(rid, "ana", thumbs, reason=reason)
    return [p[0] for p in plan]
