"""The S10 e-Manual loader: HTML text (never t5_para), mojibake repaired, section paths mapped."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from evals.datasets.s10 import load_s10, map_path, page_of, repair_mojibake, section_lines
from evals.errors import DatasetFormatError, DatasetNotFound

pytestmark = pytest.mark.unit

BASE = "https://example.com/manual/"


def _section(sid: str, title: str, page: str, html: str, parents: str = "") -> dict:
    return {"id": sid, "title": title, "section_url": BASE + page, "html": [html], "text": [title],
            "section_hierarchy": f"{parents}>{sid}" if parents else sid,
            "t5_para": f"{title} what is the secret generated question ?"}


def _write(root: Path, sections: list[dict], questions: list[dict]) -> Path:
    raw = root / "emanual_samsung_tv" / "raw"
    raw.mkdir(parents=True)
    (raw / "s10_manual_corpus.json").write_text(json.dumps({s["id"]: s for s in sections}), encoding="utf-8")
    with (raw / "s10_50_questions.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, ["question_id", "question", "section_path", "section_link", "answer"])
        w.writeheader()
        w.writerows(questions)
    return root


SECTIONS = [
    _section("section_0", "Camera", "camera.html", "<h3>Camera</h3><p>Take pictures.</p>"),
    _section("section_1", "Camera settings", "camera.html#s1",
             "<h4>Camera settings</h4><p>Tap Settings for HDR10+ video.</p>", "section_0"),
    _section("section_2", "Settings", "settings.html", "<h2>Settings</h2><p>Everything else.</p>"),
    _section("section_3", "Camera settings", "other.html", "<h4>Camera settings</h4><p>Same title, other page.</p>"),
]


def test_sections_are_indexed_from_html_and_questions_map_by_page(tmp_path):
    root = _write(tmp_path, SECTIONS, [
        {"question_id": "7", "question": " How do I record HDR10+? ", "section_path": "Apps>Camera>Camera settings",
         "section_link": "http://example.com/manual/camera.html", "answer": "Tap Settings."},
        {"question_id": "8", "question": "Where is zoom?", "section_path": "Apps>Camera>Zoom options",
         "section_link": "http://example.com/manual/camera.html", "answer": "Camera."},
    ])
    queries, records = load_s10(root)
    assert [q["relevant"] for q in queries] == [["section_1"], ["section_0"]]  # same-page title, else its parent
    assert queries[0]["qid"] == "s10-7" and queries[0]["text"] == "How do I record HDR10+?"
    by_id = {r.id: r for r in records}
    assert by_id["section_1"].lines == ["Tap Settings for HDR10+ video."]  # heading repeating the title dropped
    assert not any("generated question" in " ".join(r.lines) for r in records)


def test_path_falls_back_to_the_whole_manual_and_unmapped_is_an_error(tmp_path):
    assert map_path("X>Settings", SECTIONS) == ["section_2"]
    root = _write(tmp_path, SECTIONS, [{"question_id": "1", "question": "q", "section_path": "Nope>Nothing",
                                        "section_link": BASE + "camera.html", "answer": "a"}])
    with pytest.raises(DatasetFormatError, match="1 S10 questions map to no section"):
        load_s10(root)


def test_missing_files_say_which_setting_to_use(tmp_path):
    with pytest.raises(DatasetNotFound, match="DEFLECT_EVAL_DATASETS_DIR"):
        load_s10(tmp_path)


def test_mojibake_is_repaired_and_clean_text_left_alone():
    assert repair_mojibake("friendâ\x80\x99s phone") == "friend’s phone"
    assert repair_mojibake("plain ’ text") == "plain ’ text"
    assert section_lines("Mobile hotspot", ["<h2>Mobile\xa0hotspot</h2><h5>Tips</h5><p>A</p>"]) == ["Tips", "A"]
    assert page_of("https://a.b/c.html#x") == page_of("http://a.b/c.html") == "a.b/c.html"


REAL = Path(__file__).resolve().parents[3] / "shared" / "datasets"


@pytest.mark.skipif(not (REAL / "emanual_samsung_tv" / "raw" / "s10_50_questions.csv").is_file(),
                    reason="shared S10 data not present")
def test_real_s10_maps_every_question():
    queries, records = load_s10(REAL)
    assert len(queries) == 50 and len(records) == 451
    assert all(q["relevant"] for q in queries)
