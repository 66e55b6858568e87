"""Export feedback as a labeled dataset (JSONL) in the shape of demo/questions.jsonl, for the eval harness.

Labels come from what agents did:
- category: "out_of_scope" when an agent escalated the ticket (whatever the escalation reason: the help
  center did not let them answer it), or marked it so (a thumbs down with reason not_in_docs, or the
  out-of-scope flag); else "in_scope".
- relevant_doc_ids: empty for out-of-scope items. Edited: the docs whose [n] markers the agent kept in
  the edit (if the agent removed every marker: all cited docs, unless the latest vote is thumbs down).
  Otherwise the cited docs of an approved draft: thumbs up, or sent as-is without a thumbs down.
  Empty when nobody approved the draft.
- answer: "" for out-of-scope items; else the agent's latest edit (sent or not), else the text sent
  to the customer, else the approved draft, without [n] markers; "" if none.
Question and answer pass the PII redactor again on the way out (rows stored before redaction existed).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from feedback.models import FeedbackFilter, Interaction
from feedback.store import FeedbackStore

MARKER = re.compile(r"\[(\d+)\]")


class LabeledQuestion(BaseModel):
    id: str
    question: str
    relevant_doc_ids: list[str]
    answer: str
    category: Literal["in_scope", "out_of_scope"]
    # where the label came from
    request_id: str
    feedback_reason: str | None = None
    thumbs: str | None = None
    outcome: str
    index_version: int | None = None
    provider: str
    prompt_version: str
    created_at: str


class ExportReport(BaseModel):
    path: str
    written: int
    skipped_redacted: int = Field(0, description="Interactions whose ticket text retention already removed.")


def strip_markers(text: str) -> str:
    return re.sub(r"[ \t]*\[\d+\]", "", text).strip()


def approved(it: Interaction) -> bool:
    return it.thumbs == "up" or (it.sent and it.thumbs != "down")


def out_of_scope(it: Interaction) -> bool:
    """An agent escalated it, or said the help center does not cover it (the view's out_of_scope)."""
    return it.out_of_scope or it.escalated


def relevant_docs(it: Interaction, edit: str | None = None) -> list[str]:
    """`edit`: the agent's latest edited reply, if any (default: the sent text of an edited send)."""
    if out_of_scope(it):
        return []
    edit = edit if edit is not None else (it.final_text if it.sent and it.edited else None)
    if edit is not None and it.answer is not None:
        kept = {int(n) for n in MARKER.findall(edit)}
        if kept:  # the agent chose to keep these sources
            return list(dict.fromkeys(c.doc_id for c in it.answer.citations if c.n in kept))
    return it.cited_doc_ids if approved(it) else []


def reference_answer(it: Interaction, edit: str | None = None) -> str:
    if out_of_scope(it):
        return ""
    text = edit if edit is not None else it.final_text if it.sent else (it.draft if approved(it) else "")
    return strip_markers(text or "")


def label(it: Interaction, edit: str | None = None, redact=lambda text: text) -> LabeledQuestion:
    """The labeled question for one interaction; `edit` its latest edited reply, `redact` a text -> text."""
    return LabeledQuestion(
        id=f"fb-{it.request_id}", question=redact(it.ticket), relevant_doc_ids=relevant_docs(it, edit),
        answer=redact(reference_answer(it, edit)), category="out_of_scope" if out_of_scope(it) else "in_scope",
        request_id=it.request_id, feedback_reason=it.reason, thumbs=it.thumbs, outcome=it.outcome,
        index_version=it.index_version, provider=it.provider, prompt_version=it.prompt_version,
        created_at=it.created_at.isoformat(),
    )


def export_dataset(store: FeedbackStore, filter: FeedbackFilter | None, path: Path | str,
                   actor: str) -> ExportReport:
    """Write one LabeledQuestion per matching interaction (oldest first), atomically; audited as export."""
    path = Path(path)
    items = list(reversed(store.list_interactions(filter)))
    edits = {e.request_id: e.final_text for e in store.list_edits()}  # oldest first: the latest one wins
    rows = [label(it, edits.get(it.request_id), store.redact) for it in items if not it.redacted]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(row.model_dump_json() + "\n")
    os.replace(tmp, path)
    report = ExportReport(path=str(path), written=len(rows), skipped_redacted=len(items) - len(rows))
    store.audit.append("export", actor, target=str(path),
                       details={"filter": (filter or FeedbackFilter()).model_dump(mode="json", exclude_defaults=True),
                                "written": report.written})
    return report
