"""Ticket asks -> retrieval queries and drafting focus; per-ask hits merged without repeats."""

import pytest

from assistant.asks import ask_plan, focus_of, merge_hits
from assistant.batch import read_batch
from assistant.understanding import understand
from retrieval.models import Hit, Scores

pytestmark = pytest.mark.unit


def test_focus_is_the_problem_after_what_the_customer_already_did():
    ask = "I clicked forgot password but the reset email never came. What should I do?"
    assert focus_of(ask) == "the reset email never came. What should I do?"
    assert focus_of("How do I refund a customer?") == "How do I refund a customer?"
    assert focus_of("I tried it but it is fine now") == "I tried it but it is fine now"  # no problem named


def test_one_ask_reads_the_whole_core_several_asks_read_their_own():
    one = ask_plan(understand("", "Hi,\n\nHow do I refund a customer?\n\nThanks, Anne"))
    assert len(one) == 1 and "Thanks" not in one[0].query and "refund" in one[0].query
    two = ask_plan(understand("", "How do I turn on two-factor authentication? Also, how do I export invoices to CSV?"))
    assert len(two) == 2 and "two-factor" in two[0].query and "CSV" in two[1].query


def _hit(cid: str, rank: int) -> Hit:
    return Hit(rank=rank, chunk_id=cid, doc_id=cid.split("#")[0], title="t", heading_path=[], text="x", source="s",
               score=1.0, index_version=1, scores=Scores(fused=1.0))


def test_merge_interleaves_by_rank_each_chunk_once():
    a = [_hit("a#0", 1), _hit("shared#0", 2)]
    b = [_hit("shared#0", 1), _hit("b#0", 2)]
    merged = merge_hits([a, b])
    assert [h.chunk_id for h in merged] == ["a#0", "shared#0", "b#0"]
    assert [h.rank for h in merged] == [1, 2, 3]


def test_batch_lines_parse_or_become_numbered_errors():
    items = read_batch('{"id": 1, "body": "hi"}\n\n[1, 2]\n{"id": "x", "subject": "S", "text": "T"}\n{"body": 3}\n')
    assert [i.line for i in items] == [1, 3, 4, 5]
    assert items[0].ticket.body == "hi" and items[0].id == "1"
    assert "expected a JSON object" in items[1].error
    assert items[2].ticket.subject == "S" and items[2].ticket.body == "T"
    assert "string" in items[3].error


def test_record_ids_the_help_center_never_uses_leave_the_retrieval_query():
    from assistant.asks import without_record_ids
    from assistant.understanding import understand
    from assistant.vocabulary import Vocabulary

    vocab = Vocabulary.from_texts(["Refund a duplicate payment.", "Security bulletin for CVE-2014-0160 (Heartbleed).",
                                   "Error SQL0805N means the package was not found."])
    parts = understand("", "I was charged twice for invoice INV-5512 and order #48213; is CVE-2014-0160 fixed? "
                           "We also get SQL0805N.")
    query = without_record_ids(parts.core, parts.entities, vocab.knows)
    assert "INV-5512" not in query and "48213" not in query  # one customer's records, not topics
    assert "CVE-2014-0160" in query and "SQL0805N" in query  # ids the help center uses, and error codes, stay
    assert query.startswith("I was charged twice for invoice and order")


def test_a_pasted_log_does_not_drown_the_question_in_the_query():
    body = "How do I reset my password?\n\n" + "ERROR at com.example.Foo.bar(Foo.java:12)\n" * 400
    [plan] = ask_plan(understand("", body))
    assert plan.query == "How do I reset my password?\nERROR at com.example.Foo.bar(Foo.java:12)"
    trace = ("Server fails to start\n\nWe see this:\n[ERROR] SRVE0255E: A WebGroup was not defined\n"
             + "".join(f"\tat com.example.C{i}(C{i}.java:{i})\n" for i in range(30))
             + "Caused by: java.io.IOException: port 9080 in use\n\t... 12 more\nAny idea?")
    [plan] = ask_plan(understand("", trace))
    assert "SRVE0255E" in plan.query and "port 9080 in use" in plan.query and "Any idea?" in plan.query
    assert "C0(" not in plan.query and "12 more" not in plan.query  # stack frames say nothing a search can use


def test_distinct_topics_needs_every_pair_of_asks_apart():
    import numpy as np

    from assistant.asks import distinct_topics

    apart = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    assert distinct_topics(apart)
    assert not distinct_topics(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.1, 0.0]]))  # two of three alike
    assert not distinct_topics(apart[:1])  # one ask is no pair


@pytest.mark.integration
def test_two_topics_are_distinct_and_a_title_with_its_question_is_not(embedder):
    from assistant.asks import distinct_topics

    assert distinct_topics(embedder.embed(["how do i turn on 2FA for my login?",
                                           "And how do I invite a new team member to our workspace?"]))
    assert not distinct_topics(embedder.embed([
        "Why are we not able to create new pages using the Manage Pages portlet?",
        "After entering the new page details and hitting OK we receive an error. How can we fix this?"]))
