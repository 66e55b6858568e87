import json

import numpy as np
import pytest

from assistant.calibration import Row, coverage_curve, ece, fit_calibration, label_of, split
from assistant.confidence import FEATURES, load_calibration, read_calibration, write_calibration
from assistant.errors import CalibrationError
from assistant.models import Answer, Citation, Sentence

pytestmark = pytest.mark.unit


def synthetic_rows(n: int, seed: int = 0) -> list[Row]:
    """Labels drawn from a known logistic model of two features: a well-specified fit must be calibrated."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        f = {k: float(rng.uniform(0, 1)) for k in FEATURES}
        p = 1 / (1 + np.exp(-(6 * f["top_dense"] + 3 * f["coverage"] - 4.5)))
        rows.append(Row("synthetic", f"q{i:04d}", f, int(rng.uniform() < p)))
    return rows


def test_fit_on_synthetic_data_is_well_calibrated_on_held_out():
    cal = fit_calibration(synthetic_rows(3000), seed=1, test_share=0.3)
    held = cal.metrics["held_out"]
    assert held["n"] == 900
    assert held["ece"] < 0.04
    w = dict(zip(cal.features, cal.coef, strict=True))
    assert w["top_dense"] > 0.5 and w["coverage"] > 0.3
    assert cal.version.startswith("cal-")


def test_ece_known_values():
    assert ece([0.9, 0.9, 0.9, 0.9], [1, 1, 1, 0]) == pytest.approx(0.15)
    assert ece([0.2, 0.8], [0, 1]) == pytest.approx(0.2)


def test_coverage_curve_is_monotone_in_coverage():
    curve = coverage_curve([0.1, 0.5, 0.9, 0.95], [0, 0, 1, 1])
    cov = [p["coverage"] for p in curve]
    assert cov == sorted(cov, reverse=True) and curve[0]["coverage"] == 1.0
    assert curve[9]["accuracy"] == 1.0  # threshold 0.9: only the two correct ones


def test_split_is_seeded_and_stratified():
    rows = synthetic_rows(200) + [Row("oos", f"o{i}", {k: 0.0 for k in FEATURES}, 0) for i in range(10)]
    a, b = split(rows, 0.3, 7), split(rows, 0.3, 7)
    assert a == b
    assert sum(r.dataset == "oos" for r in a[1]) == 3


def test_version_is_a_content_hash(tmp_path):
    cal = fit_calibration(synthetic_rows(300), seed=2)
    path = write_calibration(cal, tmp_path / "c.json")
    again = read_calibration(path)
    assert again.version == cal.version
    data = json.loads(path.read_text())
    data["coef"][0] += 1
    path.write_text(json.dumps(data))
    assert read_calibration(path).content_hash() != cal.version


def test_fit_needs_both_labels():
    rows = [Row("d", f"q{i}", {k: 0.5 for k in FEATURES}, 1) for i in range(20)]
    with pytest.raises(CalibrationError, match="both correct and incorrect"):
        fit_calibration(rows)


def test_packaged_default_loads(make_settings):
    cal = load_calibration(make_settings())
    assert cal.features == FEATURES and cal.version.startswith("cal-")
    assert 0.0 <= cal.predict({k: 0.5 for k in FEATURES}) <= 1.0


def test_label_definition():
    ans = Answer(request_id="r", ticket="t", draft="d", confidence=0.5, confidence_label="medium",
                 decision="answer", provider="extractive", prompt_version="p1",
                 citations=[Citation(n=1, chunk_id="c", doc_id="a.md", title="A", quote="q")],
                 sentences=[Sentence(text="s", citations=[1], supported=True),
                            Sentence(text="t", citations=[1], supported=False)])
    assert label_of(ans, ["a.md"], False, 0.5) == 1
    assert label_of(ans, ["a.md"], False, 0.8) == 0  # half the sentences unsupported
    assert label_of(ans, ["b.md"], False, 0.5) == 0
    assert label_of(ans, [], True, 0.5) == 0  # out of scope: any draft is wrong


def test_joint_fit_shares_slopes_and_keeps_each_base_rate():
    """Two help centers, same feature effects, different base rates: one intercept each."""
    rng = np.random.default_rng(3)
    rows = []
    for name, offset in (("clean", 1.5), ("noisy", -1.0)):
        for i in range(1500):
            f = {k: float(rng.uniform(0, 1)) for k in FEATURES}
            p = 1 / (1 + np.exp(-(5 * f["agreement"] - 2.5 + offset)))
            rows.append(Row(name, f"{name}{i:04d}", f, int(rng.uniform() < p)))
    cal = fit_calibration(rows, seed=4)
    assert cal.profile == "clean" and cal.intercept == cal.intercepts["clean"]
    assert cal.intercepts["clean"] - cal.intercepts["noisy"] == pytest.approx(2.5, abs=0.5)
    for name in ("clean", "noisy"):
        assert cal.metrics["cross_validated"][name]["ece"] < 0.05
    f = {k: 0.5 for k in FEATURES}
    assert cal.predict(f, "clean") > cal.predict(f, "noisy") and cal.predict(f) == cal.predict(f, "clean")


def _hit(doc: str, fused: float, rank: int):
    from retrieval.models import Hit, Scores

    return Hit(rank=rank, chunk_id=f"{doc}#{rank}", doc_id=doc, title=doc, text="t", source=doc, score=fused,
               scores=Scores(fused=fused), index_version=1)


def test_doc_margin_compares_articles_not_chunks_of_one_article():
    from assistant.confidence import doc_margin
    from assistant.context import SourceBlock

    hits = [_hit("a.md", 1.0, 1), _hit("a.md", 0.9, 2), _hit("b.md", 0.6, 3), _hit("c.md", 0.5, 4)]
    blocks = [SourceBlock(n=1, hit=hits[0], text="t"), SourceBlock(n=2, hit=hits[2], text="t")]
    cites_a = [Sentence(text="s", citations=[1], supported=True)]
    assert doc_margin(hits, blocks, cites_a) == pytest.approx(0.4)  # a's best 1.0 against b's best 0.6
    cites_b = [Sentence(text="s", citations=[2], supported=True)]
    assert doc_margin(hits, blocks, cites_b) == pytest.approx(-0.4)  # the draft cites the runner-up
    assert doc_margin(hits[:2], blocks[:1], cites_a) == pytest.approx(1.0)  # no other article at all
    assert doc_margin([], [], []) == 0.0


def test_runner_up_is_the_rival_doc_margin_measures_against():
    from assistant.confidence import runner_up
    from assistant.context import SourceBlock

    hits = [_hit("a.md", 1.0, 1), _hit("a.md", 0.9, 2), _hit("b.md", 0.6, 3), _hit("c.md", 0.5, 4)]
    blocks = [SourceBlock(n=1, hit=hits[0], text="t"), SourceBlock(n=2, hit=hits[2], text="t")]
    assert runner_up(hits, blocks, [Sentence(text="s", citations=[1], supported=True)]).doc_id == "b.md"
    assert runner_up(hits, blocks, [Sentence(text="s", citations=[2], supported=True)]).doc_id == "a.md"
    assert runner_up(hits[:2], blocks[:1], []) is None and runner_up([], [], []) is None


def test_an_article_that_answers_another_ask_is_no_rival():
    from assistant.confidence import co_answers, doc_margin, runner_up
    from assistant.context import SourceBlock

    # "Turn on 2FA? And invite a member?": the invite article ranks as high as the 2FA article.
    hits = [_hit("2fa.md", 1.0, 1), _hit("invite.md", 1.0, 2), _hit("login.md", 0.4, 3)]
    blocks = [SourceBlock(n=1, hit=hits[0], text="t"), SourceBlock(n=2, hit=hits[1], text="t")]
    sentences = [Sentence(text="s", citations=[1], supported=True), Sentence(text="u", citations=[2], supported=True)]
    others = co_answers(blocks, sentences, [0, 1])
    assert others == {"invite.md"}
    assert doc_margin(hits, blocks, sentences) == pytest.approx(0.0)
    assert doc_margin(hits, blocks, sentences, others) == pytest.approx(0.6)  # against login.md
    assert runner_up(hits, blocks, sentences, others).doc_id == "login.md"
    # One ask, or both parts from one article: nothing is set aside.
    assert co_answers(blocks, sentences, None) == set() and co_answers(blocks, sentences[:1] * 2, [0, 1]) == set()


def test_contributions_add_up_to_the_logit(make_settings):
    cal = load_calibration(make_settings())
    f = {k: 0.5 for k in FEATURES}
    logit = sum(cal.contributions(f).values()) + cal.intercept
    assert cal.predict(f) == pytest.approx(1 / (1 + np.exp(-logit)))
    assert min(cal.contributions({**f, "doc_margin": -0.5}).items(), key=lambda kv: kv[1])[0] == "doc_margin"


def test_unknown_terms_is_the_worst_ask_not_the_ticket_average():
    from assistant.confidence import features
    from assistant.vocabulary import Vocabulary

    vocab = Vocabulary.from_texts(["refund a payment from the payments page", "invoice numbering and templates"])
    hits = [_hit("a.md", 1.0, 1)]
    asked = ["how do I refund a payment", "do you offer forward contracts for hedging"]
    whole = features(" ".join(asked), hits, [], [], 0.5, vocab)["unknown_terms"]
    per_ask = features(" ".join(asked), hits, [], [], 0.5, vocab, asks=asked)["unknown_terms"]
    assert per_ask > whole > 0.0  # the hedging ask is mostly words this help center never uses
    assert features("refund a payment", hits, [], [], 0.5, vocab, asks=["refund a payment"])["unknown_terms"] == 0.0
