import pytest

from assistant.sentences import as_markdown, clean, draft_sentences, split_sentences, units

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


def test_plain_text_headings_start_a_section_and_tag_lines_are_dropped():
    text = ("rules; rules file; array TECHNOTE (FAQ)\nQUESTION\nAre there any rules file examples?\n"
            "ANSWER\nThe guide lists common techniques.\nSee the probe guide too.\n"
            "RESOLVING THE PROBLEM\nRestart the probe.")
    got = [(u.text, u.heading, u.section) for u in units(text)]
    assert got == [("Are there any rules file examples?", "QUESTION", 1),
                   ("The guide lists common techniques.", "ANSWER", 2), ("See the probe guide too.", "ANSWER", 2),
                   ("Restart the probe.", "RESOLVING THE PROBLEM", 3)]
    # Rebuilt as Markdown (a cut-down passage), the headings come back as the same sections.
    rebuilt = units(as_markdown(units(text)))
    assert [(u.text, u.heading) for u in rebuilt] == [(t, h) for t, h, _ in got]


def test_title_case_lines_and_capitals_before_lower_case_are_no_headings():
    assert [u.heading for u in units("Open the\nHome Screen\nmenu and pick Apps.")] == [""]
    assert [u.heading for u in units("Press the\nHOME\nbutton.")] == [""]
    assert {u.heading for u in units("It works.\nPicture Settings\nThe backlight dims.")} == {""}
