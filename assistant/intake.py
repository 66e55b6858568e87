"""What the assistant accepts of a ticket: valid text of bounded length, so one ticket has a bounded cost.

A ticket over the limit is cut, not refused: the customer's own words come first in an email (quoted
history, pasted logs and signatures follow), so the first `max_chars` characters still get a useful
draft, and the agent sees a note saying the rest was not read. A refusal would leave the agent to
trim a pasted mailbox by hand for every such ticket. Text that is not valid Unicode (lone surrogates
from undecodable bytes) is replaced by U+FFFD, since nothing downstream (SQLite, JSON, the screen)
can store or show it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from assistant.models import Ticket

# When cutting, back up to a space at most this far, so the last word is not cut in half.
_WORD_SLACK = 100
_SURROGATE = re.compile("[\ud800-\udfff]")


class Intake(NamedTuple):
    ticket: Ticket
    notes: list[str]


def valid_text(text: str) -> str:
    """`text` with lone surrogates (from undecodable bytes or escaped JSON) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def cut(text: str, limit: int) -> str:
    """The first `limit` characters of `text`, ending at a space when one is near the cut."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    start = max(0, limit - _WORD_SLACK)
    space = max(head.rfind(" ", start), head.rfind("\n", start))
    return head[:space] if space > 0 else head


def intake(ticket: Ticket, max_chars: int) -> Intake:
    """The ticket as the assistant will read it, and notes for the agent about what was changed."""
    subject, body, notes = ticket.subject, ticket.body, []
    if len(subject) + len(body) > max_chars:
        subject = cut(subject, max_chars)
        body = cut(body, max_chars - len(subject))
        notes.append(f"the ticket is over {max_chars:,} characters (DEFLECT_MAX_TICKET_CHARS): only its first "
                     f"{len(subject) + len(body):,} were read")
    clean_subject, clean_body = valid_text(subject), valid_text(body)
    if (clean_subject, clean_body) != (subject, body):
        notes.append("the ticket held bytes that are not text; they were replaced by \ufffd")
    return Intake(Ticket(subject=clean_subject, body=clean_body), notes)
