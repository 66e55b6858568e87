"""The owner inbox: drafts agents voted down, or flagged as citing an outdated source, listed for the owner
of each article the draft cited (front matter `owner:` or an export label `owner:NAME`).

Feedback is given per draft, not per citation, so every cited article's owner sees the item; articles
without an owner are gathered under NO_OWNER, which is itself a to-do (name one). Comments are free text
typed by agents, so they are redacted before they are listed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime

from pydantic import BaseModel, Field

from feedback.models import FeedbackFilter, Interaction, ReasonCode, Thumbs
from ingest.models import owner_of

NO_OWNER = "(no owner)"


class Article(BaseModel):
    doc_id: str
    title: str
    owner: str | None = None


class OwnerItem(BaseModel):
    request_id: str
    created_at: datetime
    agent: str
    doc_id: str
    title: str
    thumbs: Thumbs | None
    reason: ReasonCode | None
    comment: str = Field("", description="The agent's latest comment, redacted.")


class OwnerInbox(BaseModel):
    owner: str
    items: list[OwnerItem] = Field(description="Newest first.")
    articles: dict[str, int] = Field(description="doc_id -> items, most flagged first.")
    outdated: int = Field(description="Items flagged 'outdated source'.")


def needs_owner(it: Interaction) -> bool:
    return it.thumbs == "down" or it.reason == "outdated_source"


def owner_inbox(interactions: Sequence[Interaction], articles: Mapping[str, Article],
                comments: Mapping[str, str], redact: Callable[[str], str]) -> list[OwnerInbox]:
    """One inbox per owner (NO_OWNER last), from interactions already filtered by `needs_owner`."""
    boxes: dict[str, list[OwnerItem]] = defaultdict(list)
    for it in interactions:
        comment = redact(comments.get(it.request_id, "")) if comments.get(it.request_id) else ""
        for doc_id in it.cited_doc_ids:
            art = articles.get(doc_id) or Article(doc_id=doc_id, title=doc_id)
            boxes[art.owner or NO_OWNER].append(OwnerItem(
                request_id=it.request_id, created_at=it.created_at, agent=it.user, doc_id=doc_id, title=art.title,
                thumbs=it.thumbs, reason=it.reason, comment=comment))
    out = []
    for owner in sorted(boxes, key=lambda o: (o == NO_OWNER, o.lower())):
        items = sorted(boxes[owner], key=lambda i: (i.created_at, i.request_id), reverse=True)
        out.append(OwnerInbox(owner=owner, items=items,
                              articles=dict(Counter(i.doc_id for i in items).most_common()),
                              outdated=sum(i.reason == "outdated_source" for i in items)))
    return out


def articles_of(catalog) -> dict[str, Article]:
    """doc_id -> title and owner, from the active index version (empty before the first ingest)."""
    version = catalog.active_version()
    if version is None:
        return {}
    return {d["doc_id"]: Article(doc_id=d["doc_id"], title=d["title"],
                                 owner=owner_of(json.loads(d["labels"] or "[]"))) for d in catalog.documents(version)}


def owner_inbox_for(services, start: date | None = None, end: date | None = None,
                    owner: str | None = None) -> list[OwnerInbox]:
    """The inboxes over the feedback store (start..end, UTC days), with the app's catalog and redactor:
    what the CLI calls (and an evaluator tab can) with its `deflectkit.app.Services`."""
    store = services.feedback
    found: dict[str, Interaction] = {}
    for flt in (FeedbackFilter(thumbs="down", since=start, until=end),
                FeedbackFilter(reason="outdated_source", since=start, until=end)):
        found |= {it.request_id: it for it in store.list_interactions(flt, with_answer=False) if needs_owner(it)}
    comments = {}
    for rid in found:
        latest = store.list_feedback(rid)
        if latest and latest[-1].comment:
            comments[rid] = latest[-1].comment
    redact = (lambda t: services.redactor.redact(t)[0]) if services.settings.redact_pii else (lambda t: t)
    boxes = owner_inbox(list(found.values()), articles_of(services.catalog), comments, redact)
    return [b for b in boxes if owner is None or b.owner.lower() == owner.lower()]
