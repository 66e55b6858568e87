import pytest

from assistant.context import SourceBlock
from assistant.extractive import (
    CLOSING,
    GREETING,
    ExtractiveParams,
    Scored,
    best_window,
    extractive_draft,
    render,
    score_units,
)
from assistant.sentences import Unit
from retrieval.models import Hit, Scores


def unit(i: int, block: int = 1) -> Unit:
    return Unit(f"Sentence {i}.", i, "sentence", block)


@pytest.mark.unit
def test_best_window_takes_the_strong_contiguous_run():
    scores = [0.1, 0.9, 0.8, -0.5, 0.6]  # bridging the gap would cost more than the last unit adds
    scored = [Scored(s, 1, unit(i), s) for i, s in enumerate(scores)]
    got = best_window(scored, max_len=5, tau=0.3)
    assert [s.unit.index for s in got] == [1, 2]


@pytest.mark.unit
def test_best_window_stays_inside_one_block_and_caps_length():
    scored = [Scored(1.0, 1, unit(i), 1.0) for i in range(4)] + [Scored(1.0, 2, unit(i, 2), 1.0) for i in range(8)]
    got = best_window(scored, max_len=5, tau=0.1)
    assert len(got) == 5 and {s.block for s in got} == {2}


@pytest.mark.unit
def test_render_keeps_steps_as_lines_and_body_apart_from_greeting():
    text = render([("Open Payments.", [1]), ("Click Refund.", [1]), ("It takes 5 days.", [2])],
                  ["item", "item", "sentence"], greeting=True)
    assert text == f"{GREETING}\n\n- Open Payments [1].\n- Click Refund [1].\nIt takes 5 days [2].\n\n{CLOSING}"
    assert render([("A b c.", [1])], ["sentence"], greeting=False) == "A b c [1]."


def block(n: int, title: str, text: str) -> SourceBlock:
    hit = Hit(rank=n, chunk_id=f"c{n}", doc_id=f"{n}.md", title=title, text=text, source=f"{n}.md", score=0.0,
              scores=Scores(), index_version=1)
    return SourceBlock(n=n, hit=hit, text=text)


BLOCKS = [
    block(1, "Refund a payment", "1. Go to **Payments** and open the payment.\n2. Click **Refund**.\n"
          "3. Choose Full refund or Partial refund.\n\nRefunds reach the card in 5 to 10 business days."),
    block(2, "Reset your password", "Click Forgot password on the sign-in page. The link is valid for 60 minutes."),
]


@pytest.mark.integration
def test_extractive_draft_answers_from_the_right_block_with_citations(embedder):
    d = extractive_draft("how do I refund a customer", BLOCKS, embedder, max_sentences=5)
    assert d.sentences and all(c == [1] for _, c in d.sentences)
    assert "Click Refund [1]." in d.text and d.text.startswith(GREETING)
    assert "Click Refund." in d.body and "[1]" not in d.body
    assert len(d.sentences) <= 5 and d.best_similarity > 0.3


@pytest.mark.integration
def test_extractive_draft_is_deterministic_byte_for_byte(embedder):
    from assistant.memo import MemoEmbedder

    first = extractive_draft("password reset link expired", BLOCKS, MemoEmbedder(embedder), 3)
    second = extractive_draft("password reset link expired", BLOCKS, MemoEmbedder(embedder), 3)
    assert first.text.encode() == second.text.encode() and first.sentences == second.sentences


@pytest.mark.unit
def test_max_sentences_must_be_positive():
    with pytest.raises(ValueError, match="max_sentences"):
        extractive_draft("q", BLOCKS, None, max_sentences=0)


@pytest.mark.unit
def test_best_window_stays_inside_a_section_of_its_passage():
    # Units 0-1 under one plain-text heading, 2-3 under the next: a window never runs across the heading.
    scored = [Scored(1.0, 1, Unit(f"S{i}.", i, "sentence", 1, section=i // 2), 1.0) for i in range(4)]
    got = best_window(scored, max_len=5, tau=0.1)
    assert [s.unit.index for s in got] == [0, 1]


@pytest.mark.integration
def test_an_inline_heading_that_names_the_ask_lifts_the_units_under_it(embedder):
    ask = "The reset email never arrives"
    texts = ["OVERVIEW\nCheck the spam folder and add the sender to your safe senders.",
             "RESET EMAIL NEVER ARRIVES\nCheck the spam folder and add the sender to your safe senders."]
    plain, named = (score_units(ask, [block(1, "Passwords", t)], embedder, ExtractiveParams())[0] for t in texts)
    assert plain.unit.heading == "OVERVIEW" and named.unit.heading == "RESET EMAIL NEVER ARRIVES"
    assert named.score - plain.score == pytest.approx(ExtractiveParams().w_heading)


def _plan_block(heading: str, text: str) -> SourceBlock:
    hit = Hit(rank=1, chunk_id="c1", doc_id="plans.md", title="Plans and pricing", text=text, source="plans.md",
              score=0.0, scores=Scores(), index_version=1,
              heading_path=["Plans and pricing", "Plan overview", heading])
    return SourceBlock(n=1, hit=hit, text=text)


@pytest.mark.unit
def test_a_list_whose_fact_is_in_its_heading_is_led_by_the_heading():
    from assistant.extractive import fact_heading
    from assistant.grounding import _heading_of

    pro = _plan_block("Pro — $79 per month", "- Up to 25 users included\n- Audit log with 365 days of history")
    window = [Scored(1.0, 1, Unit(t, i, "item", 0), 1.0)
              for i, t in enumerate(["Up to 25 users included", "Audit log with 365 days of history"])]
    assert fact_heading(window, [pro]) == "Pro — $79 per month:"
    assert _heading_of("Pro — $79 per month:", pro)  # the verifier reads it as the passage's own words
    # Nothing to add: a heading without a figure, one the list repeats, or a window of sentences.
    assert fact_heading(window, [_plan_block("Pro plan", pro.text)]) is None
    assert fact_heading(window, [_plan_block("Up to 25 users", pro.text)]) is None
    prose = [Scored(1.0, 1, Unit("Pro costs $79 per month.", 0, "sentence", 0), 1.0)]
    assert fact_heading(prose, [pro]) is None
    assert not _heading_of("Plans and pricing", pro)  # the title is not a quoted heading


@pytest.mark.integration
def test_a_plan_question_is_drafted_with_the_plan_heading_that_holds_its_price(embedder):
    pro = _plan_block("Pro — $79 per month", "- Up to 25 users included\n- Everything in Growth\n"
                                              "- Audit log with 365 days of history")
    d = extractive_draft("What do I get on the Pro plan?", [pro], embedder, max_sentences=5)
    assert d.sentences[0] == ("Pro — $79 per month:", [1]) and d.kinds[0] == "sentence"
    assert "Pro — $79 per month: [1]\n- Up to 25 users included [1]" in d.text, d.text
