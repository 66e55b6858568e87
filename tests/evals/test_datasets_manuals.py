"""What emanual and s10 share: the dataset folder check and the section-path rule of SOURCE.md."""

from __future__ import annotations

import pytest

from evals.datasets.manuals import FOLDER, manual_files, map_section_path, normalise_title, title_index
from evals.errors import DatasetNotFound

pytestmark = pytest.mark.unit

SECTIONS = [("s1", "Picture Settings"), ("s2", "Using Ambient Mode"), ("s3", "Using  the Ambient-Mode"),
            ("s4", "picture settings!"), ("s5", "Camera")]


def test_titles_are_normalised_and_grouped_in_order():
    assert normalise_title("  Using  the  Ambient-Mode! ") == "using the ambient mode"
    index = title_index(SECTIONS)
    assert index["picture settings"] == ["s1", "s4"] and index["using the ambient mode"] == ["s3"]


def test_the_deepest_component_that_is_a_title_wins():
    index = title_index(SECTIONS)
    assert map_section_path("Apps>Camera>Picture Settings", index) == ["s1", "s4"]  # every section so titled
    assert map_section_path("Apps>Camera>Not a section>Still not", index) == ["s5"]
    assert map_section_path("Nothing>Matches", index) == []
    assert map_section_path("Picture settings", {}) == []


def test_returned_ids_are_a_copy():
    index = title_index(SECTIONS)
    map_section_path("Camera", index).append("oops")
    assert index["camera"] == ["s5"]


def test_missing_files_name_the_setting(tmp_path):
    (tmp_path / FOLDER / "raw").mkdir(parents=True)
    (tmp_path / FOLDER / "raw" / "a.json").write_text("{}")
    assert manual_files(tmp_path, "x", "raw/a.json") == (tmp_path / FOLDER / "raw" / "a.json",)
    with pytest.raises(DatasetNotFound, match="need raw/a.json and raw/b.csv.*DEFLECT_EVAL_DATASETS_DIR"):
        manual_files(tmp_path, "S10 extra", "raw/a.json", "raw/b.csv")
