"""The --answers glue: every question drafted by the composition root's assistant, then scored."""

import pytest

from assistant.models import Answer, Citation, Sentence
from evals.answer_run import run_answers
from evals.datasets import Dataset, Query

pytestmark = pytest.mark.unit


class ScriptedAssistant:
    """An assistant at the edge of this unit: cites the first relevant doc, escalates payroll."""

    def __init__(self, settings):
        self.settings = settings
        self.calibration = type("Cal", (), {"version": "c-test", "profile": None})()

    def answer(self, ticket, filters):
        oos = "payroll" in ticket.text
        return Answer(request_id="r", ticket=ticket.text, draft="" if oos else "Click Refund [1].",
                      citations=[] if oos else [Citation(n=1, chunk_id="c", doc_id="refund.md", title="R", quote="q")],
                      sentences=[] if oos else [Sentence(text="Click Refund.", citations=[1], supported=True)],
                      confidence=0.2 if oos else 0.9, confidence_label="low" if oos else "high",
                      decision="escalate" if oos else "answer", provider="scripted", prompt_version="p",
                      timings={"retrieve": 0.01, "generate": 0.5})


class ScriptedServices:
    def __init__(self, settings):
        self.settings = settings

    def assistant(self, provider=None, settings=None):
        return ScriptedAssistant(settings or self.settings)


def test_run_answers_scores_every_question(tmp_path, make_settings):
    ds = Dataset(name="t", corpus=tmp_path, queries=[
        Query(qid="1", text="how do I refund", relevant=["refund.md"], answer="Click Refund."),
        Query(qid="2", text="do you do payroll", relevant=[], out_of_scope=True)])
    seen = []
    m = run_answers(ds, ScriptedServices(make_settings()), progress=lambda s, d, t: seen.append((s, d, t)))
    assert m["n_answers"] == 2 and m["citation_precision"] == 1.0
    assert m["abstention_precision"] == 1.0 and m["abstention_recall"] == 1.0
    assert m["rouge_l_f1"] == pytest.approx(1.0) and m["latency"]["total"]["n"] == 2
    # .9 on a correct draft, .2 on an out-of-scope escalation: ECE = (0.1 + 0.2) / 2
    assert m["ece"] == pytest.approx(0.15) and m["coverage_accuracy"][0]["coverage"] == 1.0
    assert seen[-1] == ("answers", 2, 2) and m["calibration_version"] == "c-test"
