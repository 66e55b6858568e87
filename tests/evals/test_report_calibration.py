"""The calibration block of the HTML reports: ECE, reliability diagram, coverage-accuracy curve and table,
in the eval report (answers scored) and in `deflect calibrate --report` (per split and dataset)."""

import re

import numpy as np
import pytest

from assistant.calibration import Row, fit_calibration
from assistant.confidence import FEATURES
from evals.models import EvalRun
from evals.report import render_report, write_calibration_report

pytestmark = pytest.mark.unit

CURVE = [{"threshold": 0.0, "coverage": 1.0, "accuracy": 0.5}, {"threshold": 0.5, "coverage": 0.5, "accuracy": 0.75},
         {"threshold": 0.9, "coverage": 0.0, "accuracy": None}]


def images(page: str) -> dict[str, str]:
    return dict(re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page))


def test_eval_report_shows_ece_reliability_and_coverage_accuracy():
    answers = {"ece": 0.042, "reliability": [{"low": 0.4, "high": 0.5, "count": 2, "confidence": 0.45,
                                              "accuracy": 0.5}],
               "coverage_accuracy": CURVE, "calibration_version": "cal-abc", "calibration_profile": "emanual",
               "latency": {}}
    run = EvalRun(run_id="r", created_at="2026-01-01T00:00:00+00:00", dataset="emanual", mode="hybrid",
                  n_queries=0, metrics={}, answers=answers)
    page = render_report([run])
    imgs = images(page)
    assert {"reliability diagram", "coverage-accuracy curve"} <= set(imgs)
    assert all(len(imgs[k]) > 1000 for k in ("reliability diagram", "coverage-accuracy curve"))
    assert "ECE <b>0.042</b>" in page and "cal-abc" in page and "profile emanual" in page
    # the curve as a table too: every threshold, "–" where nothing is answered
    assert "<td>0.500</td><td>0.500</td><td>0.750</td>" in page and "<td>0.900</td><td>0.000</td><td>–</td>" in page


def _rows(name: str, n: int, seed: int) -> list[Row]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        f = {k: float(rng.uniform(0, 1)) for k in FEATURES}
        rows.append(Row(name, f"q{i}", f, int(rng.uniform() < f["top_dense"])))
    return rows


def test_calibration_report_has_a_block_per_split_and_dataset(tmp_path):
    cal = fit_calibration(_rows("demo", 60, 1) + _rows("emanual", 80, 2), seed=3, folds=5)
    page = write_calibration_report(cal.model_dump(mode="json"), tmp_path / "cal.html").read_text()
    assert cal.version in page and "Held-out split (30%, seed 3)" in page and "5-fold cross-validation" in page
    # 2 splits x (all datasets, demo, emanual) = 6 blocks, each with both charts
    assert page.count('alt="reliability diagram"') == 6 and page.count('alt="coverage-accuracy curve"') == 6
    held = cal.metrics["held_out"]
    assert f"ECE <b>{held['ece']:.3f}</b>" in page
    assert sum(b["count"] for b in held["reliability"]) == held["n"]  # the diagram's bins cover every question
    assert "http://" not in page and "https://" not in page
