"""Releases: named, semver-tagged bundles of what decides a draft, with the live pointer, the shadow and the canary.

    store.releases.create(release, actor)     # immutable from then on; a name is never reused
    store.releases.activate("r2", actor)      # the live pointer, switched in one transaction, audited
    store.releases.route()                    # per request: live, canary (release, percent) and shadow

A release stores the values of the answer-shaping settings (deflectkit.core.config.releases.RELEASE_FIELDS),
so it drafts the same way whatever the environment says later; `new_release` builds one from a Settings.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, Field

from deflectkit.core.db import Connections
from feedback.assignment import in_percent
from feedback.audit import AuditLog, canonical_json
from feedback.errors import FeedbackError
from feedback.queries import DONE_AT

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$")
_NAME = re.compile(r"^[A-Za-z0-9][\w.+-]{0,63}$")
CanaryStatus = Literal["running", "promoted", "rolled_back", "stopped"]
# Outcome columns the canary gates and the desk A/B read, per interaction.
OUTCOME_COLUMNS = "created_at, decision, latency_s, thumbs, escalated, sent, edited, draft, final_text"


class ReleaseError(FeedbackError):
    """A release could not be created, switched or canaried (bad name, unknown, a canary in the way)."""


class Release(BaseModel):
    name: str
    version: str = Field(description="Semantic version, unique across releases.")
    created_at: str = ""
    created_by: str = ""
    index_version: int | None = Field(None, description="Index version searched; None follows the active index.")
    prompt_version: str
    provider: str
    model: str = ""
    calibration_version: str = ""
    settings: dict[str, Any] = Field(description="Values of the answer-shaping settings (RELEASE_FIELDS).")
    settings_hash: str = Field("", description="sha256 of the settings (set when the release is created).")
    note: str = ""


class Routing(NamedTuple):
    """Where requests go right now; read once per request."""

    live: str | None
    shadow: str | None
    canary: str | None
    percent: float

    def pick(self, key: str) -> str | None:
        """The release that drafts for `key` (a ticket's text): the canary for its stable share, else live."""
        if self.canary and self.percent > 0 and in_percent(self.canary, key, self.percent):
            return self.canary
        return self.live


class Canary(BaseModel):
    id: int
    release: str
    baseline: str = Field(description="The live release when the canary started; gates compare against it.")
    stages: list[int]
    stage: int = Field(description="Index into stages of the stage running (or where it ended).")
    min_tickets: int
    gates: dict[str, float] = Field(description="Gate name -> tolerated margin, in the order they are judged.")
    status: CanaryStatus
    started_at: str
    stage_started_at: str
    ended_at: str | None = None
    halted_gate: str | None = None
    offline: dict[str, Any] = Field(default_factory=dict, description="The offline gate's result at start.")
    last_check: dict[str, Any] | None = None
    created_by: str = ""

    @property
    def percent(self) -> int:
        return self.stages[self.stage] if self.status == "running" else 0


def settings_hash(values: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(values).encode("utf-8")).hexdigest()[:12]


def answer_settings(settings: Any) -> dict[str, Any]:
    """The answer-shaping settings of `settings` as JSON-ready values."""
    from deflectkit.core.config.releases import RELEASE_FIELDS

    def plain(v: Any) -> Any:
        return str(v) if isinstance(v, Path) else list(v) if isinstance(v, list | tuple) else v

    return {k: plain(getattr(settings, k)) for k in RELEASE_FIELDS}


def model_of(settings: Any) -> str:
    if settings.assistant_provider == "openai":
        return settings.openai_model
    if settings.assistant_provider == "local":
        return Path(settings.local_model_path).stem if settings.local_model_path else "SmolLM2-135M-Instruct"
    return ""


def new_release(name: str, settings: Any, version: str, index_version: int | None = None, note: str = "") -> Release:
    """The release that drafts as `settings` does: its answer settings, prompt, model and calibration."""
    from assistant.confidence import load_calibration
    from assistant.prompt import PROMPT_VERSION

    return Release(name=name, version=version, index_version=index_version, prompt_version=PROMPT_VERSION,
                   provider=settings.assistant_provider, model=model_of(settings),
                   calibration_version=load_calibration(settings).version, settings=answer_settings(settings),
                   note=note)


def release_settings(settings: Any, release: Release) -> Any:
    """`settings` with the release's answer settings, validated as Settings are (no environment read)."""
    from pydantic import ValidationError

    try:
        return type(settings).model_validate({**settings.model_dump(), **release.settings})
    except ValidationError as e:
        raise ReleaseError(f"Release {release.name!r} holds settings this version rejects ({e.errors()[0]['msg']}); "
                           "create a new release from the current settings.") from e


def _semver_key(v: str) -> tuple[int, int, int]:
    m = SEMVER.match(v)
    return (int(m[1]), int(m[2]), int(m[3])) if m else (-1, -1, -1)


class ReleaseStore:
    def __init__(self, conns: Connections, audit: AuditLog, clock: Callable[[], datetime]):
        self._conns = conns
        self._audit = audit
        self._clock = clock

    def _now(self) -> str:
        return self._clock().isoformat()

    # --- releases ------------------------------------------------------------------------------
    def create(self, release: Release, actor: str) -> Release:
        if not _NAME.match(release.name or ""):
            raise ReleaseError(f"Bad release name {release.name!r}: use 1-64 letters, digits or . _ + -, "
                               "starting with a letter or digit.")
        if not SEMVER.match(release.version):
            raise ReleaseError(f"Bad version {release.version!r}: use a semantic version such as 1.4.0.")
        row = {**release.model_dump(exclude={"settings"}), "settings": json.dumps(release.settings, sort_keys=True),
               "settings_hash": settings_hash(release.settings), "created_at": self._now(), "created_by": actor}

        def write(db) -> None:
            if db.execute("SELECT 1 FROM releases WHERE name = ?", [release.name]).fetchone():
                raise ReleaseError(f"A release named {release.name!r} exists already (releases are never changed): "
                                   "pick a new name.")
            if db.execute("SELECT 1 FROM releases WHERE version = ?", [release.version]).fetchone():
                raise ReleaseError(f"Version {release.version} is taken: give --version another one "
                                   f"(next free: {self.next_version()}).")
            db["releases"].insert(row)
            self._audit.append_in(db, "release_create", actor, target=release.name, details={
                k: row[k] for k in ("version", "index_version", "prompt_version", "provider", "model",
                                    "calibration_version", "settings_hash")})

        self._conns.write(write)
        return self.require(release.name)

    def get(self, name: str) -> Release | None:
        rows = self._conns.query("SELECT * FROM releases WHERE name = ?", [name])
        return _release(rows[0]) if rows else None

    def require(self, name: str) -> Release:
        release = self.get(name)
        if release is None:
            raise ReleaseError(f"No release named {name!r}. `deflect release list` shows them.")
        return release

    def list(self) -> list[Release]:
        return [_release(r) for r in self._conns.query("SELECT * FROM releases ORDER BY created_at, name")]

    def next_version(self) -> str:
        versions = [r[0] for r in self._conns.read("SELECT version FROM releases")]
        if not versions:
            return "0.1.0"
        major, minor, _ = max(map(_semver_key, versions))
        return f"{major}.{minor + 1}.0"

    # --- pointers ------------------------------------------------------------------------------
    def pointers(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self._conns.read("SELECT role, name FROM release_pointers")}

    def live(self) -> str | None:
        return self.pointers().get("live")

    def route(self) -> Routing:
        """Live, shadow and the running canary's release and percent, in one read."""
        row = self._conns.db.conn.execute(
            "SELECT (SELECT name FROM release_pointers WHERE role = 'live'), "
            "(SELECT name FROM release_pointers WHERE role = 'shadow'), c.release, c.stages, c.stage "
            "FROM (SELECT 1) LEFT JOIN canaries c ON c.status = 'running'").fetchone()
        live, shadow, canary, stages, stage = row
        return Routing(live, shadow, canary, json.loads(stages)[stage] if canary else 0)

    def pinned_index_versions(self) -> frozenset[int]:
        """Index versions searched by the live, shadow or running canary release: pruning keeps them."""
        route = self.route()
        names = [n for n in (route.live, route.shadow, route.canary) if n]
        pinned = (self.get(n) for n in names)
        return frozenset(r.index_version for r in pinned if r is not None and r.index_version is not None)

    def activate(self, name: str, actor: str, reason: str = "manual") -> str | None:
        """Make `name` the live release from the next request on; returns the previous one."""

        def write(db) -> str | None:
            if _running(db) is not None:
                raise ReleaseError("A canary is running: let it finish or stop it first (deflect release canary "
                                   "--stop), then switch the live release.")
            return self._set_pointer(db, "live", name, actor, "release_activate", {"reason": reason})

        self.require(name)
        return self._conns.write(write)

    def set_shadow(self, name: str | None, actor: str) -> str | None:
        """Answer every live ticket with `name` too, in the background (None stops); returns the previous one."""
        if name is not None:
            self.require(name)
            if name == self.live():
                raise ReleaseError(f"{name!r} is the live release; shadow a candidate instead.")

        def write(db) -> str | None:
            if name is None:
                before = db.execute("SELECT name FROM release_pointers WHERE role = 'shadow'").fetchone()
                db.execute("DELETE FROM release_pointers WHERE role = 'shadow'")
                self._audit.append_in(db, "release_shadow", actor, target="", details={"from": before and before[0]})
                return before and before[0]
            return self._set_pointer(db, "shadow", name, actor, "release_shadow", {})

        return self._conns.write(write)

    def _set_pointer(self, db, role: str, name: str, actor: str, action: str, details: dict) -> str | None:
        before = db.execute("SELECT name FROM release_pointers WHERE role = ?", [role]).fetchone()
        db["release_pointers"].upsert({"role": role, "name": name, "since": self._now(), "updated_by": actor},
                                      pk="role")
        self._audit.append_in(db, action, actor, target=name, details={"from": before and before[0], **details})
        return before and before[0]

    # --- canary --------------------------------------------------------------------------------
    def start_canary(self, name: str, stages: Sequence[int], min_tickets: int, gates: dict[str, float],
                     offline: dict[str, Any], actor: str) -> Canary:
        """Start sending stages[0]% of tickets to `name`. Needs a live release to compare with and a
        passed offline gate (`offline["passed"]`)."""
        self.require(name)
        if not offline.get("passed"):
            raise ReleaseError(f"The offline gate did not pass for {name!r}: {offline.get('summary', 'no result')}. "
                               "Fix the candidate, or create a new one, then start the canary again.")

        def write(db) -> int:
            live = db.execute("SELECT name FROM release_pointers WHERE role = 'live'").fetchone()
            if live is None:
                raise ReleaseError("No live release to compare with: create one from the current settings and make "
                                   "it live first (deflect release create NAME --from-current; deflect release "
                                   "activate NAME).")
            if live[0] == name:
                raise ReleaseError(f"{name!r} is already live.")
            if (running := _running(db)) is not None:
                raise ReleaseError(f"A canary of {running!r} is running; stop it first (deflect release canary --stop).")
            now = self._now()
            cid = db["canaries"].insert({
                "release": name, "baseline": live[0], "stages": json.dumps(list(stages)), "stage": 0,
                "min_tickets": min_tickets, "gates": json.dumps(gates), "status": "running", "started_at": now,
                "stage_started_at": now, "offline": json.dumps(offline), "created_by": actor}).last_pk
            self._audit.append_in(db, "release_canary_start", actor, target=name, details={
                "baseline": live[0], "stages": list(stages), "min_tickets": min_tickets, "gates": gates,
                "offline": offline})
            return cid

        return self.canary(self._conns.write(write))

    def canary(self, canary_id: int | None = None) -> Canary | None:
        """One canary by id, else the running one, else the latest."""
        sql, args = ("SELECT * FROM canaries WHERE id = ?", [canary_id]) if canary_id is not None else (
            "SELECT * FROM canaries ORDER BY status = 'running' DESC, id DESC LIMIT 1", [])
        rows = self._conns.query(sql, args)
        return _canary(rows[0]) if rows else None

    def note_check(self, canary_id: int, stage: int, check: dict[str, Any]) -> None:
        """Keep the latest gate figures of a stage that waits (not a transition: not audited)."""
        self._conns.write(lambda db: db.execute(
            "UPDATE canaries SET last_check = ? WHERE id = ? AND stage = ? AND status = 'running'",
            [json.dumps(check), canary_id, stage]))

    def transition(self, canary_id: int, stage: int, decision: Literal["promote", "rollback", "stop"],
                   check: dict[str, Any], actor: str) -> Canary | None:
        """Move a running canary on from `stage`, audited with `check`'s figures. Promoting from the stage
        before 100% makes the candidate live in the same transaction. Returns None when another process
        moved it first (the stage or status no longer match)."""

        def write(db) -> bool:
            row = db.execute("SELECT release, stages, baseline FROM canaries WHERE id = ? AND stage = ? AND "
                             "status = 'running'", [canary_id, stage]).fetchone()
            if row is None:
                return False
            release, stages, baseline = row[0], json.loads(row[1]), row[2]
            now, figures = self._now(), {"stage": stages[stage], **check}
            common = {"last_check": json.dumps(check), "id": canary_id}
            if decision == "promote" and stages[stage + 1] < 100:
                db.execute("UPDATE canaries SET stage = stage + 1, stage_started_at = :now, last_check = :last_check "
                           "WHERE id = :id", {**common, "now": now})
                self._audit.append_in(db, "release_canary_promote", actor, target=release,
                                      details={**figures, "to": stages[stage + 1]})
                return True
            status = {"promote": "promoted", "rollback": "rolled_back", "stop": "stopped"}[decision]
            db.execute("UPDATE canaries SET stage = :stage, status = :status, ended_at = :now, halted_gate = :gate, "
                       "last_check = :last_check WHERE id = :id",
                       {**common, "now": now, "status": status, "gate": check.get("failed"),
                        "stage": stage + 1 if decision == "promote" else stage})
            action = {"promote": "release_canary_promote", "rollback": "release_canary_rollback",
                      "stop": "release_canary_stop"}[decision]
            self._audit.append_in(db, action, actor, target=release, details={
                **figures, **({"to": 100} if decision == "promote" else {"back_to": baseline})})
            if decision == "promote":
                self._set_pointer(db, "live", release, actor, "release_activate", {"reason": f"canary {canary_id}"})
            return True

        return self.canary(canary_id) if self._conns.write(write) else None

    # --- what releases did ---------------------------------------------------------------------
    def record_error(self, release: str, kind: str) -> None:
        """A draft that failed (an exception, not a bad ticket): the canary's error-rate gate counts these."""
        self._conns.write(lambda db: db["release_errors"].insert({"release": release, "at": self._now(), "kind": kind}))

    def window(self, releases: Sequence[str], since: str, until: str | None = None) -> list[dict]:
        """Outcome rows (release and OUTCOME_COLUMNS) of interactions drafted by `releases` in [since, until)."""
        marks = ",".join("?" * len(releases))
        sql = f"SELECT release, {OUTCOME_COLUMNS} FROM interaction_outcomes WHERE release IN ({marks}) AND created_at >= ?"
        args = [*releases, since]
        if until:
            sql, args = sql + " AND created_at < ?", [*args, until]
        return self._conns.query(sql, args)

    def errors(self, releases: Sequence[str], since: str, until: str | None = None) -> Counter:
        marks = ",".join("?" * len(releases))
        sql = f"SELECT release, COUNT(*) FROM release_errors WHERE release IN ({marks}) AND at >= ?"
        args = [*releases, since]
        if until:
            sql, args = sql + " AND at < ?", [*args, until]
        return Counter(dict(self._conns.read(sql + " GROUP BY release", args)))

    def desk_rows(self, since: str | None = None) -> list[dict]:
        """Interactions of desk users (the users table) with their outcome and when the agent first acted
        (done_at: sent, edited and sent, or escalated): what the desk A/B counts."""
        sql = f"SELECT o.user, {OUTCOME_COLUMNS}, {DONE_AT} FROM interaction_outcomes o WHERE o.user IN (SELECT name FROM users)"
        args = []
        if since:
            sql, args = sql + " AND o.created_at >= ?", [since]
        return self._conns.query(sql, args)


def _running(db) -> str | None:
    row = db.execute("SELECT release FROM canaries WHERE status = 'running'").fetchone()
    return row[0] if row else None


def _release(row: dict) -> Release:
    return Release(**{**row, "settings": json.loads(row["settings"]), "note": row.get("note") or "",
                      "model": row.get("model") or "", "calibration_version": row.get("calibration_version") or ""})


def _canary(row: dict) -> Canary:
    return Canary(**{**row, **{k: json.loads(row[k]) for k in ("stages", "gates", "offline")},
                     "last_check": json.loads(row["last_check"]) if row.get("last_check") else None})
