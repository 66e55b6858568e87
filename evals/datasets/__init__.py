"""Evaluation datasets: the built-in ones in BUILTIN (`demo`, `tickets`, `emanual`, `techqa`, `s10`) and `beir:PATH`, each
ingested through the real pipeline into its own data dir (`<data_dir>/evals/<slug>`).

    ds = load_dataset("emanual", settings)
    svc = dataset_services(ds, settings)      # ingests (incrementally) and returns Services
    hits = svc.searcher.search(ds.queries[0].text, k=50)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from deflectkit.app import Services
from deflectkit.core.config.evals import eval_options
from evals.errors import DatasetNotFound, EvalError

REPO = Path(__file__).resolve().parents[2]


class Query(BaseModel):
    qid: str
    text: str
    relevant: list[str]
    answer: str = ""
    category: str = "default"
    out_of_scope: bool = False
    grades: dict[str, int] = Field(
        default_factory=dict, description="Graded relevance (doc id -> grade) when the dataset has it; "
        "otherwise every relevant doc counts 1.")

    def qrels(self) -> dict[str, int]:
        return {d: self.grades.get(d, 1) for d in self.relevant}


class Dataset(BaseModel):
    name: str
    queries: list[Query]
    corpus: Path

    @property
    def slug(self) -> str:
        """Folder-safe name: `emanual`, or `beir-scifact-1a2b3c4d` for a BEIR path."""
        return dataset_slug(self.name)


def dataset_slug(name: str) -> str:
    if re.fullmatch(r"[a-z0-9_-]+", name):
        return name
    path = name.split(":", 1)[-1]
    stem = re.sub(r"[^a-z0-9]+", "-", Path(path).name.lower()).strip("-") or "data"
    return f"beir-{stem}-{hashlib.sha256(path.encode()).hexdigest()[:8]}"


def datasets_dir(settings) -> Path:
    """Shared labeled data: DEFLECT_EVAL_DATASETS_DIR, else `<repo>/../shared/datasets`."""
    return eval_options(settings).eval_datasets_dir or REPO.parent / "shared" / "datasets"


def dataset_data_dir(name: str, settings) -> Path:
    return Path(settings.data_dir) / "evals" / dataset_slug(name)


def dataset_settings(ds: Dataset, settings):
    """The caller's settings with the dataset's own data dir: same pipeline, separate index."""
    return settings.model_copy(update={"data_dir": dataset_data_dir(ds.name, settings)})


def _demo(settings):
    from evals.datasets.demo import load_demo

    return load_demo(REPO)


def _emanual(settings):
    from evals.datasets.emanual import load_emanual

    return load_emanual(datasets_dir(settings))


def _techqa(settings):
    from evals.datasets.techqa import load_techqa

    return load_techqa(datasets_dir(settings))


def _tickets(settings):
    from evals.datasets.tickets import load_demo_tickets

    return load_demo_tickets(REPO)


def _s10(settings):
    from evals.datasets.s10 import load_s10

    return load_s10(datasets_dir(settings))


# Every built-in dataset: name -> loader(settings) giving (query fields, corpus records), or for demo
# (query fields, its help-center folder). The CLI's --dataset help and the unknown-name error use it.
BUILTIN: dict[str, Callable] = {"demo": _demo, "tickets": _tickets, "emanual": _emanual, "techqa": _techqa,
                                "s10": _s10}
BEIR_PREFIX = "beir:"


def dataset_choices() -> list[str]:
    """What `--dataset` accepts: each built-in name, then `beir:PATH`."""
    return [*BUILTIN, f"{BEIR_PREFIX}PATH"]


def load_dataset(spec: str, settings) -> Dataset:
    """A name from BUILTIN or `beir:/path/to/folder`. Non-native corpora are written as a help-center
    JSONL export inside the dataset's data dir, ready for `dataset_services`."""
    from evals.datasets.export import write_export

    spec = (spec or "").strip()
    if spec.startswith(BEIR_PREFIX):
        from evals.datasets.beir import load_beir

        folder = Path(spec.removeprefix(BEIR_PREFIX)).expanduser().resolve()
        rows, records = load_beir(folder)
        name = f"{BEIR_PREFIX}{folder}"
    elif spec in BUILTIN:
        rows, records = BUILTIN[spec](settings)
        name = spec
        if isinstance(records, Path):  # a help-center folder, ingested as it is
            return Dataset(name=name, queries=[Query(**r) for r in rows], corpus=records)
    else:
        raise DatasetNotFound(
            f"Unknown dataset {spec!r}: use {', '.join(BUILTIN)} or {BEIR_PREFIX}/path/to/beir-folder.")
    if not records:
        raise EvalError(f"Dataset {name} has no documents to index.")
    corpus = write_export(records, dataset_data_dir(name, settings) / "corpus" / f"{dataset_slug(name)}.jsonl")
    return Dataset(name=name, queries=[Query(**r) for r in rows], corpus=corpus)


def ingest_dataset(ds: Dataset, services: Services, progress=None):
    """Ingest the dataset's corpus into `services` (incremental); returns the IngestReport."""
    report = services.ingest([ds.corpus], progress=progress)
    if report.index_version is None and services.catalog.active_version() is None:
        first = report.errors[0].reason if report.errors else "no documents"
        raise EvalError(f"Dataset {ds.name} could not be ingested from {ds.corpus}: {first}.")
    return report


def dataset_services(ds: Dataset, settings, progress=None) -> Services:
    """Services over the dataset's own data dir, after ingesting its corpus there."""
    svc = Services(dataset_settings(ds, settings))
    ingest_dataset(ds, svc, progress)
    return svc


__all__ = ["BUILTIN", "Dataset", "Query", "dataset_choices", "dataset_services", "load_dataset", "ingest_dataset",
           "dataset_settings"]
