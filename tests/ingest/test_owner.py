"""A document names its owner: front matter `owner:` or an export label `owner:NAME`, kept through ingest."""

from __future__ import annotations

import json

import pytest

from ingest.models import owner_of
from tests.ingest.test_loaders import load_one

pytestmark = pytest.mark.unit


def test_front_matter_owner_becomes_a_label(tmp_path):
    doc = load_one(tmp_path, "a.md", "---\ntitle: Refunds\nowner: 'billing-docs'\n---\nBody here.\n")
    assert (doc.title, doc.labels, doc.text) == ("Refunds", ["owner:billing-docs"], "Body here.")
    assert owner_of(doc.labels) == "billing-docs"
    assert load_one(tmp_path, "b.md", "---\ntitle: T\n---\nBody.\n").labels == []
    assert load_one(tmp_path, "c.md", "owner: not front matter\n\nBody.\n").labels == []


def test_export_label_names_the_owner(tmp_path):
    record = {"id": 7, "title": "Payouts", "body": "<p>Paid weekly.</p>", "labels": ["billing", "owner:Finance Team"]}
    doc = load_one(tmp_path, "export.json", json.dumps({"articles": [record]}))
    assert owner_of(doc.labels) == "Finance Team"


@pytest.mark.parametrize(("labels", "owner"), [
    ([], None), (["billing"], None), (["owner:"], None), (["Owner: ana "], "ana"), (["owner:a", "owner:b"], "a")])
def test_owner_of(labels, owner):
    assert owner_of(labels) == owner
