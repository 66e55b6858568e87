"""The vector store caches each version's size; a stale size would cut results short."""

import numpy as np
import pytest

from retrieval.vector import VectorStore

pytestmark = pytest.mark.integration


def _vectors(n: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, 8)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_query_sees_chunks_added_after_an_earlier_query(tmp_path):
    store = VectorStore("local", tmp_path)
    store.create(1)
    store.add(1, ["a", "b"], _vectors(2, 0), [{"d": 1}, {"d": 2}])
    assert len(store.query(1, _vectors(1, 9)[0], k=10)) == 2
    store.add(1, ["c", "d", "e"], _vectors(3, 1), [{"d": i} for i in range(3)])
    assert sorted(c for c, _ in store.query(1, _vectors(1, 9)[0], k=10)) == ["a", "b", "c", "d", "e"]


def test_recreated_version_forgets_its_old_size(tmp_path):
    store = VectorStore("local", tmp_path)
    store.create(2)
    store.add(2, ["a", "b", "c"], _vectors(3, 2), [{"d": i} for i in range(3)])
    assert len(store.query(2, _vectors(1, 9)[0], k=10)) == 3
    store.create(2)  # a crashed build's leftover is dropped and started again
    assert store.query(2, _vectors(1, 9)[0], k=10) == []
    store.add(2, ["x"], _vectors(1, 3), [{"d": 0}])
    assert [c for c, _ in store.query(2, _vectors(1, 9)[0], k=10)] == ["x"]


@pytest.mark.parametrize("ef_search, exact", [(500, True), (50, False)])
def test_the_dense_candidates_are_the_exact_top_k_at_the_default_search_breadth(tmp_path, ef_search, exact):
    # The 50th candidate sets the floor of min-max fusion: an approximate tail that changed from one
    # process to the next moved fused scores (and confidence) between two runs of the same ticket.
    rng = np.random.default_rng(5)
    vecs = rng.normal(size=(3000, 32)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    store = VectorStore("local", tmp_path, ef_search=ef_search)
    store.create(1)
    store.add(1, [f"c{i}" for i in range(len(vecs))], vecs, [{"i": i} for i in range(len(vecs))])
    queries = _vectors(20, 11) @ rng.normal(size=(8, 32)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    same = [{c for c, _ in store.query(1, q, k=50)} == {f"c{i}" for i in np.argsort(-(vecs @ q))[:50]} for q in queries]
    assert all(same) is exact, sum(same)


def test_a_version_built_at_another_breadth_searches_at_the_configured_one(tmp_path):
    # Versions built before the breadth was a setting kept Chroma's 100; a new process (where the index
    # is not loaded yet) sets the configured breadth before its first query.
    import subprocess
    import sys

    rng = np.random.default_rng(5)
    vecs = rng.normal(size=(3000, 32)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    np.save(tmp_path / "vecs.npy", vecs)
    built = VectorStore("local", tmp_path / "chroma", ef_search=50)
    built.create(1)
    built.add(1, [f"c{i}" for i in range(len(vecs))], vecs, [{"i": i} for i in range(len(vecs))])
    probe = f"""
from pathlib import Path
import numpy as np
from retrieval.vector import VectorStore
vecs = np.load({str(tmp_path / "vecs.npy")!r})
rng = np.random.default_rng(11)
queries = rng.normal(size=(20, 32)).astype(np.float32)
queries /= np.linalg.norm(queries, axis=1, keepdims=True)
store = VectorStore("local", Path({str(tmp_path / "chroma")!r}), ef_search=500)
same = [{{c for c, _ in store.query(1, q, k=50)}} == {{f"c{{i}}" for i in np.argsort(-(vecs @ q))[:50]}} for q in queries]
print(sum(same), store.collection(1).configuration["hnsw"]["ef_search"])
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["20", "500"], out.stdout + out.stderr
