"""Labeled support tickets over a help-center folder: each ticket is a whole customer message (greeting,
quoted history, signature) with one or more asks, each labeled with its relevant docs and a reference
answer, or marked as not covered by the help center.

    rows, corpus = load_demo_tickets(repo)   # same shape as evals.datasets.demo.load_demo
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from evals.errors import DatasetFormatError, DatasetNotFound


class TicketAsk(BaseModel):
    """One thing the customer wants; `covered` says whether the help center answers it."""

    model_config = ConfigDict(extra="forbid")

    ask: str = Field(min_length=1)
    relevant_doc_ids: list[str] = Field(default_factory=list)
    answer: str = ""
    covered: bool

    @model_validator(mode="after")
    def _labels_match_coverage(self) -> TicketAsk:
        # A covered ask without docs or answer (or the reverse) would silently skew retrieval and answer scores.
        if self.covered and not (self.relevant_doc_ids and self.answer.strip()):
            raise ValueError("a covered ask needs relevant_doc_ids and an answer")
        if not self.covered and (self.relevant_doc_ids or self.answer.strip()):
            raise ValueError("an uncovered ask must have relevant_doc_ids [] and answer ''")
        return self


class DemoTicket(BaseModel):
    """A labeled ticket; `category` is derived from its asks and checked against them."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    subject: str
    body: str = Field(min_length=1)
    language: str = Field(pattern=r"^[a-z]{2}$", description="ISO 639-1 code of the ticket text")
    asks: list[TicketAsk] = Field(min_length=1)
    category: Literal["in_scope", "out_of_scope", "partial"]

    @model_validator(mode="after")
    def _category_matches_asks(self) -> DemoTicket:
        covered = [a.covered for a in self.asks]
        expected = "in_scope" if all(covered) else "out_of_scope" if not any(covered) else "partial"
        if self.category != expected:
            raise ValueError(f"category is {self.category!r} but its asks make it {expected!r}")
        return self

    @property
    def text(self) -> str:
        """What the assistant sees: subject, blank line, body (just the body when there is no subject)."""
        return f"{self.subject}\n\n{self.body}" if self.subject.strip() else self.body

    @property
    def relevant(self) -> list[str]:
        """Union of the asks' relevant docs, first mention first."""
        return list(dict.fromkeys(d for a in self.asks for d in a.relevant_doc_ids))

    @property
    def out_of_scope(self) -> bool:
        return not any(a.covered for a in self.asks)


def load_tickets(path: Path) -> list[DemoTicket]:
    """Every ticket in a JSONL file (blank lines skipped); a bad line raises DatasetFormatError naming file:line."""
    path = Path(path)
    if not path.is_file():
        raise DatasetNotFound(f"No ticket file at {path}.")
    tickets: list[DemoTicket] = []
    first_line: dict[str, int] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            ticket = DemoTicket.model_validate(json.loads(line))
        except json.JSONDecodeError as e:
            raise DatasetFormatError(f"{path}:{n}: not valid JSON ({e.msg} at column {e.colno}).") from e
        except ValidationError as e:
            problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'ticket'}: {err['msg']}" for err in e.errors())
            raise DatasetFormatError(f"{path}:{n}: not a labeled ticket ({problems}).") from e
        if ticket.id in first_line:
            raise DatasetFormatError(f"{path}:{n}: duplicate id {ticket.id!r} (first used on line {first_line[ticket.id]}).")
        first_line[ticket.id] = n
        tickets.append(ticket)
    return tickets


def ticket_query(ticket: DemoTicket) -> dict:
    """The evaluation query fields of one ticket: its whole text, the union of relevant docs, the covered
    asks' answers joined with a space. A ticket with any uncovered ask counts as out of scope: the right
    outcome is an escalation naming that ask, and answering it anyway is the defect to measure."""
    return {
        "qid": ticket.id, "text": ticket.text, "relevant": ticket.relevant,
        "answer": " ".join(a.answer.strip() for a in ticket.asks if a.covered),
        "category": ticket.category, "out_of_scope": any(not a.covered for a in ticket.asks),
    }


def load_demo_tickets(repo: Path) -> tuple[list[dict], Path]:
    """(query fields, corpus folder) for demo/tickets.jsonl over demo/helpcenter."""
    corpus, path = repo / "demo" / "helpcenter", repo / "demo" / "tickets.jsonl"
    if not corpus.is_dir() or not path.is_file():
        raise DatasetNotFound(f"The demo tickets are missing: expected {corpus} and {path}.")
    return [ticket_query(t) for t in load_tickets(path)], corpus


__all__ = ["DemoTicket", "TicketAsk", "load_demo_tickets", "load_tickets", "ticket_query"]
