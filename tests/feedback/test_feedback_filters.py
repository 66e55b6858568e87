"""FeedbackFilter over a small seeded set: each field narrows the list; dates are inclusive UTC days."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from feedback.models import FeedbackFilter
from tests.feedback.conftest import make_answer

pytestmark = pytest.mark.integration


@pytest.fixture
def seeded(store, clock):
    # day 1 (2025-03-03): r1 thumbs down wrong (v1), r2 edited+sent (v1)
    store.record_interaction(make_answer("r1"), "ana")
    store.record_feedback("r1", "ana", "down", reason="wrong")
    store.record_interaction(make_answer("r2"), "ana")
    store.record_edit("r2", "ana", "changed")
    clock.advance(days=1)
    # day 2: r3 escalated (v2, openai), r4 thumbs up (v2)
    store.record_interaction(make_answer("r3", index_version=2, provider="openai", decision="escalate"), "bob")
    store.record_escalation("r3", "bob", "out_of_scope")
    store.record_interaction(make_answer("r4", index_version=2), "bob")
    store.record_feedback("r4", "bob", "up")
    clock.advance(days=1)
    # day 3: r5 thumbs down outdated (v2)
    store.record_interaction(make_answer("r5", index_version=2), "ana")
    store.record_feedback("r5", "ana", "down", reason="outdated_source")
    return store


def ids(store, **kw):
    return sorted(it.request_id for it in store.list_interactions(FeedbackFilter(**kw)))


def test_each_filter_narrows(seeded):
    assert ids(seeded) == ["r1", "r2", "r3", "r4", "r5"]
    assert ids(seeded, thumbs="down") == ["r1", "r5"]
    assert ids(seeded, thumbs="up") == ["r4"]
    assert ids(seeded, edited=True) == ["r2"]
    assert ids(seeded, escalated=True) == ["r3"]
    assert ids(seeded, escalated=False) == ["r1", "r2", "r4", "r5"]
    assert ids(seeded, reason="outdated_source") == ["r5"]
    assert ids(seeded, index_version=2) == ["r3", "r4", "r5"]
    assert ids(seeded, provider="openai") == ["r3"]
    assert ids(seeded, decision="escalate") == ["r3"]
    assert ids(seeded, user="bob") == ["r3", "r4"]
    assert ids(seeded, thumbs="down", index_version=2) == ["r5"]


def test_date_range_is_inclusive(seeded):
    assert ids(seeded, since=date(2025, 3, 4)) == ["r3", "r4", "r5"]
    assert ids(seeded, until=date(2025, 3, 4)) == ["r1", "r2", "r3", "r4"]
    assert ids(seeded, since=date(2025, 3, 4), until=date(2025, 3, 4)) == ["r3", "r4"]
    with pytest.raises(ValidationError, match="swap"):
        FeedbackFilter(since=date(2025, 3, 5), until=date(2025, 3, 4))


def test_paging_newest_first(seeded):
    page1 = seeded.list_interactions(FeedbackFilter(limit=2))
    page2 = seeded.list_interactions(FeedbackFilter(limit=2, offset=2))
    assert [i.request_id for i in page1 + page2] == ["r5", "r4", "r3", "r2"]
    assert seeded.count_interactions(FeedbackFilter(thumbs="down")) == 2
