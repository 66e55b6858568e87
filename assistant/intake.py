"""What the assistant accepts of a ticket: valid text of bounded length, so one ticket has a bounded cost.

A ticket over the limit is cut, not refused: the customer's own words come first in an email (quoted
history, pasted logs and signatures follow), so the first `max_chars` characters still get a useful
draft, and the agent sees a note saying the rest was not read. A refusal would leave the agent to
trim a pasted mailbox by hand for every such ticket. Text that is not valid Unicode (lone surrogates
from undecodable bytes) is replaced by U+FFFD, since nothing downstream (SQLite, JSON, the screen)
can store or show it. A body that is HTML (an email as a help desk or an export hands it over) is
read as its visible text, with its paragraphs and list items as lines: as markup, its tags were
words of the ticket and hidden elements were read like the rest.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from assistant.models import Ticket

# When cutting, back up to a space at most this far, so the last word is not cut in half.
_WORD_SLACK = 100
_SURROGATE = re.compile("[\ud800-\udfff]")
# Block-level tags: three or more make a body HTML (a pasted snippet such as "<div>{{logo}}</div>" does not).
_HTML_BLOCK = re.compile(r"</?(?:p|div|br|html|body|table|tr|td|ul|ol|li|blockquote|h[1-6])\b[^>]*>", re.IGNORECASE)


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


def plain_text(body: str) -> str:
    """The visible text of an HTML body (blocks as lines); other text as it is. Comments and hidden
    elements are kept after it as written, so the injection screen still sees them and the
    assistant, which strips them, still never reads them."""
    if len(_HTML_BLOCK.findall(body, 0, 200_000)) < 3:
        return body
    from ingest.normalize import html_to_markdown
    from ingest.screening import hidden_parts

    try:
        text = html_to_markdown(body)[1]
    except RecursionError:  # nested too deeply to parse: read it as text
        return body
    return "\n\n".join([text, *hidden_parts(body)])


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
    return Intake(Ticket(subject=clean_subject, body=plain_text(clean_body)), notes)
