import pytest

from assistant.sentences import clean, draft_sentences, split_sentences, units

pytestmark = pytest.mark.unit


def test_clean_strips_markdown_and_keeps_link_targets():
    assert clean("Click **Refund** in *Payments*.") == "Click Refund in Payments."
    assert clean("See [the guide](https://x.example/g) .") == "See the guide (https://x.example/g)."


def test_split_sentences_respects_abbreviations():
    text = "Pick a reason, e.g. Duplicate. Then click Confirm. Done!"
    assert split_sentences(text) == ["Pick a reason, e.g. Duplicate.", "Then click Confirm.", "Done!"]


def test_steps_items_and_table_rows_are_units():
    text = ("Steps:\n1. Open **Payments**.\n2. Click Refund.\n\n- A note.\n\n"
            "| Plan | Price | Seats |\n|---|---|---|\n| Pro | $29 | 5 |")
    got = [(u.kind, u.text) for u in units(text)]
    assert got == [("sentence", "Steps:"), ("step", "Open Payments."), ("step", "Click Refund."),
                   ("item", "A note."), ("row", "Pro — Price: $29; Seats: 5.")]


def test_hard_wrapped_pdf_lines_are_joined_and_captions_split_off():
    text = "To enter\nAmbient Mode\n, press the\nbutton.\nAmbient Mode\nThe image on your TV may differ from the image."
    assert [u.text for u in units(text)] == [
        "To enter Ambient Mode, press the button.", "Ambient Mode", "The image on your TV may differ from the image."]


def test_draft_sentences_reads_markers_after_or_before_the_stop():
    draft = "Hi,\n\nRefunds take 5 days [2]. Go to Payments. [1][3]\n- Click Refund [1].\n\nThanks"
    assert draft_sentences(draft) == [("Hi,", []), ("Refunds take 5 days.", [2]), ("Go to Payments.", [1, 3]),
                                      ("Click Refund.", [1]), ("Thanks", [])]
