"""BEIR folders load into queries plus a help-center export written inside the data dir."""

import json

import pytest

from evals.datasets import dataset_slug, load_dataset
from evals.datasets.beir import load_beir
from evals.errors import DatasetFormatError, DatasetNotFound

pytestmark = pytest.mark.unit


def test_load_beir_reads_judged_queries_with_grades(tiny_beir):
    queries, records = load_beir(tiny_beir)
    assert [q["qid"] for q in queries] == ["q1", "q2", "q3", "q4"]  # unjudged query left out
    q2 = next(q for q in queries if q["qid"] == "q2")
    assert q2["relevant"] == ["d-password"] and q2["grades"] == {"d-password": 2}
    q4 = next(q for q in queries if q["qid"] == "q4")
    assert q4["relevant"] == ["d-2fa"]  # score 0 is judged irrelevant
    ids = [r.id for r in records]
    assert "d-empty" not in ids and len(ids) == 5
    untitled = next(r for r in records if r.id == "d-currency")
    assert untitled.title == "d-currency"


def test_load_dataset_materialises_export_inside_data_dir(tiny_beir, eval_settings, tmp_path):
    settings = eval_settings()
    ds = load_dataset(f"beir:{tiny_beir}", settings)
    assert ds.corpus.is_relative_to(settings.data_dir / "evals" / ds.slug)
    assert ds.slug == dataset_slug(ds.name) and ds.slug.startswith("beir-beir-tiny-")
    rows = [json.loads(line) for line in ds.corpus.read_text().splitlines()]
    assert set(rows[0]) == {"id", "title", "body", "url", "updated_at", "locale", "labels"}
    assert rows[0]["body"] == "<p>Open Payments, pick the payment and choose Refund.</p>\n" \
        "<p>Refunds reach the card in 5 to 10 business days.</p>"
    mtime = ds.corpus.stat().st_mtime_ns
    load_dataset(f"beir:{tiny_beir}", settings)
    assert ds.corpus.stat().st_mtime_ns == mtime  # unchanged content is not rewritten
    assert ds.queries[1].qrels() == {"d-password": 2}


def test_bad_beir_folders(tmp_path, tiny_beir):
    with pytest.raises(DatasetNotFound, match="qrels/test.tsv"):
        load_beir(tmp_path)
    (tiny_beir / "qrels" / "test.tsv").write_text("q\td\ts\nq1\td-refund\t1\n")
    with pytest.raises(DatasetFormatError, match="header"):
        load_beir(tiny_beir)


def test_unknown_spec(eval_settings):
    with pytest.raises(DatasetNotFound, match="demo, tickets, emanual, techqa, s10 or beir"):
        load_dataset("nope", eval_settings())


def test_demo_dataset_keeps_out_of_scope_questions(eval_settings):
    ds = load_dataset("demo", eval_settings())
    oos = [q for q in ds.queries if q.out_of_scope]
    assert oos and all(not q.relevant for q in oos)
    assert ds.corpus.name == "helpcenter" and ds.corpus.is_dir()


def test_emanual_location_override(eval_settings, tmp_path):
    with pytest.raises(DatasetNotFound, match=str(tmp_path / "elsewhere")):
        load_dataset("emanual", eval_settings(eval_datasets_dir=tmp_path / "elsewhere"))
