"""The dataset registry: every built-in name loads, and what the CLI and errors list comes from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.datasets import BUILTIN, dataset_choices, load_dataset
from evals.errors import DatasetNotFound

SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "emanual_samsung_tv"
FOLDERS = {"demo", "tickets"}  # help-center folders in the repo, ingested as they are


@pytest.mark.unit
def test_choices_are_the_builtins_then_beir():
    assert dataset_choices() == ["demo", "tickets", "emanual", "techqa", "s10", "beir:PATH"]


@pytest.mark.unit
def test_unknown_name_lists_every_choice(eval_settings):
    with pytest.raises(DatasetNotFound) as err:
        load_dataset("emanul", eval_settings())
    assert all(name in str(err.value) for name in BUILTIN) and "beir:/path" in str(err.value)


@pytest.mark.unit
@pytest.mark.parametrize("name", list(BUILTIN))
def test_every_builtin_loads_by_its_registry_name(name, eval_settings, tmp_path):
    if name not in FOLDERS and not SHARED.is_dir():
        pytest.skip("shared e-Manual dataset not present")
    settings = eval_settings()
    ds = load_dataset(name, settings)
    assert ds.name == name and ds.queries and ds.corpus.exists()
    assert all(q.relevant for q in ds.queries if not q.out_of_scope)
    if name not in FOLDERS:  # records written as an export inside the dataset's own data dir
        assert ds.corpus.is_relative_to(settings.data_dir / "evals" / name)
