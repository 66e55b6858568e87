"""What the two Samsung e-Manual datasets (emanual, s10) share: their folder, and how a question's
section path (`Apps>Samsung apps>Camera`) becomes relevant section ids.

The rule (SOURCE.md in the dataset folder): walk the path from leaf to root, stop at the first
component equal, once normalised, to some section title, and count every section with that title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from evals.errors import DatasetNotFound

FOLDER = "emanual_samsung_tv"


def manual_files(datasets_dir: Path, what: str, *relative: str) -> tuple[Path, ...]:
    """The dataset files under `<datasets_dir>/emanual_samsung_tv/`, or an error naming the setting to fix."""
    root = datasets_dir / FOLDER
    paths = tuple(root / r for r in relative)
    if not all(p.exists() for p in paths):
        raise DatasetNotFound(
            f"The {what} is not at {root} (need {' and '.join(relative)}). "
            f"Set DEFLECT_EVAL_DATASETS_DIR to the folder that holds {FOLDER}/.")
    return paths


def normalise_title(s: str) -> str:
    """Lowercase, non-alphanumeric runs collapsed to one space."""
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def title_index(sections: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Normalised title -> ids of the sections with that title, from (id, title) pairs, in order."""
    index: dict[str, list[str]] = {}
    for section_id, title in sections:
        index.setdefault(normalise_title(title), []).append(section_id)
    return index


def map_section_path(path: str, by_title: Mapping[str, list[str]]) -> list[str]:
    """Relevant section ids for an `A>B>C` path: those titled like its deepest component that is a title."""
    for part in reversed(path.split(">")):
        ids = by_title.get(normalise_title(part))
        if ids:
            return list(ids)
    return []
