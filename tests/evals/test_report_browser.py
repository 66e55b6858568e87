"""The HTML eval report opens in a real browser with every plot decoded (Debian chromium, offline)."""

import pytest

from evals.report import write_report
from tests.conftest import open_offline
from tests.evals.test_report import run

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_report_renders_all_plots_in_chromium(tmp_path, browser):
    answers = {"rouge_l_f1": 0.4, "ece": 0.12, "latency": {"total": {"p50": 1.0, "p95": 2.0, "n": 4}},
               "reliability": [{"low": 0.8, "high": 0.9, "count": 2, "confidence": 0.85, "accuracy": 0.5}]}
    path = write_report([run("bm25"), run("hybrid", answers)], tmp_path / "report.html")
    images, requests, title = open_offline(browser, path, lambda page: page.title())
    assert {alt for alt, *_ in images} >= {"rank distribution", "reliability diagram", "ndcg@10 per category"}
    assert all(done and w > 200 and h > 100 for _, done, w, h in images), images  # decoded, not broken icons
    assert title and all(u.startswith(("file:", "data:")) for u in requests), requests  # nothing fetched
