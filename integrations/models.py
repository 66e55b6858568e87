"""Data crossing the help-desk boundary: the event we draft for, the note we post, what became of it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

NoteStatus = Literal["drafting", "posting", "queued", "posted"]


class HelpDeskEvent(BaseModel):
    """A ticket created or updated in a help desk, in the help desk's own ids."""

    helpdesk: str = Field(description="Adapter name, e.g. zendesk.")
    event_id: str = Field(description="The help desk's id of this event; a redelivery carries the same one.")
    kind: Literal["created", "updated"]
    ticket_id: str
    stamp: str = Field("", description="The ticket's updated_at as the event reports it: with ticket_id, one "
                       "ticket update (two events about the same update get one note).")
    subject: str = ""
    body: str = Field(description="The customer's text to draft a reply to.")


class Note(BaseModel):
    """What is posted back: an internal note (never public) and the tags to add."""

    text: str
    tags: list[str] = Field(default_factory=list)


class NoteRecord(BaseModel):
    """One row of the help-desk store: the ticket <-> request mapping and the note's delivery state."""

    id: int
    helpdesk: str
    event_id: str
    ticket_id: str
    stamp: str
    request_id: str | None = None
    decision: str | None = None
    status: NoteStatus
    attempts: int = 0
    last_error: str = ""
    created_at: str
    updated_at: str
    posted_at: str | None = None


class Outcome(BaseModel):
    """What one webhook event came to."""

    status: Literal["posted", "queued", "duplicate", "ignored", "accepted"] = Field(
        description="posted: the note is on the ticket; queued: posting failed, it waits in the outbox; "
        "duplicate: this event or ticket update already has a note; ignored: not an event we draft for; "
        "accepted: verified and being drafted (the HTTP route answers before the draft is done).")
    helpdesk: str
    ticket_id: str = ""
    event_id: str = ""
    request_id: str | None = None
    decision: str | None = None
    attempts: int = 0
    error: str = ""


class ReplayReport(BaseModel):
    attempted: int = 0
    posted: int = 0
    queued: int = Field(0, description="Notes still waiting in the outbox after this replay.")
    errors: list[str] = Field(default_factory=list)
