"""The HTML report is one self-contained file with inlined PNG charts."""

import re

import pytest

from evals.models import EvalRun, QueryResult
from evals.report import write_report

pytestmark = pytest.mark.unit


def run(mode: str, answers: dict | None = None) -> EvalRun:
    qs = [QueryResult(qid=f"q{i}", question="q<script>", category=c, first_relevant_rank=r,
                      metrics={"hit@5": float(r is not None and r <= 5), "mrr@10": 1 / r if r else 0.0,
                               "ndcg@10": 0.5})
          for i, (c, r) in enumerate([("normal", 1), ("normal", 3), ("yes_no", None), ("yes_no", 12)])]
    return EvalRun(run_id=f"r-{mode}", created_at="2026-01-01T00:00:00+00:00", dataset="demo", mode=mode,
                   n_queries=4, metrics={"hit@5": 0.5, "mrr@10": 0.33, "ndcg@10": 0.5},
                   per_category={"normal": {"hit@5": 1.0, "mrr@10": 0.67, "ndcg@10": 0.5, "n_queries": 2},
                                 "yes_no": {"hit@5": 0.0, "mrr@10": 0.0, "ndcg@10": 0.5, "n_queries": 2}},
                   queries=qs, answers=answers, notes=["a <note>"])


def test_report_inlines_charts_and_escapes_text(tmp_path):
    answers = {"rouge_l_f1": 0.4, "ece": 0.12, "latency": {"total": {"p50": 1.0, "p95": 2.0, "n": 4}},
               "reliability": [{"low": 0.8, "high": 0.9, "count": 2, "confidence": 0.85, "accuracy": 0.5}]}
    path = write_report([run("bm25"), run("hybrid", answers)], tmp_path / "out" / "r.html")
    html = path.read_text()
    images = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert {alt for alt, _ in images} == {"ndcg@10 per category", "hit@5 per category", "rank distribution",
                                         "reliability diagram"}
    assert all(len(data) > 1000 for _, data in images)
    assert "<script>" not in html and "a &lt;note&gt;" in html
    assert "http://" not in html and "https://" not in html  # nothing to fetch: opens offline
    assert html.count("<tr>") >= 3
