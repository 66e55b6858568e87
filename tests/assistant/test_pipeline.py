import re

import pytest

from assistant.errors import EmptyTicket
from assistant.generation import Fallback
from assistant.models import Ticket
from assistant.prompt import NO_ANSWER, PROMPT_VERSION
from assistant.sentences import units
from retrieval.models import Filters

pytestmark = pytest.mark.integration

STAGES = {"guard", "retrieve", "assemble", "generate", "verify", "confidence", "total"}


@pytest.mark.parametrize("ticket", ["", "   \n ", Ticket(subject="", body="  ")])
def test_empty_ticket_is_a_clear_error(assistant, ticket):
    with pytest.raises(EmptyTicket, match="ticket is empty"):
        assistant.answer(ticket)


def test_answer_carries_ids_versions_and_stage_timings(assistant, slice_services):
    a = assistant.answer(Ticket(subject="Refund", body="How do I refund a customer?"))
    b = assistant.answer("How do I refund a customer?")
    assert re.fullmatch(r"[0-9a-f]{32}", a.request_id) and a.request_id != b.request_id
    assert set(a.timings) >= STAGES and all(v >= 0 for v in a.timings.values())
    assert a.index_version == slice_services.catalog.active_version()
    assert a.prompt_version == PROMPT_VERSION
    assert a.calibration_version and a.calibration_version == assistant.calibration.version
    assert a.provider == "extractive" and a.tokens_in == 0 and a.cost == 0.0


@pytest.mark.parametrize("question,doc", [
    ("how do i refund a custmer?", "articles/refund-a-payment.md"),
    ("What is the API rate limit?", "articles/api-rate-limits.md"),
    ("Can I require two-factor authentication for my whole team?", "articles/two-factor-authentication.md"),
    ("webhok signature verify how?", "articles/webhooks.md"),
])
def test_demo_questions_cite_the_right_article(make_assistant, question, doc):
    # The draft's shape at a point where all four answer: the shipped 0.875 escalates the rate-limit
    # question (confidence 0.85), whose outdated 2023 twin leaves no clear winner among articles.
    a = make_assistant(answer_threshold=0.8).answer(question)
    assert a.decision == "answer", a.reasons
    assert a.citations and a.citations[0].doc_id == doc
    assert all(s.supported and s.citations for s in a.sentences)
    assert "[1]" in a.draft and a.confidence_label in ("medium", "high")
    # every [n] in the draft resolves to a citation, numbered from 1 without gaps
    assert sorted({int(n) for n in re.findall(r"\[(\d+)\]", a.draft)}) == [c.n for c in a.citations]


def test_nothing_relevant_says_what_is_missing(make_assistant):
    a = make_assistant(answer_min_relevance=0.99).answer("Do you sell a card reader for my shop?")
    assert a.decision == "escalate" and a.draft == "" and a.confidence == 0.0
    topic = next(r for r in a.reasons if r.startswith("no article covers"))
    assert "card reader" in topic and "“" in topic, topic


def test_filters_limit_the_sources(assistant):
    a = assistant.answer("How do customers sign in?", Filters(sources=["guides/"]))
    assert a.citations and all(c.doc_id.startswith("guides/") for c in a.citations)


# --- LLM path, with a scripted Generator standing in for the providers layer ---------------------

def test_grounded_llm_draft_is_used(make_assistant, scripted):
    def copy_first_sentences(req):
        """Like a well-behaved model: two sentences of source 1, reworded a little, cited."""
        body = re.search(r'<source n="1"[^>]*>\n(.*?)\n</source>', req.user, re.S).group(1)
        first = [u.text for u in units(body)][:2]
        return " ".join(f"Sure: {s[:-1] if s.endswith('.') else s} [1]." for s in first)

    gen = scripted(copy_first_sentences)
    a = make_assistant(gen).answer("My card 4111 1111 1111 1111 was charged; can I refund it after 3 months?",
                                   provider="local")
    assert a.provider == "scripted" and a.model == "canned-1" and a.tokens_in == 120 and a.cost == 0.001
    assert all(s.supported for s in a.sentences) and len(a.sentences) == 2
    assert all(s.text.startswith("Sure:") for s in a.sentences)
    req = gen.requests[0]
    assert "4111" not in req.user and "[CARD]" in req.user and '<source n="1"' in req.user


def test_ungrounded_llm_draft_is_replaced_by_the_extractive_one(make_assistant, scripted):
    gen = scripted("Refunds are always free and take 2 minutes [1]. We also refund crypto [1].")
    a = make_assistant(gen).answer("How do I refund a customer?", provider="local")
    assert a.provider == "extractive" and a.fell_back_from == "scripted"
    assert any("replaced by the extractive draft" in g.detail for g in a.findings("grounding"))
    assert "crypto" not in a.draft and all(s.supported for s in a.sentences)


def test_unavailable_llm_falls_back_to_extractive_with_the_reason(make_assistant, scripted):
    from assistant.providers.errors import GenerationUnavailable

    gen = scripted(error=GenerationUnavailable([Fallback(provider="local", kind="circuit_open")]))
    a = make_assistant(gen).answer("How do I refund a customer?", provider="local")
    assert a.provider == "extractive" and a.sentences
    assert "local: skipped, circuit open after repeated failures" in [g.detail for g in a.findings("generation")]
    assert [(f.provider, f.kind) for f in a.fallbacks] == [("local", "circuit_open")]  # typed, not text


def test_echoed_prompt_tags_are_stripped_from_an_llm_draft(make_assistant, scripted):
    def echo_source_one(req):  # what SmolLM2 does: repeats the delimiters around a copied passage
        m = re.search(r'(<source n="1"[^>]*>)\n(.*?)\n</source>', req.user, re.S)
        first = [u.text for u in units(m.group(2))][0]
        return f'{m.group(1)} {first} [1] </source> <ticket id="x">'

    a = make_assistant(scripted(echo_source_one)).answer("How do I refund a customer?", provider="local")
    assert a.provider == "scripted" and a.sentences
    assert "<source" not in a.draft and "</source>" not in a.draft and "<ticket" not in a.draft
    assert "3 echoed prompt delimiter tag(s) removed" in [g.detail for g in a.findings("output")]


def test_kill_switch_skips_the_llm(make_assistant, scripted):
    gen = scripted("unused")
    a = make_assistant(gen, generation_enabled=False).answer("How do I refund a customer?", provider="openai")
    assert gen.requests == [] and a.provider == "extractive"
    assert any("switched off" in g.detail for g in a.findings("generation"))


def test_llm_saying_no_answer_escalates(make_assistant, scripted):
    a = make_assistant(scripted(NO_ANSWER)).answer("How do I refund a customer?", provider="local")
    assert a.decision == "escalate" and a.draft == ""
    assert any("found no answer" in r for r in a.reasons)


def test_ticket_mostly_about_unknown_things_escalates_as_out_of_scope(assistant):
    a = assistant.answer("Do you have an affiliate or referral program where I earn commission?")
    assert a.decision == "escalate" and a.draft == "", a.reasons  # related articles, nothing to send
    assert any("below the answer threshold" in r or r.startswith("no article covers") for r in a.reasons), a.reasons


def test_a_two_ask_ticket_lists_its_asks_for_the_llm_and_a_skipped_ask_is_named(make_assistant, scripted):
    ticket = "How do I refund a customer? And how do I turn on two-factor authentication for my login?"

    def refund_only(req):  # a model that answers the first ask and forgets the second
        m = re.search(r'<source n="(\d+)" title="Refund a payment"[^>]*>\n(.*?)\n</source>', req.user, re.S)
        first = [u.text for u in units(m.group(2))][:2]
        return " ".join(f"{s[:-1] if s.endswith('.') else s} [{m.group(1)}]." for s in first)

    gen = scripted(refund_only)
    a = make_assistant(gen).answer(ticket, provider="local")
    req = gen.requests[0]
    assert "<asks>\n1. How do I refund a customer?\n2. And how do I turn on two-factor" in req.user
    assert "answer every ask in <asks>" in req.user and "At most 10 sentences" in req.system
    assert a.provider == "scripted" and a.decision == "escalate"
    assert any("not covered" in r and "two-factor" in r for r in a.reasons), a.reasons
