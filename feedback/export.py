"""Export feedback as a labeled dataset (JSONL) in the shape of demo/questions.jsonl, for the eval harness.

Labels come from what agents did:
- category: "out_of_scope" when marked so (feedback flag or an out_of_scope escalation), else "in_scope".
- relevant_doc_ids: empty for out-of-scope items. Edited and sent: the docs whose [n] markers the agent kept
  in the sent text (if the agent removed every marker: all cited docs, unless the latest vote is thumbs
  down). Otherwise the cited docs of an approved draft: thumbs up, or sent as-is without a thumbs down.
  Empty when nobody approved the draft.
- answer: the text sent to the customer, else the approved draft, without [n] markers; "" if neither.
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


def relevant_docs(it: Interaction) -> list[str]:
    if it.out_of_scope:
        return []
    if it.sent and it.edited and it.answer is not None:
        kept = {int(n) for n in MARKER.findall(it.final_text or "")}
        if kept:  # the agent chose to keep these sources
            return list(dict.fromkeys(c.doc_id for c in it.answer.citations if c.n in kept))
    return it.cited_doc_ids if approved(it) else []


def label(it: Interaction) -> LabeledQuestion:
    text = it.final_text if it.sent else (it.draft if approved(it) else "")
    return LabeledQuestion(
        id=f"fb-{it.request_id}", question=it.ticket, relevant_doc_ids=relevant_docs(it),
        answer=strip_markers(text or ""), category="out_of_scope" if it.out_of_scope else "in_scope",
        request_id=it.request_id, feedback_reason=it.reason, thumbs=it.thumbs, outcome=it.outcome,
        index_version=it.index_version, provider=it.provider, prompt_version=it.prompt_version,
        created_at=it.created_at.isoformat(),
    )


def export_dataset(store: FeedbackStore, filter: FeedbackFilter | None, path: Path | str,
                   actor: str) -> ExportReport:
    """Write one LabeledQuestion per matching interaction (oldest first), atomically; audited as export."""
    path = Path(path)
    items = list(reversed(store.list_interactions(filter)))
    rows = [label(it) for it in items if not it.redacted]
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
