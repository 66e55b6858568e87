"""Answer metrics as pure functions over hand-made (Query, Answer) pairs."""

import pytest

from assistant.models import Answer, Citation, Sentence
from evals.answers import (
    abstention,
    answer_metrics,
    calibration,
    citation_precision,
    is_correct,
    latency,
    rouge_l_f1,
    supported_share,
    usage,
)
from evals.datasets import Query

pytestmark = pytest.mark.unit


def answer(decision="answer", draft="", cites=(), sentences=(), confidence=0.5, timings=None, cost=0.0,
           tokens=(0, 0)) -> Answer:
    return Answer(
        request_id="r", ticket="t", draft=draft, confidence=confidence,
        confidence_label="high" if confidence >= 0.7 else "low", decision=decision, provider="test",
        prompt_version="p1", timings=timings or {}, cost=cost, tokens_in=tokens[0], tokens_out=tokens[1],
        citations=[Citation(n=i + 1, chunk_id=f"c{i}", doc_id=d, title=d, quote="q") for i, d in enumerate(cites)],
        sentences=[Sentence(text=f"s{i}", supported=s) for i, s in enumerate(sentences)],
    )


Q_IN = Query(qid="1", text="how to refund", relevant=["refund.md"], answer="open payments and click refund")
Q_IN2 = Query(qid="2", text="reset password", relevant=["password.md"], answer="use the forgot password link")
Q_OUT = Query(qid="3", text="payroll?", relevant=[], out_of_scope=True)


def test_rouge_l_ignores_citation_markers_and_escalations():
    pairs = [(Q_IN, answer(draft="Open payments and click refund [1].")),
             (Q_IN2, answer(decision="escalate", draft=""))]
    assert rouge_l_f1(pairs) == pytest.approx(1.0)
    assert rouge_l_f1([(Q_OUT, answer(draft="x"))]) is None


def test_citation_precision_counts_each_citation():
    pairs = [(Q_IN, answer(cites=["refund.md", "other.md"])), (Q_IN2, answer(cites=["password.md"]))]
    assert citation_precision(pairs) == pytest.approx(2 / 3)


def test_abstention_precision_and_recall():
    pairs = [(Q_OUT, answer(decision="escalate")), (Q_IN, answer(decision="escalate")),
             (Q_IN2, answer()), (Q_OUT.model_copy(update={"qid": "4"}), answer())]
    assert abstention(pairs) == {"abstention_precision": 0.5, "abstention_recall": 0.5}
    assert abstention([(Q_IN, answer())]) == {"abstention_precision": None, "abstention_recall": None}


def test_supported_sentence_share():
    pairs = [(Q_IN, answer(sentences=[True, True, False])), (Q_IN2, answer(sentences=[True]))]
    assert supported_share(pairs) == pytest.approx(3 / 4)


def test_is_correct_needs_a_relevant_citation_and_a_close_answer():
    assert is_correct(Q_IN, answer(draft="Open payments and click refund [1].", cites=["refund.md"]))
    assert not is_correct(Q_IN, answer(draft="Open payments and click refund [1].", cites=["other.md"]))
    assert not is_correct(Q_IN, answer(draft="Bananas are yellow.", cites=["refund.md"]))
    assert not is_correct(Q_OUT, answer(draft="We do payroll."))


def test_ece_by_hand():
    # bin (0.8, 0.9]: confidences .9,.9 with 1 of 2 correct -> gap .4; bin (0.1, 0.2]: .2 with 0 correct -> gap .2
    cal = calibration([0.9, 0.9, 0.2], [True, False, False], n_bins=10)
    assert cal["ece"] == pytest.approx(2 / 3 * 0.4 + 1 / 3 * 0.2)
    assert [b["count"] for b in cal["bins"]] == [1, 2]
    assert calibration([1.0, 0.0], [True, False])["ece"] == pytest.approx(0.0)
    with pytest.raises(ValueError):
        calibration([0.5], [])


def test_latency_percentiles_and_usage():
    pairs = [(Q_IN, answer(timings={"retrieve": 0.1 * i, "generate": 1.0}, cost=0.002, tokens=(100, 20)))
             for i in range(1, 11)]
    lat = latency(pairs)
    assert lat["retrieve"]["p50"] == pytest.approx(0.55) and lat["retrieve"]["p95"] == pytest.approx(0.955)
    assert lat["total"]["p50"] == pytest.approx(1.55)
    u = usage(pairs)
    assert u["tokens_in_per_answer"] == 100 and u["cost_total"] == pytest.approx(0.02)


def test_answer_metrics_bundle():
    pairs = [(Q_IN, answer(draft="Open payments and click refund [1].", cites=["refund.md"], confidence=0.9)),
             (Q_OUT, answer(decision="escalate", confidence=0.1))]
    m = answer_metrics(pairs)
    assert m["n_answers"] == 2 and m["answered"] == 1 and m["abstention_recall"] == 1.0
    assert m["ece"] == pytest.approx((0.1 + 0.1) / 2)
