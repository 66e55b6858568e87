"""Admin page logic: re-ingest, index versions, feature flags and kill switches, escalation delivery,
users and the audit log. Every change names the signed-in admin as the actor."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deflectkit.core.config.providers import PROVIDERS
from deflectkit.core.errors import InputError
from feedback.models import AuditReport, DeliveryReport, User
from ingest.models import IngestReport
from ui.errors import UiError
from ui.services import Resources

Progress = Callable[[str, int, int], None]

STAGE_LABELS = {
    "scan": "Reading files",
    "chunk": "Redacting and chunking",
    "embed": "Embedding new text",
    "vectors": "Writing vectors",
    "bm25": "Building keyword index",
}


# --- ingest --------------------------------------------------------------------------------------
def folder_path(text: str) -> Path:
    """A folder on the server to ingest; UiError if it is not one."""
    text = (text or "").strip()
    if not text:
        raise UiError("Enter the path of a folder on the server, e.g. demo/helpcenter.")
    path = Path(text).expanduser()
    if not path.is_dir():
        raise UiError(
            f"No folder at {path.resolve()}: check the path (it is read on the server, not your laptop)."
        )
    return path


def save_uploads(files: Iterable[tuple[str, bytes]], data_dir: Path, now: datetime | None = None) -> Path:
    """Write uploaded files under data_dir/uploads/<UTC timestamp>/ with safe names (ingest.uploads, which the
    API's uploads use too); returns the folder."""
    from ingest.uploads import save_uploads as save

    try:
        return save(files, data_dir, now)
    except InputError as e:
        raise UiError(str(e)) from e


def ingest(res: Resources, paths: list[Path], user: User, progress: Progress | None = None) -> IngestReport:
    return res.services.ingest(paths, progress=progress, actor=user.name)


def progress_text(stage: str, done: int, total: int) -> tuple[float, str]:
    """(fraction for st.progress, label) for one progress callback."""
    fraction = done / total if total else 1.0
    return min(max(fraction, 0.0), 1.0), f"{STAGE_LABELS.get(stage, stage)}: {done}/{total}"


def report_rows(report: IngestReport) -> list[dict[str, Any]]:
    """The ingest report as one table row per count."""
    redactions = ", ".join(f"{k} {v}" for k, v in sorted(report.redactions_by_type.items()))
    return [
        {"what": "added", "count": report.added},
        {"what": "updated", "count": report.updated},
        {"what": "unchanged", "count": report.unchanged},
        {"what": "removed", "count": report.removed},
        {"what": "duplicates", "count": report.duplicates},
        {"what": "redactions" + (f" ({redactions})" if redactions else ""), "count": report.redactions},
        {"what": "errors", "count": len(report.errors)},
    ]


def report_summary(report: IngestReport) -> str:
    if report.new_version:
        return (
            f"Published index version {report.index_version} ({report.chunks} chunks, "
            f"{report.embedded} newly embedded) in {report.seconds:.1f} s."
        )
    return f"Nothing changed: index version {report.index_version} stays active."


# --- index versions ------------------------------------------------------------------------------
def version_rows(res: Resources) -> list[dict[str, Any]]:
    catalog = res.services.catalog
    active = catalog.active_version()
    rows = []
    for v in reversed(catalog.versions()):
        if v["status"] == "deleted":
            continue
        created = (
            datetime.fromtimestamp(v["created_at"], UTC).strftime("%Y-%m-%d %H:%M UTC")
            if v.get("created_at")
            else ""
        )
        rows.append(
            {
                "version": v["version"],
                "active": v["version"] == active,
                "status": v["status"],
                "created": created,
                "documents": v.get("n_docs"),
                "chunks": v.get("n_chunks"),
                "embedding model": v.get("embedding_model", ""),
            }
        )
    return rows


def activate(res: Resources, version: int, user: User) -> None:
    res.services.activate(int(version), actor=user.name)


def rollback(res: Resources, user: User) -> int:
    return res.services.rollback(actor=user.name)


def confirmation(res: Resources, action: str, version: int | None = None) -> str:
    """What the admin confirms before an index switch (every draft after it cites the other version)."""
    # Imported here, as Services does: the indexer pulls in the vector store.
    from retrieval.indexer import rollback_target

    active = res.services.catalog.active_version()
    if action == "rollback":
        target = rollback_target(res.services.catalog)
        if target is None:
            raise UiError("Nothing to roll back to: no ready version older than the active one.")
        return (f"Roll back from version {active} to version {target}? Every draft from now on cites "
                f"version {target}.")
    return f"Activate version {version} instead of version {active}? Every draft from now on cites version {version}."


# --- flags ---------------------------------------------------------------------------------------
PROVIDER_CHOICES = ("(settings default)", *PROVIDERS)
LOCAL_MODEL_NOTE = ("The local model (SmolLM2-135M on this CPU) is a resilience option: it takes seconds per "
                    "draft and its drafts usually fail the grounding check, so the extractive draft is shown "
                    "instead. Configure an OpenAI-compatible endpoint for LLM drafts worth sending.")


def source_choices(res: Resources) -> list[str]:
    """Top folders and document sources of the active index, for the per-source kill switch (retrieval
    leaves out every chunk whose source starts with a disabled entry)."""
    catalog = res.services.catalog
    active = catalog.active_version()
    if active is None:
        return []
    sources = sorted({d["source"] for d in catalog.documents(active)})
    folders = sorted({s.split("/")[0] + "/" for s in sources if "/" in s})
    return folders + sources


def set_flag(res: Resources, key: str, value: Any, user: User) -> dict[str, Any]:
    if key == "provider" and value in (PROVIDER_CHOICES[0], ""):
        value = None
    return res.store.flags.set(key, value, actor=user.name)


# --- escalations, users, audit --------------------------------------------------------------------
def deliver(res: Resources) -> DeliveryReport:
    return res.store.deliver_pending()


def delivery_message(report: DeliveryReport) -> tuple[str, str]:
    if not report.attempted:
        return "info", "No queued escalations: everything was delivered."
    text = f"Delivered {report.delivered} of {report.attempted}; {report.pending} still queued."
    if report.errors:
        return "warning", text + " Errors: " + "; ".join(report.errors[:3])
    return "success", text


def user_rows(res: Resources) -> list[dict[str, Any]]:
    return [
        {
            "name": u.name,
            "role": u.role,
            "source": u.source,
            "password": u.has_password,
            "disabled": u.disabled,
            "created": u.created_at.strftime("%Y-%m-%d %H:%M") if u.created_at else "",
        }
        for u in res.store.users.list()
    ]


def add_user(res: Resources, name: str, role: str, password: str, user: User) -> User:
    return res.store.users.add(name, role, password=password or None, actor=user.name)


def _other_admins(res: Resources, name: str) -> int:
    return sum(1 for u in res.store.users.list() if u.role == "admin" and not u.disabled and u.name != name)


def _keep_an_admin(res: Resources, name: str, actor: User, what: str) -> None:
    # Nobody locks the admins out: not themselves, and not the last enabled admin.
    if name.lower() == actor.name.lower():
        raise UiError(f"You cannot {what} your own account: ask another admin.")
    target = res.store.users.get(name)
    if target is not None and target.role == "admin" and not target.disabled and _other_admins(res, name) == 0:
        raise UiError(f"{name} is the last enabled admin: make someone else admin first.")


def change_role(res: Resources, name: str, role: str, user: User) -> User:
    if role != "admin":
        _keep_an_admin(res, name, user, "demote")
    return res.store.users.update(name, user.name, role=role)


def set_disabled(res: Resources, name: str, disabled: bool, user: User) -> User:
    if disabled:
        _keep_an_admin(res, name, user, "disable")
    changed = res.store.users.update(name, user.name, disabled=disabled)
    if disabled:
        res.store.sessions.revoke_user(name)  # signed-in tabs end on their next click anyway; this ends reloads
    return changed


def reset_password(res: Resources, name: str, user: User) -> str:
    """A new random password for `name` (shown once to the admin, who passes it on); their sessions end."""
    password = secrets.token_urlsafe(12)
    res.store.users.update(name, user.name, password=password)
    res.store.sessions.revoke_user(name)
    return password


def delete_user(res: Resources, name: str, user: User) -> None:
    _keep_an_admin(res, name, user, "delete")
    res.store.users.delete(name, user.name)
    res.store.sessions.revoke_user(name)


def verify_audit(res: Resources) -> AuditReport:
    return res.store.audit.verify()


def audit_rows(res: Resources, limit: int = 20) -> list[dict[str, Any]]:
    return [
        {
            "seq": e.seq,
            "at": e.at.strftime("%Y-%m-%d %H:%M:%S"),
            "actor": e.actor,
            "action": e.action,
            "target": e.target,
        }
        for e in res.store.audit.entries(limit=limit)
    ]


def flagged_rows(res) -> list[dict]:
    """What ingest screening flagged in the live index, as table rows for the admin (a table shows text as text)."""
    return [{"document": f.doc_id, "title": f.title, "kind": f.kind, "excerpt": f.excerpt}
            for f in res.services.flagged_sources()]


def overlap_rows(res) -> list[dict]:
    """Article pairs of the live index that say the same thing (`deflect report overlaps`), as table rows."""
    return [{"article": f"{o.title_a} ({o.doc_a})", "and article": f"{o.title_b} ({o.doc_b})",
             "shared passages": f"{o.passages} ({o.share:.0%})"} for o in res.services.overlaps()]
