"""Pure helpers between models and SQL: filters to WHERE clauses, rows to models, diffs and latencies."""

from __future__ import annotations

import difflib
import json
import re
from datetime import UTC, datetime, timedelta

from assistant.models import Answer
from feedback.models import FeedbackFilter, Interaction, TicketRecord

_MARKER = re.compile(r"\s?\[\d+\]")  # a [n] citation marker and the space before it
# Columns of the interaction_outcomes view that dashboards need (no text, no JSON).
STATS_COLUMNS = ("request_id, day, index_version, provider, prompt_version, calibration_version, release, decision, "
                 "latency_s, cost, thumbs, reason, edited, escalated, sent")


def filter_sql(f: FeedbackFilter | None) -> tuple[str, list]:
    """A WHERE clause (possibly empty) over the interaction_outcomes view, with its parameters."""
    if f is None:
        return "", []
    where: list[str] = []
    params: list = []
    for column in ("thumbs", "reason", "index_version", "provider", "prompt_version", "calibration_version",
                   "decision", "user"):
        value = getattr(f, column)
        if value is not None:
            where.append(f'"{column}" = ?')
            params.append(value)
    for column in ("edited", "escalated"):
        value = getattr(f, column)
        if value is not None:
            where.append(f"{column} = ?")
            params.append(int(value))
    # created_at is ISO 8601 in UTC, so day bounds compare as strings.
    if f.since:
        where.append("created_at >= ?")
        params.append(f.since.isoformat())
    if f.until:
        where.append("created_at < ?")
        params.append((f.until + timedelta(days=1)).isoformat())
    return (" WHERE " + " AND ".join(where)) if where else "", params


def page_sql(f: FeedbackFilter | None) -> tuple[str, list]:
    if f is None or (f.limit is None and not f.offset):
        return "", []
    return " LIMIT ? OFFSET ?", [f.limit if f.limit is not None else -1, f.offset]


def row_to_interaction(row: dict, with_answer: bool = True) -> Interaction:
    answer = Answer.model_validate_json(row["answer_json"]) if with_answer and row.get("answer_json") else None
    return Interaction(
        **{k: row[k] for k in ("request_id", "user", "created_at", "decision", "confidence", "confidence_label",
                               "index_version", "provider", "model", "prompt_version", "calibration_version",
                               "release", "latency_s", "cost", "ticket", "draft", "thumbs", "reason", "final_text")},
        cited_doc_ids=json.loads(row["cited_doc_ids"] or "[]"),
        redacted=row["redacted_at"] is not None,
        answer=answer,
        edited=bool(row["edited"]), escalated=bool(row["escalated"]), out_of_scope=bool(row["out_of_scope"]),
        sent=bool(row["sent"]),
    )


# When the agent first replied or handed the ticket off (over interaction_outcomes aliased o).
DONE_AT = ("(SELECT MIN(t) FROM (SELECT s.created_at AS t FROM sent s WHERE s.request_id = o.request_id "
           "UNION ALL SELECT x.created_at FROM escalations x WHERE x.request_id = o.request_id)) AS done_at")
# What ticket_records selects: outcome columns, and DONE_AT.
RECORD_COLUMNS = ("request_id, user, created_at, opened_at, decision, latency_s, cost, thumbs, reason, edited, "
                  "escalated, sent, customer_resolved, " + DONE_AT)


def as_utc(at: datetime) -> datetime:
    """A naive time is taken as UTC (the store writes UTC); an aware one is converted to UTC."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _utc(text: str | None) -> datetime | None:
    return as_utc(datetime.fromisoformat(text)) if text else None


def row_to_record(row: dict) -> TicketRecord:
    """An outcome row (RECORD_COLUMNS) as a TicketRecord: handle time from opened_at to the first send
    or escalation, deflected = the customer said resolved or the draft went out as-is."""
    opened, done = _utc(row["opened_at"]), _utc(row["done_at"])
    escalated, sent, edited = bool(row["escalated"]), bool(row["sent"]), bool(row["edited"])
    drafted = row["decision"] == "answer"
    override = ("sent_despite_escalation" if sent and not drafted and not escalated
                else "escalated_despite_answer" if escalated and drafted else None)
    return TicketRecord(
        ticket_id=row["request_id"], created_at=_utc(row["created_at"]), agent=row["user"],
        handle_time_s=(done - opened).total_seconds() if opened and done and done >= opened else None,
        escalated=escalated, deflected=row["customer_resolved"] == 1 or (sent and not edited and not escalated),
        drafted=drafted, used=sent and not escalated, llm_cost=row["cost"] or 0.0, latency_s=row["latency_s"],
        thumbs=row["thumbs"], reason=row["reason"], override=override)


def latency_of(timings: dict[str, float]) -> float:
    """End-to-end seconds: the 'total' stage if the pipeline reports one, else the sum of the stages."""
    if "total" in timings:
        return float(timings["total"])
    return float(sum(timings.values()))


def cited_docs(answer: Answer) -> list[str]:
    """Doc ids in citation order, each once."""
    return list(dict.fromkeys(c.doc_id for c in answer.citations))


def edit_share(draft: str, final: str) -> float:
    """Share of the draft's text the agent changed: 1 - difflib's similarity ratio, [n] markers left out."""
    a, b = _MARKER.sub("", draft or ""), _MARKER.sub("", final or "")
    return 1.0 - difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def unified_diff(draft: str, final: str) -> str:
    lines = difflib.unified_diff(draft.splitlines(keepends=True), final.splitlines(keepends=True),
                                 fromfile="draft", tofile="sent")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
