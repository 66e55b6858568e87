"""Tickets from JSONL, one per line: `{"id", "subject"?, "body"}` or `{"id", "text"}`.

Parsing never raises for one bad line: the line becomes an item with an error, so a backlog of a
thousand tickets still gets 999 answers and one readable error with its line number.
"""

from __future__ import annotations

import json

from pydantic import BaseModel

from assistant.models import Ticket

MAX_TICKET_CHARS = 100_000  # a pasted mailbox, not a ticket: refuse it with a reason instead of drafting


class BatchItem(BaseModel):
    line: int
    id: str | None = None
    ticket: Ticket | None = None
    error: str | None = None


def parse_line(n: int, raw: str) -> BatchItem:
    try:
        row = json.loads(raw)
    except json.JSONDecodeError as e:
        return BatchItem(line=n, error=f"line {n}: not JSON ({e.msg} at column {e.colno})")
    if not isinstance(row, dict):
        return BatchItem(line=n, error=f"line {n}: expected a JSON object with body or text, got {type(row).__name__}")
    tid = row.get("id")
    tid = None if tid is None else str(tid)
    subject, body = row.get("subject") or "", row.get("body")
    if body is None:
        body = row.get("text")
    if not isinstance(body, str) or not isinstance(subject, str):
        return BatchItem(line=n, id=tid, error=f"line {n}: needs a string \"body\" (or \"text\")")
    if not (subject.strip() or body.strip()):
        return BatchItem(line=n, id=tid, error=f"line {n}: the ticket is empty")
    if len(subject) + len(body) > MAX_TICKET_CHARS:
        return BatchItem(line=n, id=tid, error=f"line {n}: the ticket has {len(subject) + len(body)} characters; "
                         f"the limit is {MAX_TICKET_CHARS}: split it or paste the customer's latest message")
    return BatchItem(line=n, id=tid, ticket=Ticket(subject=subject, body=body))


def read_batch(text: str) -> list[BatchItem]:
    """One item per non-blank line, in input order (line numbers from 1)."""
    return [parse_line(n, raw) for n, raw in enumerate(text.splitlines(), 1) if raw.strip()]
