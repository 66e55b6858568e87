"""discover(): deterministic, glob-filtered and robust to missing roots, loops and permissions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deflectkit.core.config import DEFAULT_INCLUDE
from ingest.walk import discover, doc_id_for, matches

pytestmark = pytest.mark.unit


def rels(pairs: list[tuple[Path, Path]]) -> list[str]:
    return [doc_id_for(root, path) for root, path in pairs]


def test_default_include_finds_supported_files_sorted(kb):
    files, errors = discover([kb], DEFAULT_INCLUDE, [])
    assert errors == []
    assert rels(files) == [
        "README.md", "drafts/wip.md", "guides/billing/refunds.html", "guides/notes.txt", "guides/reset.md",
    ]
    assert all(root == kb for root, _ in files)


def test_exclude_glob_prunes_folder(kb):
    files, _ = discover([kb], DEFAULT_INCLUDE, ["drafts/**"])
    assert "drafts/wip.md" not in rels(files)
    assert "guides/reset.md" in rels(files)


def test_include_restricts_to_pattern(kb):
    files, _ = discover([kb], ["guides/**/*.md"], [])
    assert rels(files) == ["guides/reset.md"]


def test_order_is_by_root_then_relative_path(tmp_path):
    b, a = tmp_path / "b", tmp_path / "a"
    for d in (a, b):
        (d / "z").mkdir(parents=True)
        (d / "z" / "x.md").write_text("x")
        (d / "y.md").write_text("y")
    files, _ = discover([b, a], ["**/*.md"], [])
    assert [(r.name, doc_id_for(r, p)) for r, p in files] == [
        ("a", "y.md"), ("a", "z/x.md"), ("b", "y.md"), ("b", "z/x.md"),
    ]


@pytest.mark.parametrize(
    ("path", "glob", "expected"),
    [
        ("a.md", "**/*.md", True),
        ("x/y/a.md", "**/*.md", True),
        ("a.md.bak", "**/*.md", False),
        ("x/a.md", "*.md", False),
        ("drafts/a.md", "drafts/**", True),
        ("deep/drafts/a.md", "**/drafts/**", True),
        ("a1.md", "a?.md", True),
        ("ab.md", "a[0-9].md", False),
    ],
)
def test_glob_semantics(path, glob, expected):
    assert matches(path, [glob], []) is expected


def test_single_file_root_included_regardless_of_globs(kb):
    target = kb / "guides" / "notes.txt"
    files, errors = discover([target], ["**/*.md"], ["**/*.txt"])
    assert files == [(target, target)] and errors == []
    assert doc_id_for(target, target) == "notes.txt"


def test_single_file_root_with_unsupported_extension_is_an_error(kb):
    files, errors = discover([kb / "image.png"], DEFAULT_INCLUDE, [])
    assert files == []
    assert "unsupported file type '.png'" in errors[0].reason


def test_missing_root_is_reported_not_raised(tmp_path, kb):
    files, errors = discover([tmp_path / "nope", kb], DEFAULT_INCLUDE, [])
    assert len(files) == 5
    assert [e.path for e in errors] == [str(tmp_path / "nope")]
    assert "does not exist" in errors[0].reason


def test_symlink_loop_is_reported_and_terminates(kb):
    loop = kb / "guides" / "loop"
    loop.symlink_to(kb, target_is_directory=True)
    files, errors = discover([kb], DEFAULT_INCLUDE, [])
    assert rels(files) == [
        "README.md", "drafts/wip.md", "guides/billing/refunds.html", "guides/notes.txt", "guides/reset.md",
    ]
    assert [(e.path, e.reason.split(" (")[0]) for e in errors] == [(str(loop), "symlink loop")]


def test_self_referencing_symlink_is_reported(kb):
    me = kb / "me.md"
    me.symlink_to(me)
    files, errors = discover([kb], DEFAULT_INCLUDE, [])
    assert len(files) == 5
    assert errors[0].path == str(me) and errors[0].reason.startswith("symlink loop")


def test_symlinks_inside_the_root_are_followed(kb):
    (kb / "shared").symlink_to(kb / "guides", target_is_directory=True)
    (kb / "alias.md").symlink_to(kb / "README.md")
    (kb / "drafts" / "up.md").symlink_to(Path("..") / "guides" / "reset.md")  # relative, via ..
    files, errors = discover([kb], ["**/*.md"], [])
    assert errors == []
    assert {"shared/reset.md", "alias.md", "drafts/up.md"} <= set(rels(files))


def test_symlinks_out_of_the_root_are_reported_not_followed(kb, tmp_path):
    outside = tmp_path / "shared"
    outside.mkdir()
    (outside / "faq.md").write_text("# FAQ")
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash")
    (kb / "links").mkdir()
    (kb / "links" / "passwd.txt").symlink_to(secret)
    (kb / "links" / "etc-dir").symlink_to(outside, target_is_directory=True)
    (kb / "kb-twin").symlink_to(kb.parent / "kb", target_is_directory=True)  # back into the root: a loop, not "outside"
    files, errors = discover([kb], DEFAULT_INCLUDE, [])
    assert not any(r.startswith("links/") for r in rels(files))
    outside_errors = {e.path: e.reason for e in errors if "outside the ingest root" in e.reason}
    assert set(outside_errors) == {str(kb / "links" / "passwd.txt"), str(kb / "links" / "etc-dir")}
    assert str(secret) in outside_errors[str(kb / "links" / "passwd.txt")]
    assert all("DEFLECT_FOLLOW_EXTERNAL_LINKS" in r for r in outside_errors.values())


def test_external_links_followed_when_allowed(kb, tmp_path):
    outside = tmp_path / "shared"
    outside.mkdir()
    (outside / "faq.md").write_text("# FAQ")
    (kb / "shared").symlink_to(outside, target_is_directory=True)
    files, errors = discover([kb], ["**/*.md"], [], follow_external=True)
    assert errors == [] and "shared/faq.md" in rels(files)


def test_excluded_external_link_is_not_reported(kb, tmp_path):
    (kb / "drafts" / "passwd.md").symlink_to(tmp_path)
    files, errors = discover([kb], DEFAULT_INCLUDE, ["drafts/**"])
    assert errors == []


def test_broken_symlink_reported(kb):
    (kb / "gone.md").symlink_to(kb / "missing.md")
    _, errors = discover([kb], DEFAULT_INCLUDE, [])
    assert [e.reason for e in errors] == ["broken symlink; fix or remove it"]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read chmod 000 files")
def test_unreadable_dir_and_file_reported(kb):
    secret_dir, secret_file = kb / "drafts", kb / "guides" / "reset.md"
    secret_dir.chmod(0)
    secret_file.chmod(0)
    try:
        files, errors = discover([kb], DEFAULT_INCLUDE, [])
    finally:
        secret_dir.chmod(0o755)
        secret_file.chmod(0o644)
    assert "guides/reset.md" not in rels(files) and "README.md" in rels(files)
    assert {e.path for e in errors} == {str(secret_dir), str(secret_file)}
    assert all(e.reason.startswith("permission denied") and "fix the file permissions" in e.reason for e in errors)


def test_unreadable_file_reported_via_access_check(kb, monkeypatch):
    # Runs as root too: simulate what chmod 000 does for a normal user.
    secret = str(kb / "guides" / "reset.md")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: str(p) != secret and real_access(p, mode, **kw))
    files, errors = discover([kb], DEFAULT_INCLUDE, [])
    assert "guides/reset.md" not in rels(files)
    assert [e.path for e in errors] == [secret]
    assert errors[0].reason.startswith("permission denied")


def test_doc_id_is_posix_relative(tmp_path):
    assert doc_id_for(tmp_path, tmp_path / "a" / "b.md") == "a/b.md"


def test_unlistable_dir_reported_via_scandir(kb, monkeypatch):
    real_scandir = os.scandir
    denied = str(kb / "drafts")

    def scandir(path):
        if str(path) == denied:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, errors = discover([kb], DEFAULT_INCLUDE, [])
    assert "drafts/wip.md" not in rels(files) and len(files) == 4
    assert [e.path for e in errors] == [denied]
    assert "permission denied" in errors[0].reason and "exclude it" in errors[0].reason


def test_root_given_twice_is_walked_once(kb):
    files, _ = discover([kb, kb], DEFAULT_INCLUDE, [])
    assert len(files) == 5


def test_looping_root_reported(tmp_path):
    me = tmp_path / "me"
    me.symlink_to(me)
    files, errors = discover([me], DEFAULT_INCLUDE, [])
    assert files == [] and errors[0].reason.startswith("symlink loop")
