"""Answer metrics as pure functions over hand-made (Query, Answer) pairs."""

import itertools

import pytest

from assistant.calibration import label_of
from assistant.models import Answer, Citation, Sentence
from evals.answers import (
    abstention,
    answer_metrics,
    calibration,
    citation_precision,
    is_correct,
    latency,
    rouge_l,
    rouge_l_f1,
    supported_share,
    usage,
)
from evals.datasets import Query

pytestmark = pytest.mark.unit


def answer(decision="answer", draft="", cites=(), sentences=(), confidence=0.5, timings=None, cost=0.0,
           tokens=(0, 0), body=()) -> Answer:
    """`sentences`: supported flags of placeholder sentences; `body`: texts of supported, cited sentences."""
    sents = [Sentence(text=f"s{i}", supported=s) for i, s in enumerate(sentences)]
    sents += [Sentence(text=t, citations=[1], supported=True) for t in body]
    return Answer(
        request_id="r", ticket="t", draft=draft, confidence=confidence,
        confidence_label="high" if confidence >= 0.7 else "low", decision=decision, provider="test",
        prompt_version="p1", timings=timings or {}, cost=cost, tokens_in=tokens[0], tokens_out=tokens[1],
        citations=[Citation(n=i + 1, chunk_id=f"c{i}", doc_id=d, title=d, quote="q") for i, d in enumerate(cites)],
        sentences=sents,
    )


Q_IN = Query(qid="1", text="how to refund", relevant=["refund.md"], answer="open payments and click refund")
Q_IN2 = Query(qid="2", text="reset password", relevant=["password.md"], answer="use the forgot password link")
Q_OUT = Query(qid="3", text="payroll?", relevant=[], out_of_scope=True)


REPLY = "Hi,\n\nOpen payments and click refund [1].\n\nHope this helps!"


def test_rouge_l_scores_the_answer_sentences_not_greeting_or_sign_off():
    pairs = [(Q_IN, answer(draft=REPLY, body=["Open payments and click refund"])),
             (Q_IN2, answer(decision="escalate", draft=""))]
    assert rouge_l_f1(pairs) == pytest.approx(1.0)
    # By hand, the whole reply (marker dropped): 9 tokens (hi open ... refund hope this helps), LCS 5 of
    # the reference's 5: P = 5/9, R = 1, F1 = 2PR/(P+R) = 5/7. That is what scoring the draft reported.
    assert rouge_l(Q_IN.answer, REPLY) == pytest.approx(5 / 7)
    assert rouge_l_f1([(Q_OUT, answer(draft="x", body=["x"]))]) is None


def test_rouge_l_by_hand():
    # reference: use the forgot password link (5 tokens); answer: click forgot password on the sign in page
    # (8 tokens); LCS "forgot password" = 2 ("the" comes before it in one, after it in the other).
    # P = 2/8, R = 2/5, F1 = 2PR/(P+R) = 0.2/0.65.
    pairs = [(Q_IN2, answer(draft="Hi, ... [1]", body=["Click Forgot password on the sign-in page."]))]
    assert rouge_l_f1(pairs) == pytest.approx(0.2 / 0.65)


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


def test_is_correct_is_the_calibration_label():
    ok = answer(cites=["refund.md"], sentences=[True, True])
    assert is_correct(Q_IN, ok)
    assert is_correct(Q_IN, ok.model_copy(update={"decision": "escalate"}))  # the draft was right; see ECE
    assert not is_correct(Q_IN, answer(cites=["other.md", "refund.md"], sentences=[True]))  # first citation counts
    half = answer(cites=["refund.md"], sentences=[True, False])
    assert not is_correct(Q_IN, half) and is_correct(Q_IN, half, min_share=0.5)
    assert not is_correct(Q_IN, answer(cites=["refund.md"]))  # no sentences, nothing to be right about
    assert not is_correct(Q_OUT, answer(cites=["refund.md"], sentences=[True]))
    # One definition: every combination agrees with assistant.calibration.label_of.
    for q, cites, flags, share in itertools.product([Q_IN, Q_IN2, Q_OUT], [[], ["refund.md"], ["password.md"]],
                                                    [[], [True], [True, False]], [0.5, 0.8]):
        a = answer(cites=cites, sentences=flags)
        assert is_correct(q, a, share) == bool(label_of(a, q.relevant, q.out_of_scope, share))


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
    pairs = [(Q_IN, answer(draft=REPLY, body=["Open payments and click refund"], cites=["refund.md"], confidence=0.9)),
             (Q_OUT, answer(decision="escalate", confidence=0.1))]
    m = answer_metrics(pairs)
    assert m["n_answers"] == 2 and m["answered"] == 1 and m["abstention_recall"] == 1.0
    assert m["ece"] == pytest.approx((0.1 + 0.1) / 2) and m["correct_share"] == 0.5


def test_coverage_accuracy_by_hand():
    # confidences .9 (correct), .6 (wrong: irrelevant citation), .3 (correct), .1 (out of scope: wrong)
    pairs = [(Q_IN, answer(cites=["refund.md"], sentences=[True], confidence=0.9)),
             (Q_IN, answer(cites=["other.md"], sentences=[True], confidence=0.6)),
             (Q_IN2, answer(cites=["password.md"], sentences=[True], confidence=0.3)),
             (Q_OUT, answer(decision="escalate", confidence=0.1))]
    curve = {round(p["threshold"], 1): (p["coverage"], p["accuracy"]) for p in answer_metrics(pairs)["coverage_accuracy"]}
    assert curve[0.0] == (1.0, 0.5)
    assert curve[0.2] == (0.75, pytest.approx(2 / 3))
    assert curve[0.5] == (0.5, 0.5)
    assert curve[0.7] == (0.25, 1.0)
    assert curve[0.9] == (0.25, 1.0)  # confidence >= t: 0.9 is still answered at t = 0.9
