"""Contract tests every LexicalIndex backend must pass, plus each backend's own BM25 formula."""

import json
import math

import pytest

from retrieval.bm25 import (
    BACKENDS,
    Bm25sIndex,
    RankBm25Index,
    load_lexical_index,
    make_lexical_index,
)
from retrieval.errors import RetrievalError

pytestmark = pytest.mark.unit

# Eight short help-center articles. Each query term below occurs in few of them, because
# BM25Okapi gives terms found in half the documents or more a floored idf.
CORPUS = {
    "billing-invoice": "Where to download invoices for your subscription and past payments",
    "billing-refund": "Refunds are issued to the original card within ten days of a cancellation",
    "account-2fa": "Turn on two-factor authentication (2FA) with an authenticator app",
    "account-password": "Reset a forgotten password from the sign-in page using your e-mail",
    "account-logout": "Log out of every device at once from security settings",
    "api-keys": "Create and rotate API keys; old keys stop working after rotation",
    "shipping-times": "Shipping times for orders depend on the destination country",
    "shipping-tracking": "Track a shipped order with the tracking number in the confirmation e-mail",
}
IDS, TEXTS = list(CORPUS), list(CORPUS.values())


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def index(backend):
    built = make_lexical_index(backend)
    built.build(IDS, TEXTS)
    return built


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("how do I get a refund?", "billing-refund"),
        ("download my invoice", "billing-invoice"),
        ("enable 2FA", "account-2fa"),
        ("forgot password", "account-password"),
        ("rotate an API key", "api-keys"),
        ("where is my shipment? tracking number", "shipping-tracking"),
    ],
)
def test_right_document_ranks_first(index, query, expected_first):
    hits = index.search(query, k=3)
    assert hits[0][0] == expected_first, hits


def test_results_are_positive_and_best_first(index):
    hits = index.search("order shipping e-mail", k=10)
    assert hits
    scores = [score for _, score in hits]
    assert all(score > 0 for score in scores)
    assert scores == sorted(scores, reverse=True)
    assert all(isinstance(doc_id, str) and isinstance(score, float) for doc_id, score in hits)


def test_k_limits_and_may_exceed_corpus(index):
    assert len(index.search("order shipping e-mail", k=1)) == 1
    everything = index.search("order shipping e-mail", k=1000)
    assert 1 < len(everything) <= len(IDS)


def test_equal_scores_are_ordered_by_id(backend):
    index = make_lexical_index(backend)
    # Identical texts score identically; ids are given out of order on purpose.
    texts = ["refund policy", "refund policy", "refund policy", "shipping", "invoice", "password", "api"]
    index.build(["c", "a", "b", "x1", "x2", "x3", "x4"], texts)
    hits = index.search("refund", k=2)
    assert [doc_id for doc_id, _ in hits] == ["a", "b"]
    assert hits[0][1] == hits[1][1]


def test_allowed_restricts_results_without_changing_scores(index):
    unrestricted = dict(index.search("order e-mail shipping", k=10))
    allowed = {"shipping-times", "account-password", "not-in-this-index"}
    hits = index.search("order e-mail shipping", k=10, allowed=allowed)
    assert {doc_id for doc_id, _ in hits} == {"shipping-times", "account-password"}
    assert all(unrestricted[doc_id] == score for doc_id, score in hits)


def test_allowed_applies_before_k(index):
    # The best allowed document is found even when k unrestricted hits would all be excluded.
    hits = index.search("shipping order e-mail", k=1, allowed={"account-password"})
    assert [doc_id for doc_id, _ in hits] == ["account-password"]


def test_empty_allowed_set_gives_nothing(index):
    assert index.search("refund", k=5, allowed=set()) == []


@pytest.mark.parametrize("query", ["", "   ", "the and of", "zebra quokka"])
def test_query_without_known_terms_gives_nothing(index, query):
    assert index.search(query, k=5) == []


def test_empty_and_termless_corpora(backend, tmp_path):
    unbuilt = make_lexical_index(backend)
    assert len(unbuilt) == 0 and unbuilt.search("refund", k=5) == []

    empty = make_lexical_index(backend)
    empty.build([], [])
    assert len(empty) == 0 and empty.search("refund", k=5) == []

    stopwords_only = make_lexical_index(backend)
    stopwords_only.build(["a", "b"], ["the and", ""])
    assert len(stopwords_only) == 2 and stopwords_only.search("the refund", k=5) == []
    stopwords_only.save(tmp_path / "termless")
    reloaded = type(stopwords_only).load(tmp_path / "termless")
    assert len(reloaded) == 2 and reloaded.search("refund", k=5) == []


def test_rebuild_replaces_the_corpus(index):
    index.build(["only"], ["refund"])
    assert len(index) == 1
    assert index.search("invoice", k=5) == []


QUERIES = ["refund card", "invoice", "order e-mail shipping", "log out device", "2fa app", "nothing known"]


def test_save_load_roundtrip_gives_identical_results(index, tmp_path):
    index.save(tmp_path / "idx")
    loaded = type(index).load(tmp_path / "idx")
    assert len(loaded) == len(index) == len(IDS)
    for query in QUERIES:
        assert loaded.search(query, k=10) == index.search(query, k=10)
        subset = {"shipping-times", "billing-refund", "account-logout"}
        assert loaded.search(query, k=2, allowed=subset) == index.search(query, k=2, allowed=subset)
    assert load_lexical_index(tmp_path / "idx").search("refund", k=3) == index.search("refund", k=3)


def test_save_writes_no_pickles(index, tmp_path):
    index.save(tmp_path / "idx")
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["backend"] == index.backend and manifest["count"] == len(IDS)
    suffixes = {p.suffix for p in (tmp_path / "idx").rglob("*") if p.is_file()}
    assert suffixes <= {".json", ".npy", ".gz"}, suffixes


def test_load_refuses_missing_foreign_and_stale_folders(index, tmp_path):
    with pytest.raises(RetrievalError, match="manifest.json is missing"):
        type(index).load(tmp_path / "nothing-here")

    index.save(tmp_path / "idx")
    other = RankBm25Index if isinstance(index, Bm25sIndex) else Bm25sIndex
    with pytest.raises(RetrievalError, match="load_lexical_index"):
        other.load(tmp_path / "idx")

    manifest_path = tmp_path / "idx" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "tokenizer": "0"}))
    with pytest.raises(RetrievalError, match="tokenizer version '0'"):
        type(index).load(tmp_path / "idx")


def test_argument_errors_name_the_bad_value(backend):
    index = make_lexical_index(backend)
    with pytest.raises(ValueError, match="same length, got 2 ids and 1 texts"):
        index.build(["a", "b"], ["text"])
    with pytest.raises(ValueError, match=r"repeated: \['a'\]"):
        index.build(["a", "b", "a"], ["x", "y", "z"])
    with pytest.raises(ValueError, match="k must be greater than 0, got 0"):
        index.search("refund", k=0)
    with pytest.raises(ValueError, match="b must be between 0 and 1"):
        make_lexical_index(backend, b=1.5)
    with pytest.raises(ValueError, match="k1 must be >= 0"):
        make_lexical_index(backend, k1=-1)


def test_unknown_backend_lists_the_choices():
    with pytest.raises(ValueError, match=r"'bm25'.*bm25s, rank-bm25"):
        make_lexical_index("bm25")  # type: ignore[arg-type]


# --- each backend computes its own BM25 variant -----------------------------------------------

FORMULA_TEXTS = ["refund refund card", "refund", "card", "shipping", "invoice", "password", "tracking"]


def _tf_part(tf: int, doc_len: int, avg_len: float, k1: float = 1.2, b: float = 0.75) -> float:
    return tf / (tf + k1 * (1 - b + b * doc_len / avg_len))


# Lucene (since 8.0) drops BM25's constant (k1 + 1) factor, and so does bm25s: its scores are
# rank_bm25's divided by 2.2 at k1=1.2, apart from the idf. Scores are not comparable across
# backends, only rankings.
@pytest.mark.parametrize(
    ("backend", "idf", "scale"),
    [
        ("bm25s", lambda df, n: math.log(1 + (n - df + 0.5) / (df + 0.5)), 1.0),
        ("rank-bm25", lambda df, n: math.log((n - df + 0.5) / (df + 0.5)), 1.2 + 1),  # no idf floor here
    ],
)
def test_scores_match_the_backends_formula(backend, idf, scale):
    index = make_lexical_index(backend)
    ids = [f"d{i}" for i in range(len(FORMULA_TEXTS))]
    index.build(ids, FORMULA_TEXTS)
    n, avg_len = len(ids), sum(len(t.split()) for t in FORMULA_TEXTS) / len(ids)
    expected = {
        "d0": scale * idf(2, n) * _tf_part(2, 3, avg_len),
        "d1": scale * idf(2, n) * _tf_part(1, 1, avg_len),
    }
    got = dict(index.search("refund", k=10))
    assert got.keys() == expected.keys()
    for doc_id, score in expected.items():
        assert got[doc_id] == pytest.approx(score, rel=1e-5)
