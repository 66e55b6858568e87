"""deflect calibrate --from-feedback: a deployment's own thumbs, sends and escalations become labels."""

import pytest

from assistant.calibration import fit_calibration
from evals.calibrate import collect_feedback

pytestmark = pytest.mark.integration

GOOD = ["How do I refund a customer?", "What is the API rate limit?", "How do I reset my password?",
        "How do I turn on two-factor authentication?", "How do webhooks verify signatures?",
        "Which payment methods do you accept?"]
BAD = ["Do you sell a card reader for my shop?", "Can you run payroll for my employees?",
       "Is there a desktop app for Windows XP?", "Do you offer crypto payouts?",
       "Can I book a training session in Paris?", "Do you integrate with my fridge?"]


def test_feedback_labels_fit_a_calibration(slice_services):
    store, a = slice_services.feedback, slice_services.assistant("extractive")
    for i, text in enumerate(GOOD + BAD):
        answer = a.answer(text)
        store.record_interaction(answer, "ana")
        if i < len(GOOD):
            store.record_sent(answer.request_id, "ana") if i % 2 else store.record_feedback(answer.request_id, "ana", "up")
        elif i % 2:
            store.record_feedback(answer.request_id, "ana", "down", "wrong")
        else:
            store.record_escalation(answer.request_id, "ana", "out_of_scope")
    unjudged = a.answer("How do I export invoices?")
    store.record_interaction(unjudged, "ana")  # nobody acted on it: no label
    rows = collect_feedback(store, slice_services)
    assert {r.dataset for r in rows} == {"feedback"} and unjudged.request_id not in {r.qid for r in rows}
    labels = {r.qid: r.label for r in rows}
    assert set(labels.values()) == {0, 1} and len(rows) >= 8
    cal = fit_calibration(rows, folds=2)
    assert cal.fitted_on == ["feedback"] and cal.profile == "feedback"
