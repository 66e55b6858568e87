"""Owner inbox: rejected drafts listed for the owner of every article they cited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.models import Interaction
from feedback.owners import NO_OWNER, Article, needs_owner, owner_inbox

pytestmark = pytest.mark.unit

T = datetime(2025, 3, 3, 9, tzinfo=UTC)
ARTICLES = {"billing/refunds.md": Article(doc_id="billing/refunds.md", title="Refund a payment", owner="billing"),
            "billing/currencies.md": Article(doc_id="billing/currencies.md", title="Currencies", owner="billing"),
            "account/password.md": Article(doc_id="account/password.md", title="Reset your password",
                                           owner="Accounts")}


def it(rid: str, docs: list[str], hours: int = 0, **kw) -> Interaction:
    return Interaction(request_id=rid, user="ana", created_at=T + timedelta(hours=hours), decision="answer",
                       confidence=0.8, confidence_label="high", provider="extractive", prompt_version="p1",
                       ticket="t", draft="d", cited_doc_ids=docs, **kw)


def test_each_cited_articles_owner_gets_the_item():
    items = [it("r1", ["billing/refunds.md", "account/password.md"], thumbs="down", reason="outdated_source"),
             it("r2", ["billing/refunds.md"], hours=1, thumbs="down", reason="wrong"),
             it("r3", ["billing/currencies.md", "old/gone.md"], hours=2, thumbs="down"),
             it("r4", ["legal/terms.md"], hours=3, thumbs="up", reason="outdated_source")]
    boxes = owner_inbox(items, ARTICLES, {"r1": "says 30 days, it is 10 now"}, str.upper)
    assert [b.owner for b in boxes] == ["Accounts", "billing", NO_OWNER]
    accounts, billing, nobody = boxes
    assert [(i.request_id, i.comment) for i in accounts.items] == [("r1", "SAYS 30 DAYS, IT IS 10 NOW")]
    assert [i.request_id for i in billing.items] == ["r3", "r2", "r1"]  # newest first
    assert billing.articles == {"billing/refunds.md": 2, "billing/currencies.md": 1} and billing.outdated == 1
    assert {i.doc_id: i.title for i in nobody.items} == {"old/gone.md": "old/gone.md", "legal/terms.md": "legal/terms.md"}


def test_what_needs_an_owner():
    assert needs_owner(it("a", [], thumbs="down")) and needs_owner(it("b", [], thumbs="up", reason="outdated_source"))
    assert not needs_owner(it("c", [], thumbs="up")) and not needs_owner(it("d", []))
    assert owner_inbox([it("e", [], thumbs="down")], ARTICLES, {}, str.upper) == []  # cited nothing
