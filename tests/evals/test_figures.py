"""The risk-coverage plot for the README and the report's deflection section, from eval JSON."""

import json

import pytest

from evals import figures
from evals.report import deflection_section

pytestmark = pytest.mark.unit

CURVE = [{"threshold": t, "answered": n, "coverage": n / 10, "risk": r, "safe_deflection": 0.1, "oos_answered": 0.0}
         for t, n, r in ((0.2, 10, 0.4), (0.5, 6, 0.2), (0.8, 3, 0.0))]
FIG = {"value": 0.5, "ci_low": 0.3, "ci_high": 0.7, "k": 5, "n": 10}


def _answers():
    return {k: FIG for k in ("answered_share", "answered_precision", "safe_deflection", "out_of_scope_answered",
                             "rouge_l")} | {"risk_coverage": CURVE, "by_category": {"not_in_text": {"answered_share": FIG}}}


def test_plot_is_written_from_eval_json(tmp_path):
    run = tmp_path / "techqa.json"
    run.write_text(json.dumps([{"dataset": "techqa", "mode": "hybrid", "answers": _answers()}]))
    out = tmp_path / "rc.png"
    figures.main([str(run), "--out", str(out)])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5_000


def test_plot_reads_the_baselines_json_that_make_eval_writes(tmp_path):
    run = tmp_path / "techqa.json"
    run.write_text(json.dumps({"dataset": "techqa", "runs": {"bm25": {"dataset": "techqa", "mode": "bm25"},
                                                             "hybrid": {"dataset": "techqa", "answers": _answers()}}}))
    assert figures.answers_of(run) == ("techqa", _answers())


def test_deflection_section_lists_every_figure_with_its_interval():
    html = "".join(deflection_section(_answers()))
    assert "safe_deflection" in html and "0.500 [0.300, 0.700]" in html and "not_in_text" in html
    assert 'alt="risk-coverage curve"' in html
    assert deflection_section({"ece": 0.1}) == []  # older runs without the figures render nothing
