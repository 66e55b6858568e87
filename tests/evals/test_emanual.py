"""The e-Manual QA files are not valid JSON; the line parser and the path rule must read them."""

import json
from collections import Counter
from pathlib import Path

import pytest

from evals.datasets.emanual import (
    FOLDER,
    category_of,
    load_emanual,
    map_hierarchy,
    normalise_title,
    parse_qa_text,
)
from evals.errors import DatasetFormatError, DatasetNotFound

# Same breakage as the real files: CRLF, a BOM, doubled quotes inside values, trailing commas,
# stray spaces after the closing braces.
BROKEN = (
    '\ufeff{\r\n    "All_Questions": [        \r\n        {\r\n'
    '            "Section Hierarchy": "Troubleshooting>I Want to Reset the TV",\r\n'
    '            "Link": "https://example.com/manual?page=3#manual",\r\n'
    '            "Question": "How do I reset my TV?",\r\n'
    '            "Answer": "Select Reset. Refer to ""Resetting the TV."" for details.",\r\n'
    "        },    \r\n        {\r\n"
    '            "Section Hierarchy": "Smart Features>Ambient Mode>Entering Ambient Mode",\r\n'
    '            "Link": "https://example.com/manual?page=9#manual",\r\n'
    '            "Question": "Can I enter Ambient Mode?",\r\n'
    '            "Answer": "Yes",\r\n'
    "        },\r\n    ]\r\n}\r\n"
)


@pytest.mark.unit
def test_broken_file_is_not_json_but_parses_line_by_line():
    with pytest.raises(json.JSONDecodeError):
        json.loads(BROKEN.lstrip("\ufeff"))
    items = parse_qa_text(BROKEN.lstrip("\ufeff"), "x.json")
    assert [i.question for i in items] == ["How do I reset my TV?", "Can I enter Ambient Mode?"]
    assert items[0].answer == 'Select Reset. Refer to "Resetting the TV." for details.'
    assert items[1].hierarchy == "Smart Features>Ambient Mode>Entering Ambient Mode"
    assert items[0].line == 4


@pytest.mark.unit
def test_item_missing_a_field_is_an_error_with_its_line():
    text = '{\n"All_Questions": [\n{\n"Section Hierarchy": "A>B",\n"Question": "q?",\n},\n]}\n'
    with pytest.raises(DatasetFormatError, match=r"x.json:4: .*Link, Answer"):
        parse_qa_text(text, "x.json")


@pytest.mark.unit
def test_repeated_key_without_closing_brace_starts_a_new_item():
    fields = '"Section Hierarchy": "A",\n"Link": "l",\n"Question": "q{n}",\n"Answer": "a",\n'
    items = parse_qa_text(fields.format(n=1) + fields.format(n=2), "x.json")
    assert [i.question for i in items] == ["q1", "q2"]


@pytest.mark.unit
def test_path_rule_walks_leaf_to_root_and_keeps_every_section_with_the_title():
    by_title = {normalise_title("Using Ambient Mode"): ["section_4", "section_90"],
                normalise_title("I Want to Reset the TV"): ["section_200"]}
    assert normalise_title("Using  the  Ambient-Mode!") == "using the ambient mode"
    assert map_hierarchy("Troubleshooting>I want to reset the TV", by_title) == ["section_200"]
    assert map_hierarchy("Smart Features>Using Ambient Mode>Not a section", by_title) == ["section_4", "section_90"]
    assert map_hierarchy("Nothing>Matches", by_title) == []


@pytest.mark.unit
def test_category_from_folder_name():
    assert category_of(Path("x/Yes_No Q&A/f.json")) == "yes_no"
    assert category_of(Path("x/Paraphrased Q&A/f.json")) == "paraphrased"
    with pytest.raises(DatasetFormatError):
        category_of(Path("x/Other Q&A/f.json"))


@pytest.mark.unit
def test_tiny_copy_in_the_broken_format_loads_and_maps(tmp_path):
    root = tmp_path / FOLDER / "raw"
    (root / "smart_remote_QA" / "Normal Q&A").mkdir(parents=True)
    corpus = {"section_0": {"id": "section_0", "title": "I Want to Reset the TV", "text": ["Select Reset."]},
              "section_1": {"id": "section_1", "title": "Ambient Mode", "text": []}}
    (root / "smart_tv_remote_manual_corpus.json").write_text(json.dumps(corpus), encoding="utf-8")
    (root / "smart_remote_QA" / "Normal Q&A" / "Normal_Q&A_2 questions.json").write_bytes(BROKEN.encode("utf-8"))
    queries, records = load_emanual(tmp_path)
    assert [q["relevant"] for q in queries] == [["section_0"], ["section_1"]]
    assert [q["qid"] for q in queries] == ["normal-2-001", "normal-2-002"]
    assert records[1].to_json()["body"] == "<p>Ambient Mode</p>"  # an empty section keeps its heading


@pytest.mark.unit
def test_missing_folder_says_which_setting_to_use(tmp_path):
    with pytest.raises(DatasetNotFound, match="DEFLECT_EVAL_DATASETS_DIR"):
        load_emanual(tmp_path)


REAL = Path(__file__).resolve().parents[3] / "shared" / "datasets"


@pytest.mark.slow
@pytest.mark.skipif(not (REAL / FOLDER).is_dir(), reason="shared e-Manual dataset not present")
def test_real_files_give_684_mapped_items():
    queries, records = load_emanual(REAL)
    assert len(queries) == 684
    assert Counter(q["category"] for q in queries) == {"normal": 409, "paraphrased": 200, "compound": 50, "yes_no": 25}
    assert all(q["relevant"] for q in queries)
    assert Counter(len(q["relevant"]) for q in queries) == {1: 518, 2: 161, 3: 5}
    assert len({q["qid"] for q in queries}) == 684
    assert len(records) == 261
