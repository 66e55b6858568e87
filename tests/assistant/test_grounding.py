import pytest

from assistant.context import SourceBlock
from assistant.grounding import SupportThresholds, Verifier, lexical_support, numbers_ok, supported_share
from retrieval.models import Hit, Scores


def block(n: int, text: str, doc: str = "a.md") -> SourceBlock:
    hit = Hit(rank=n, chunk_id=f"c{n}", doc_id=doc, title="T", text=text, source=doc, score=0.0,
              scores=Scores(), index_version=1)
    return SourceBlock(n=n, hit=hit, text=text)


REFUNDS = block(1, "You can refund a payment up to 180 days after it was made. Processing fees are not returned.")
PASSWORD = block(2, "The reset link is valid for 60 minutes and can be used once.", "b.md")


@pytest.mark.unit
def test_lexical_support_is_one_for_a_copied_sentence_and_low_for_unrelated():
    assert lexical_support("Processing fees are not returned.", REFUNDS.text) == 1.0
    assert lexical_support("Our office is in Berlin near the river.", REFUNDS.text) < 0.2


@pytest.mark.unit
def test_numbers_must_come_from_the_passage():
    assert numbers_ok("Refunds are possible for 180 days.", REFUNDS.text)
    assert not numbers_ok("Refunds are possible for 365 days.", REFUNDS.text)


@pytest.mark.unit
def test_verify_marks_wrong_numbers_and_uncited_claims():
    v = Verifier(None, SupportThresholds(0.6, 0.7))
    out = v.verify([("You can refund a payment up to 180 days after it was made.", [1]),
                    ("You can refund a payment up to 365 days after it was made.", [1]),
                    ("The reset link is valid for 60 minutes.", []),
                    ("Refunds are instant and free.", [2])], [REFUNDS, PASSWORD])
    assert [s.supported for s in out] == [True, False, True, False]
    assert out[2].citations == [2]  # an uncited but supported sentence gets its source attached
    assert supported_share(out) == 0.5


@pytest.mark.unit
def test_thresholds_are_checked():
    with pytest.raises(ValueError, match="between 0 and 1"):
        Verifier(None, SupportThresholds(1.5, 0.7))


@pytest.mark.integration
def test_semantic_support_accepts_a_paraphrase(embedder):
    v = Verifier(embedder, SupportThresholds(0.9, 0.6))
    para = "Payments may be refunded within 180 days of being made."
    out = v.verify([(para, [1]), ("Ledgerly sells card readers for shops.", [1])], [REFUNDS])
    assert out[0].supported and out[0].support >= 0.6
    assert not out[1].supported
