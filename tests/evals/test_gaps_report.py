"""The content-gap page: each topic with its count, trend, asks, articles and redacted tickets, escaped."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from evals.gaps_report import render_gaps
from feedback.gaps import GapArticle, GapCluster, GapReport, GapTicket

pytestmark = pytest.mark.unit


def test_topics_render_with_everything_escaped():
    c = GapCluster(topic="export, csv", count=4, signals={"not_covered": 3, "heavily_edited": 1}, first_half=1,
                   second_half=3, trend="rising", weekly={"2025-W10": 1, "2025-W11": 3},
                   representatives=[GapTicket(request_id="r1", created_at=datetime(2025, 3, 4, tzinfo=UTC),
                                              signals=["not_covered"], excerpt="Export <script>x</script> [EMAIL]")],
                   nearest_articles=[GapArticle(doc_id="billing/a.md", title="Invoices & PDFs",
                                                url="https://help.example/a", score=0.5)],
                   failed_asks=["“how do I export to CSV?”"])
    page = render_gaps(GapReport(start=date(2025, 3, 3), end=date(2025, 3, 16), interactions=10, candidates=4,
                                 skipped_redacted=2, clusters=[c]))
    assert "<h1>Content gaps: 2025-03-03 to 2025-03-16</h1>" in page
    assert "4 of 10 interactions" in page and "2 more had their text removed by retention" in page
    assert "↑ rising (1 in the first half of the period, 3 in the second)" in page
    assert "escalated: not covered 3, heavily edited 1" in page
    assert "&lt;script&gt;" in page and "<script>" not in page and "Invoices &amp; PDFs" in page
    assert '<a href="https://help.example/a">' in page and "<td>2025-W11</td><td>3</td>" in page


def test_no_gaps_says_so():
    page = render_gaps(GapReport(start=None, end=None, interactions=3, candidates=0, clusters=[]))
    assert "all recorded interactions" in page and "No gaps found" in page
