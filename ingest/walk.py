"""Find the files an ingest run should read, deterministically and without hanging on bad trees.

Globs are matched against the POSIX path relative to each root, with `**` spanning any number of
directories (including none: `**/*.md` matches `a.md` at the root). Symlinks to files are followed;
symlinked directories are followed once, and a link back into a directory already on the walk is
reported as a loop instead of being entered. A link that resolves outside the root (`/etc/passwd`,
`/etc`) is reported, not read, unless the caller allows external links: whoever can drop a link
into the knowledge base must not be able to publish the server's files in the help center.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from functools import lru_cache
from pathlib import Path

from ingest.models import FileError

# Extensions load_file understands; a root given as a single file is taken if its suffix is here.
SUPPORTED_EXTENSIONS = frozenset({".md", ".markdown", ".html", ".htm", ".txt", ".pdf", ".json", ".jsonl"})


def doc_id_for(root: Path, path: Path) -> str:
    """Stable document id: the POSIX path relative to `root`, or the file name when `root` is the file."""
    if root == path:
        return path.name
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def matches(rel_posix: str, include: list[str], exclude: list[str]) -> bool:
    """True when a relative POSIX path matches some include glob and no exclude glob."""
    return any(_glob_regex(g).match(rel_posix) for g in include) and not any(
        _glob_regex(g).match(rel_posix) for g in exclude
    )


def discover(
    roots: list[Path], include: list[str], exclude: list[str], follow_external: bool = False,
) -> tuple[list[tuple[Path, Path]], list[FileError]]:
    """(root, file) pairs to ingest, sorted by root then relative POSIX path, and the problems met.

    Missing roots, unreadable directories or files, symlink loops and (unless `follow_external`)
    symlinks that resolve outside their root become `FileError`s; the walk goes on with everything else.
    """
    found: list[tuple[Path, str, Path]] = []
    errors: list[FileError] = []
    for root in roots:
        if not _is_utf8(str(root)):
            errors.append(FileError(path=str(root), reason="path is not valid UTF-8; rename it"))
        elif not root.exists():
            if _is_loop_link(root):
                kind = "symlink loop"
            else:
                kind = "broken symlink" if root.is_symlink() else "path does not exist"
            errors.append(FileError(path=str(root), reason=f"{kind}; check the ingest path"))
        elif root.is_file():
            if root.suffix.lower() in SUPPORTED_EXTENSIONS:
                problem = _unreadable(root)
                if problem:
                    errors.append(FileError(path=str(root), reason=problem))
                else:
                    found.append((root, root.name, root))
            else:
                errors.append(FileError(
                    path=str(root),
                    reason=f"unsupported file type {root.suffix or '(none)'!r}; supported: "
                    + ", ".join(sorted(SUPPORTED_EXTENSIONS)),
                ))
        elif root.is_dir():
            _walk_root(root, include, exclude, found, errors, follow_external)
        else:
            errors.append(FileError(path=str(root), reason="not a regular file or directory; skip it"))
    # A root given twice (or a file given beside its folder's walk) is still read once per root.
    unique = {(str(root), rel): (root, rel, path) for root, rel, path in found}
    ordered = sorted(unique.values(), key=lambda item: (str(item[0]), item[1]))
    errors = sorted({(e.path, e.reason): e for e in errors}.values(), key=lambda e: (e.path, e.reason))
    return [(root, path) for root, _, path in ordered], errors


def _walk_root(
    root: Path, include: list[str], exclude: list[str],
    found: list[tuple[Path, str, Path]], errors: list[FileError], follow_external: bool = False,
) -> None:
    real_root = os.path.realpath(root)
    # Depth-first with an explicit stack; `ancestors` holds the resolved directories on the current
    # path, so a link to any of them is a loop, while two links to one sibling dir are both walked.
    stack: list[tuple[Path, str, frozenset[str]]] = [(root, "", frozenset())]
    while stack:
        directory, rel_dir, ancestors = stack.pop()
        real = os.path.realpath(directory)
        if real in ancestors:
            errors.append(FileError(
                path=str(directory),
                reason=f"symlink loop (points back to {real}); remove the link or exclude it",
            ))
            continue
        ancestors = ancestors | {real}
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except PermissionError:
            errors.append(FileError(path=str(directory), reason=_denied("directory")))
            continue
        except OSError as e:  # e.g. ELOOP on a self-referencing link, or removed mid-walk
            reason = "symlink loop; remove the link or exclude it" if e.errno == errno.ELOOP else f"cannot list directory: {e.strerror}"
            errors.append(FileError(path=str(directory), reason=reason))
            continue
        for entry in entries:
            rel = f"{rel_dir}{entry.name}"
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()  # follows symlinks
                is_file = entry.is_file()
            except OSError:
                is_dir = is_file = False
            taken = (is_dir and not _excluded_dir(rel, exclude)) or (is_file and matches(rel, include, exclude))
            if taken and not _is_utf8(entry.name):
                # Such a name cannot become a doc id, a database value or a line of JSON.
                errors.append(FileError(path=str(path), reason=(
                    f"{'folder' if is_dir else 'file'} name is not valid UTF-8; rename it (e.g. with convmv)")))
                continue
            if taken and not follow_external and entry.is_symlink():
                outside = _outside(path, real_root)
                if outside:
                    errors.append(FileError(path=str(path), reason=(
                        f"symlink to {outside}, outside the ingest root: not followed; move the file "
                        "into the knowledge base or set DEFLECT_FOLLOW_EXTERNAL_LINKS=true")))
                    continue
            if is_dir:
                if taken:
                    stack.append((path, rel + "/", ancestors))
            elif is_file:
                if taken:
                    problem = _unreadable(path)
                    if problem:
                        errors.append(FileError(path=str(path), reason=problem))
                    else:
                        found.append((root, rel, path))
            elif entry.is_symlink():
                if _is_loop_link(path):
                    errors.append(FileError(path=str(path), reason="symlink loop; remove the link or exclude it"))
                elif matches(rel, include, exclude):
                    errors.append(FileError(path=str(path), reason="broken symlink; fix or remove it"))


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes arrive as lone surrogates (PEP 383)
        return False
    return True


def _outside(path: Path, real_root: str) -> str | None:
    """The resolved target of `path` when it lies outside `real_root`, else None."""
    target = os.path.realpath(path)
    return None if target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep) else target


def _excluded_dir(rel_dir: str, exclude: list[str]) -> bool:
    """Prune a directory whose contents an exclude glob like `drafts/**` rules out entirely."""
    return any(g.endswith("/**") and _glob_regex(g[:-3]).match(rel_dir) for g in exclude)


def _is_loop_link(path: Path) -> bool:
    try:
        path.resolve(strict=True)
    except RuntimeError:  # Python 3.11 raises this for symlink loops
        return True
    except OSError as e:
        return e.errno == errno.ELOOP
    return False


def _unreadable(path: Path) -> str | None:
    """A reason when the current user cannot read the file, else None (without reading it)."""
    try:
        mode = path.stat().st_mode
    except PermissionError:
        return _denied("file")
    except OSError as e:
        return f"cannot read file: {e.strerror}"
    if not stat.S_ISREG(mode):
        return "not a regular file; exclude it"
    if not os.access(path, os.R_OK):
        return _denied("file")
    return None


def _denied(kind: str) -> str:
    return f"permission denied: cannot read this {kind}; fix the file permissions or exclude it"


@lru_cache(maxsize=256)
def _glob_regex(glob: str) -> re.Pattern[str]:
    """Translate a path glob to a regex: `**` any depth, `*`/`?` within one segment, `[...]` classes."""
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:[^/]*/)*")  # zero or more whole directories
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = glob.find("]", i + 2)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = glob[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z")
