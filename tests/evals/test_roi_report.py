"""The ROI readout page: headlines in plain words, figures in their units, nothing outside the file."""

from __future__ import annotations

import re
from datetime import date

import pytest

from evals.roi_report import fmt_delta, fmt_estimate, headline, render_roi
from feedback.roi import BaselineInfo, Estimate, MetricRow, build_readout
from tests.feedback.test_roi import AFTER, BEFORE, CFG

pytestmark = pytest.mark.unit


def row(**kw) -> MetricRow:
    base = {"key": "deflection", "label": "Deflection", "unit": "share", "better": "higher", "section": "outcomes",
            "verdict": "better"}
    return MetricRow(**(base | kw))


def test_headlines_read_as_sentences():
    m = row(before=Estimate(value=0.25, n=4), after=Estimate(value=0.4, n=5),
            delta=Estimate(value=0.15, ci_low=0.05, ci_high=0.3, n=5))
    assert headline(m) == "Deflection: 25.0% → 40.0% (+15.0 pp, 95% interval +5.0 pp to +30.0 pp): better."
    assert headline(row(after=Estimate(value=0.5, n=2), verdict="not in the baseline")) == (
        "Deflection: 50.0% in the pilot (the baseline does not record it).")
    assert headline(row(verdict="not recorded in the pilot")) == "Deflection: not recorded in the pilot."


def test_units_minutes_and_cost():
    assert fmt_estimate(Estimate(value=12.5, ci_low=10, ci_high=15.25, n=4), "min") == (
        "12.5 min [10.0 min, 15.2 min] · n=4")
    assert fmt_delta(Estimate(value=-3.74, ci_low=-30.7, ci_high=8.77, n=5), "cost") == "-3.74 [-30.70, +8.77]"
    assert fmt_delta(None, "cost") == "–"


def test_page_escapes_text_and_holds_every_asset():
    info = BaselineInfo(kind="csv", source="<b>old</b>.csv", tickets=len(BEFORE))
    page = render_roi(build_readout(BEFORE, AFTER, CFG, date(2025, 3, 3), date(2025, 3, 16), info))
    assert "&lt;b&gt;old&lt;/b&gt;.csv" in page and "<b>old</b>" not in page
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', page)) == 4
    assert not re.search(r'(src|href)="(?!data:)', page) and "<script" not in page and "<link" not in page
    assert page.count("<h2>") == 4  # outcomes, adoption, risk, how to read this
