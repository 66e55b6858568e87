"""Arbitrary bytes under any supported extension either load or raise LoaderError, nothing else.

~200 examples in all, so it runs in seconds.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.errors import LoaderError
from ingest.loaders import LoadResult, load_file
from ingest.walk import SUPPORTED_EXTENSIONS

pytestmark = pytest.mark.unit

EXTENSIONS = sorted(SUPPORTED_EXTENSIONS)

# Raw bytes plus byte strings that start like real files, so parsers get past their first check.
PREFIXES = [b"", b"%PDF-1.4\n", b"\xef\xbb\xbf", b"\xff\xfe", b"<html><body>", b"# Title\n", b'[{"id": 1, ',
            b'{"articles": [', b"\x00"]
payloads = st.builds(lambda p, body: p + body, st.sampled_from(PREFIXES), st.binary(max_size=2048))
texts = st.text(max_size=500).map(lambda s: s.encode("utf-8"))


def _check(ext: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / f"fuzz{ext}"
        path.write_bytes(data)
        try:
            result = load_file(root, path, max_bytes=1024 * 1024)
        except LoaderError as e:
            assert e.reason and e.path == str(path)
            return
    assert isinstance(result, LoadResult) and result.documents
    for doc in result.documents:
        assert doc.text.strip()


@settings(max_examples=90, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ext=st.sampled_from(EXTENSIONS), data=payloads)
def test_arbitrary_bytes_load_or_raise_loader_error(ext, data):
    _check(ext, data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ext=st.sampled_from(EXTENSIONS), data=texts)
def test_arbitrary_text_load_or_raise_loader_error(ext, data):
    _check(ext, data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
article_like = st.fixed_dictionaries(
    {},
    optional={k: json_values | st.text(max_size=40) for k in ("id", "title", "body", "url", "locale", "labels", "updated_at")},
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(article_like | json_values, max_size=5), jsonl=st.booleans())
def test_arbitrary_export_records_load_or_raise_loader_error(records, jsonl):
    if jsonl:
        _check(".jsonl", "\n".join(json.dumps(r) for r in records).encode())
    else:
        _check(".json", json.dumps({"articles": records}).encode())
