"""The ROI readout opens in a real browser with every plot decoded and nothing fetched (Debian chromium)."""

from datetime import date

import pytest

from evals.roi_report import write_roi
from feedback.roi import RoiConfig, readout_from_store
from feedback.store import FeedbackStore
from tests.conftest import open_offline
from tests.feedback.conftest import BASELINE_CSV, Clock, seed_pilot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_roi_readout_renders_offline_in_chromium(tmp_path, browser):
    store = FeedbackStore(tmp_path / "feedback.db", clock=Clock())
    seed_pilot(store, store._clock)
    (tmp_path / "baseline.csv").write_text(BASELINE_CSV, encoding="utf-8")
    readout = readout_from_store(store, date(2025, 3, 3), date(2025, 3, 16), RoiConfig(),
                                 baseline_csv=tmp_path / "baseline.csv")
    store.close()
    path = write_roi(readout, tmp_path / "roi.html")
    images, requests, (verdicts, heading) = open_offline(browser, path, lambda page: (
        page.eval_on_selector_all("td b", "els => els.map(e => e.textContent)"), page.inner_text("h1")))
    assert {alt for alt, *_ in images} == {"shares before and after", "handle time distribution",
                                           "pilot week by week", "thumbs-down reasons and overrides"}
    assert all(done and w > 200 and h > 100 for _, done, w, h in images), images  # decoded, not broken icons
    assert heading == "Pilot readout 2025-03-03 to 2025-03-16"
    assert "better" in verdicts  # handle time and deflection improved in the seeded pilot
    assert requests and all(u.startswith(("file:", "data:")) for u in requests), requests  # nothing fetched
