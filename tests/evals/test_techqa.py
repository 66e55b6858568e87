"""The TechQA loader (tiny temp files and, when present, the shared sample) and the support metrics
over hand-made (Query, Answer) pairs with values worked out by hand."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from scipy.stats import binomtest

from assistant.models import Answer, Citation, Sentence
from evals.answers import rouge_l as rouge_pair
from evals.datasets import Query
from evals.datasets.techqa import FOLDER, RAW_FILE, answer_in_text, load_techqa, parse_technote
from evals.errors import DatasetFormatError, DatasetNotFound
from evals.support_metrics import (
    answered_precision,
    answered_share,
    bootstrap_mean,
    out_of_scope_answered,
    risk_coverage,
    rouge_l,
    safe_deflection,
    support_metrics,
    wilson,
)

# --- loader on temp files -------------------------------------------------------------------------

NOTE_A = "Title: Fix A\nfor B - United States\n\nText:\n TECHNOTE\n\n To fix A,   restart the\n server.\n"
NOTE_B = "Title: Limit B - United States\n\nText:\nABSTRACT\n B is limited." + " padding" * 10


def _item(qid, question="q?", answer="-", impossible=False, contexts=()):
    return {"id": qid, "question": question, "answer": answer, "is_impossible": impossible,
            "contexts": [{"filename": f, "text": t} for f, t in contexts]}


ITEMS = [
    _item("TRAIN_Q010", "Why does A fail?\n\nIt fails.  ", "To fix A, restart the server.",
          contexts=[("swg2.txt", NOTE_A)]),
    _item("TRAIN_Q002", "Is B limited?", "B is limited beyond the cut, so the span is not in the text",
          contexts=[("swg1.txt", NOTE_B)]),
    _item("TRAIN_Q9", "Payroll?", impossible=True),
    _item("TRAIN_Q003", "A again", "to fix a, restart the server", contexts=[("swg2.txt", NOTE_A)]),
]


def _write(root: Path, lines: list[str]) -> Path:
    path = root / FOLDER / RAW_FILE
    path.parent.mkdir(parents=True)
    path.write_text("".join(ln + "\n" for ln in lines), encoding="utf-8")
    return root


@pytest.mark.unit
def test_tiny_file_gives_queries_in_id_order_and_distinct_technotes(tmp_path):
    queries, records = load_techqa(_write(tmp_path, [json.dumps(i) for i in ITEMS]))
    assert [q["qid"] for q in queries] == ["TRAIN_Q002", "TRAIN_Q003", "TRAIN_Q9", "TRAIN_Q010"]
    by_id = {q["qid"]: q for q in queries}
    assert by_id["TRAIN_Q010"] == {"qid": "TRAIN_Q010", "text": "Why does A fail?\n\nIt fails.",
                                   "relevant": ["swg2.txt"], "answer": "To fix A, restart the server.",
                                   "category": "in_text", "out_of_scope": False}
    assert by_id["TRAIN_Q002"]["category"] == "not_in_text"
    # matching is case-sensitive: the lower-case span is not the technote's text
    assert by_id["TRAIN_Q003"]["category"] == "not_in_text"
    assert by_id["TRAIN_Q9"] == {"qid": "TRAIN_Q9", "text": "Payroll?", "relevant": [], "answer": "",
                                 "category": "out_of_scope", "out_of_scope": True}
    assert [r.id for r in records] == ["swg1.txt", "swg2.txt"]
    assert records[1].title == "Fix A for B - United States"
    assert records[1].lines == ["TECHNOTE", "To fix A,   restart the", "server."]
    assert [Query(**q).qid for q in queries]  # the fields are what evals.datasets.Query takes


@pytest.mark.unit
def test_answer_in_text_normalises_whitespace_and_uses_the_first_50_characters():
    text = "Title: t\n\nText:\n" + "word " * 12 + "\n  end of the cut"
    assert answer_in_text("word  word\nword", text)
    assert answer_in_text("word " * 10 + "and then text that was cut away", text)  # first 50 chars in text
    assert not answer_in_text("word " * 9 + "gone", text)
    assert not answer_in_text("", text)


@pytest.mark.unit
def test_parse_technote_needs_title_and_text():
    assert parse_technote("Title: T\n\nText:\nbody\n\n more") == ("T", ["body", "more"])
    with pytest.raises(DatasetFormatError, match="Title"):
        parse_technote("no title here", "x.txt")


@pytest.mark.unit
def test_bad_json_line_names_file_and_line(tmp_path):
    root = _write(tmp_path, [json.dumps(ITEMS[0]), '{"id": "TRAIN_Q1", "question": ', json.dumps(ITEMS[1])])
    with pytest.raises(DatasetFormatError, match=r"techqa_rag_eval_sample\.jsonl:2: not a TechQA item"):
        load_techqa(root)


@pytest.mark.unit
def test_missing_field_names_the_field(tmp_path):
    bad = {k: v for k, v in ITEMS[0].items() if k != "is_impossible"}
    with pytest.raises(DatasetFormatError, match=r":1: not a TechQA item \(is_impossible: Field required"):
        load_techqa(_write(tmp_path, [json.dumps(bad)]))


@pytest.mark.unit
@pytest.mark.parametrize("item, message", [
    (_item("TRAIN_Q1", impossible=True, contexts=[("swg1.txt", NOTE_B)]),
     "is_impossible=True but 1 contexts"),
    (_item("TRAIN_Q1", answer="x"), "is_impossible=False but 0 contexts"),
    (_item("TRAIN_Q1", answer="x", contexts=[("swg1.txt", "no title")]), "swg1.txt: technote text"),
])
def test_inconsistent_items_are_format_errors(tmp_path, item, message):
    with pytest.raises(DatasetFormatError, match=message):
        load_techqa(_write(tmp_path, [json.dumps(item)]))


@pytest.mark.unit
def test_duplicate_ids_and_conflicting_technotes_are_format_errors(tmp_path):
    with pytest.raises(DatasetFormatError, match="TRAIN_Q010 appears twice"):
        load_techqa(_write(tmp_path / "a", [json.dumps(ITEMS[0])] * 2))
    other = _item("TRAIN_Q011", answer="x", contexts=[("swg2.txt", NOTE_B)])
    with pytest.raises(DatasetFormatError, match="swg2.txt has two different texts"):
        load_techqa(_write(tmp_path / "b", [json.dumps(ITEMS[0]), json.dumps(other)]))


@pytest.mark.unit
def test_missing_or_empty_file(tmp_path):
    with pytest.raises(DatasetNotFound, match="DEFLECT_EVAL_DATASETS_DIR"):
        load_techqa(tmp_path)
    with pytest.raises(DatasetFormatError, match="no TechQA items"):
        load_techqa(_write(tmp_path, [""]))


# --- loader on the shared sample ------------------------------------------------------------------

REAL = Path(os.environ.get("DEFLECT_EVAL_DATASETS_DIR")
            or Path(__file__).resolve().parents[3] / "shared" / "datasets")
NO_REAL = f"shared TechQA sample not at {REAL / FOLDER / RAW_FILE} (set DEFLECT_EVAL_DATASETS_DIR)"


@pytest.mark.skipif(not (REAL / FOLDER / RAW_FILE).is_file(), reason=NO_REAL)
def test_real_sample_counts():
    queries, records = load_techqa(REAL)
    assert len(queries) == 480
    assert len({q["qid"] for q in queries}) == 480
    assert Counter(q["out_of_scope"] for q in queries) == {False: 384, True: 96}
    assert Counter(q["category"] for q in queries) == {"in_text": 332, "not_in_text": 52, "out_of_scope": 96}
    assert len(records) == 337
    ids = {r.id for r in records}
    assert all(len(q["relevant"]) == 1 and q["relevant"][0] in ids and q["answer"]
               for q in queries if not q["out_of_scope"])
    assert all(q["relevant"] == [] and q["answer"] == "" for q in queries if q["out_of_scope"])
    assert all(r.title and r.lines and not r.title.startswith("Title") for r in records)
    assert (queries, records) == load_techqa(REAL)  # deterministic


# --- support metrics on hand-made pairs -----------------------------------------------------------

def answer(decision="answer", cites=(), confidence=0.5, body=()) -> Answer:
    return Answer(
        request_id="r", ticket="t", draft=" ".join(body), confidence=confidence,
        confidence_label="high" if confidence >= 0.7 else "low", decision=decision, provider="test",
        prompt_version="p1",
        citations=[Citation(n=i + 1, chunk_id=f"c{i}", doc_id=d, title=d, quote="q")
                   for i, d in enumerate(cites)],
        sentences=[Sentence(text=t, citations=[1], supported=True) for t in body],
    )


def query(qid, relevant=(), category="in_text", answer_text="", oos=False) -> Query:
    return Query(qid=qid, text=f"question {qid}", relevant=list(relevant), answer=answer_text,
                 category=category, out_of_scope=oos)


REFUND = "open payments and click refund"
PASSWORD = "use the forgot password link"
# I1 answered right; I2 answered citing a wrong doc first; I3 escalated (its first citation is right);
# I4 answered right, no reference answer; O1 out of scope answered; O2 out of scope escalated.
PAIRS = [
    (query("I1", ["a.txt"], answer_text=REFUND), answer(cites=["a.txt"], confidence=0.9, body=[REFUND])),
    (query("I2", ["b.txt"], answer_text=PASSWORD),
     answer(cites=["x.txt", "b.txt"], confidence=0.8, body=["Click Forgot password on the sign-in page."])),
    (query("I3", ["c.txt"], "not_in_text", answer_text="cut away"),
     answer("escalate", cites=["c.txt"], confidence=0.3, body=["cut away"])),
    (query("I4", ["d.txt"]), answer(cites=["d.txt"], confidence=0.6, body=["whatever"])),
    (query("O1", category="out_of_scope", oos=True),
     answer(cites=["a.txt"], confidence=0.7, body=[REFUND])),
    (query("O2", category="out_of_scope", oos=True), answer("escalate", confidence=0.2)),
]


def _check_interval(est: dict, value: float, k: int, n: int):
    assert est["value"] == pytest.approx(value)
    assert (est["k"], est["n"]) == (k, n)
    ci = binomtest(k, n).proportion_ci(0.95, method="wilson")
    assert (est["ci_low"], est["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert est["ci_low"] <= est["value"] <= est["ci_high"]


@pytest.mark.unit
def test_shares_with_wilson_intervals():
    _check_interval(answered_share(PAIRS), 3 / 4, 3, 4)          # I1 I2 I4 of the 4 in scope
    _check_interval(answered_precision(PAIRS), 2 / 3, 2, 3)      # I1 I4 of I1 I2 I4
    _check_interval(safe_deflection(PAIRS), 2 / 4, 2, 4)         # I1 I4 of the 4 in scope
    _check_interval(out_of_scope_answered(PAIRS), 1 / 2, 1, 2)   # O1 of O1 O2


@pytest.mark.unit
def test_wilson_by_hand_and_edges():
    # 3 of 4, z = 1.959964: centre (0.75 + z²/8) / (1 + z²/4) = 0.62753,
    # half z / (1 + z²/4) * sqrt(0.75 * 0.25 / 4 + z²/64) = 0.32689
    est = wilson(3, 4)
    assert (est["ci_low"], est["ci_high"]) == pytest.approx((0.30064, 0.95442), abs=1e-5)
    assert wilson(0, 5)["ci_low"] == 0.0 and wilson(5, 5)["ci_high"] == 1.0
    assert wilson(0, 0) == {"value": None, "ci_low": None, "ci_high": None, "k": 0, "n": 0}
    with pytest.raises(ValueError):
        wilson(3, 2)


@pytest.mark.unit
def test_rouge_l_mean_over_answered_in_scope_with_reference():
    # I1 scores 1; I2 scores 0.2/0.65 (tests/evals/test_answers.py works it by hand); I3 escalated,
    # I4 has no reference, O1 is out of scope: none of them count.
    est = rouge_l(PAIRS)
    assert est["n"] == 2
    assert est["value"] == pytest.approx((1 + 0.2 / 0.65) / 2)
    assert rouge_pair(PASSWORD, "Click Forgot password on the sign-in page.") == pytest.approx(0.2 / 0.65)
    assert est["ci_low"] <= est["value"] <= est["ci_high"]
    assert est["ci_low"] >= 0.2 / 0.65 - 1e-9 and est["ci_high"] <= 1 + 1e-9
    assert rouge_l(PAIRS) == est  # seeded
    assert rouge_l(PAIRS[2:]) == {"value": None, "ci_low": None, "ci_high": None, "n": 0}


@pytest.mark.unit
def test_bootstrap_mean_is_seeded_and_holds_the_mean():
    values = [0.1, 0.4, 0.4, 0.9, 1.0]
    est = bootstrap_mean(values)
    assert est["value"] == pytest.approx(0.56) and est["n"] == 5
    assert 0.1 <= est["ci_low"] <= 0.56 <= est["ci_high"] <= 1.0
    assert bootstrap_mean(values) == est
    assert bootstrap_mean(values, seed=1) != est
    assert bootstrap_mean([0.3]) == {"value": 0.3, "ci_low": 0.3, "ci_high": 0.3, "n": 1}


@pytest.mark.unit
def test_risk_coverage_by_hand():
    # right (in scope, first citation relevant): I1, I3, I4 - the decision is ignored here.
    points = risk_coverage(PAIRS)
    got = [(p["threshold"], p["answered"], p["coverage"], p["risk"], p["safe_deflection"], p["oos_answered"])
           for p in points]
    expected = [
        (0.2, 6, 1.0, 3 / 6, 3 / 4, 2 / 2),     # everything
        (0.3, 5, 5 / 6, 2 / 5, 3 / 4, 1 / 2),   # O2 out
        (0.6, 4, 4 / 6, 2 / 4, 2 / 4, 1 / 2),   # I3 out
        (0.7, 3, 3 / 6, 2 / 3, 1 / 4, 1 / 2),   # I4 out
        (0.8, 2, 2 / 6, 1 / 2, 1 / 4, 0.0),     # O1 out
        (0.9, 1, 1 / 6, 0.0, 1 / 4, 0.0),       # I2 out: only I1
    ]
    assert got == [pytest.approx(e) for e in expected]
    coverage = [p["coverage"] for p in points]
    assert coverage == sorted(coverage, reverse=True)
    assert risk_coverage(PAIRS, thresholds=[0.95]) == [
        {"threshold": 0.95, "answered": 0, "coverage": 0.0, "risk": None, "safe_deflection": 0.0,
         "oos_answered": 0.0}]
    assert risk_coverage([]) == []
    assert risk_coverage(PAIRS[:4], thresholds=[0.0])[0]["oos_answered"] is None


@pytest.mark.unit
def test_support_metrics_overall_and_per_category_json_ready():
    out = support_metrics(PAIRS)
    assert json.loads(json.dumps(out)) == out
    assert (out["n"], out["n_in_scope"], out["n_out_of_scope"]) == (6, 4, 2)
    assert out["safe_deflection"]["value"] == 0.5 and out["level"] == 0.95
    assert out["split_by"] == "category" and list(out["groups"]) == ["in_text", "not_in_text", "out_of_scope"]
    in_text, cut, oos = (out["groups"][g] for g in ("in_text", "not_in_text", "out_of_scope"))
    assert in_text["answered_share"]["value"] == 1.0
    assert in_text["safe_deflection"]["value"] == pytest.approx(2 / 3)
    assert in_text["out_of_scope_answered"]["value"] is None
    # the cut-answer group is reported apart: escalated, nothing answered to measure
    assert cut["answered_share"]["value"] == 0.0 and cut["answered_precision"]["value"] is None
    assert cut["rouge_l"]["value"] is None
    assert oos["answered_share"]["value"] is None and oos["out_of_scope_answered"]["value"] == 0.5
    assert len(oos["risk_coverage"]) == 2
    assert support_metrics(PAIRS) == out
    assert "groups" not in support_metrics(PAIRS, split_by=None)
    with pytest.raises(ValueError, match="split_by"):
        support_metrics(PAIRS, split_by="nope")
    empty = support_metrics([])
    assert empty["answered_share"]["value"] is None and empty["groups"] == {} and empty["risk_coverage"] == []
