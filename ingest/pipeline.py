"""Stage an ingest run: scan, load, diff against the active version, redact, chunk, dedupe,
and write the new version's documents and chunks to the catalog (status 'building').

Publishing the staged version (embeddings, Chroma, BM25, the atomic switch) is retrieval's
job (`retrieval.indexer`), so data flows one way: ingest -> retrieval.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.catalog import Catalog
from ingest.chunking import Chunker
from ingest.dedupe import dedupe
from ingest.errors import LoaderError
from ingest.loaders import load_file
from ingest.models import Chunk, Document, FileError, IngestReport, SourceFlag, sha256
from ingest.redact import RULES_VERSION, Redactor, merge_counts, redact_identifiers, redact_name
from ingest.screening import help_center_sites, screen_source
from ingest.walk import discover

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def index_config(settings, embedding_model_id: str) -> dict:
    """What an index version's content depends on, besides the documents themselves."""
    return {
        "chunk_size": settings.chunk_size, "chunk_overlap": settings.chunk_overlap,
        "near_dup_threshold": settings.near_dup_threshold, "redact_pii": settings.redact_pii,
        "redaction_rules": RULES_VERSION if settings.redact_pii else None,
        "embedding_model": embedding_model_id, "bm25_backend": settings.bm25_backend,
        # documents are screened against the allowed link domains: a new list re-screens them all
        "allowed_link_domains": sorted(settings.allowed_link_domains),
    }


def config_hash(config: dict) -> str:
    return sha256(json.dumps(config, sort_keys=True))[:16]


@dataclass
class Staged:
    """A staged run. `version` is None when nothing changed and no version is needed."""

    run_id: str
    report: IngestReport
    version: int | None = None
    chunks: list[Chunk] = field(default_factory=list)  # kept (indexed) chunks, stable order
    previous: int | None = None
    config: dict = field(default_factory=dict)
    started: float = 0.0


@dataclass
class _Scan:
    docs: list[tuple[str, Document, str]] = field(default_factory=list)  # (root, doc, pre-redaction hash)
    errors: list[FileError] = field(default_factory=list)
    failed_sources: set[tuple[str, str]] = field(default_factory=set)  # (root, relpath) present but unreadable


def scan(roots: list[Path], settings, progress: Progress = _no_progress, redactor: Redactor | None = None) -> _Scan:
    """Every document under `roots`. With a redactor, PII is taken out of what names each document
    (id, source, URL, labels) and out of the error paths, before anything is compared or stored."""
    files, errors = discover(roots, settings.include, settings.exclude, settings.follow_external_links)

    def name(text: str) -> str:
        return (redact_name(text, redactor) or text) if redactor is not None else text

    def error(e: FileError) -> FileError:
        return FileError(path=name(e.path), reason=name(e.reason)) if redactor is not None else e

    out = _Scan(errors=[error(e) for e in errors])
    owner: dict[str, str] = {}
    max_bytes = int(settings.max_file_mb * 1024 * 1024)
    for i, (root, path) in enumerate(files, 1):
        rel = path.relative_to(root).as_posix() if root.is_dir() else path.name
        try:
            res = load_file(root, path, max_bytes)
        except LoaderError as e:
            out.errors.append(error(FileError(path=str(path), reason=e.reason)))
            out.failed_sources.add((str(root), name(rel)))  # compared with the (redacted) stored source
            progress("scan", i, len(files))
            continue
        out.errors.extend(error(p) for p in res.problems)
        for doc in res.documents:
            h = doc.content_hash  # of the document as it is: a change anywhere is a change
            if redactor is not None:
                doc = redact_identifiers(doc, redactor)
            if doc.doc_id in owner:
                out.errors.append(error(FileError(
                    path=str(path),
                    reason=f"doc id '{doc.doc_id}' already comes from {owner[doc.doc_id]}; "
                    "rename one of them or ingest the folders separately")))
                continue
            owner[doc.doc_id] = str(path)
            out.docs.append((str(root), doc, h))
        progress("scan", i, len(files))
    return out


def stage(roots: list[Path], settings, catalog: Catalog, embedding_model_id: str,
          redactor: Redactor | None = None, progress: Progress = _no_progress) -> Staged:
    started = time.perf_counter()
    run_id = uuid.uuid4().hex[:12]
    roots = [Path(r).resolve() for r in roots]
    root_keys = {str(r) for r in roots}
    catalog.start_run(run_id, sorted(root_keys))
    report = IngestReport(run_id=run_id)
    try:
        return _stage(roots, settings, catalog, embedding_model_id, redactor, progress, run_id, report, started)
    except BaseException:
        # Whatever broke (a bug, Ctrl-C), the run must not stay "running"; a half-staged version is
        # discarded by the next run.
        catalog.finish_run(run_id, "failed", report.model_dump())
        raise


def _stage(roots: list[Path], settings, catalog: Catalog, embedding_model_id: str, redactor: Redactor | None,
           progress: Progress, run_id: str, report: IngestReport, started: float) -> Staged:
    root_keys = {str(r) for r in roots}
    config = index_config(settings, embedding_model_id)
    chash = config_hash(config)

    redactor = redactor or Redactor()
    found = scan(roots, settings, progress, redactor if settings.redact_pii else None)
    report.errors = found.errors
    active = catalog.active_version()
    prev = catalog.doc_hashes(active)
    config_changed = active is not None and (catalog.version(active) or {}).get("config_hash") != chash

    to_process: list[tuple[str, Document, str]] = []
    carried: list[str] = []  # doc ids whose chunks come from the active version as they are
    seen: set[str] = set()
    for root, doc, h in found.docs:
        seen.add(doc.doc_id)
        old = prev.get(doc.doc_id)
        if old is None:
            report.added += 1
            to_process.append((root, doc, h))
        elif old[1] != h:
            report.updated += 1
            to_process.append((root, doc, h))
        else:
            report.unchanged += 1
            (to_process.append((root, doc, h)) if config_changed else carried.append(doc.doc_id))
    for doc_id, (root, _h) in sorted(prev.items()):
        if doc_id in seen:
            continue
        source = _source_of(catalog, active, doc_id)
        if root not in root_keys or (root, source) in found.failed_sources:
            carried.append(doc_id)  # another knowledge base, or unreadable now: keep what was indexed
        else:
            report.removed += 1

    if not found.docs:
        # Nothing readable under the given paths: never treat that as "everything was deleted"
        # (a wrong path or an unmounted share must not wipe the index).
        if not report.errors:
            report.errors.append(FileError(path=", ".join(sorted(root_keys)), reason=(
                "no supported documents found; check the path and DEFLECT_INCLUDE/DEFLECT_EXCLUDE. "
                "Nothing was changed")))
        report.removed = 0
        report.seconds = round(time.perf_counter() - started, 3)
        catalog.finish_run(run_id, "failed", report.model_dump())
        return Staged(run_id, report, None, previous=active, config=config, started=started)
    if active is not None and not (to_process or report.removed or config_changed):
        report.index_version = active
        report.seconds = round(time.perf_counter() - started, 3)
        catalog.finish_run(run_id, "unchanged", report.model_dump())
        return Staged(run_id, report, None, previous=active, config=config, started=started)

    _discard_unfinished(catalog)
    version = catalog.next_version()
    catalog.start_version(version, chash, config, run_id, embedding_model_id)

    chunker = Chunker(settings.chunk_size, settings.chunk_overlap)
    sites = help_center_sites((d.url for _, d, _ in found.docs), settings.allowed_link_domains)
    new_chunks: list[Chunk] = []
    doc_rows: list[tuple[str, Document, str, int]] = []
    for i, (root, doc, h) in enumerate(to_process, 1):
        if settings.redact_pii:
            text, counts = redactor.redact(doc.text)
            title, tcounts = redactor.redact(doc.title)
            doc = doc.model_copy(update={"text": text, "title": title, "redactions": merge_counts(counts, tcounts)})
            report.redactions_by_type = merge_counts(report.redactions_by_type, doc.redactions)
        doc = doc.model_copy(update={"flags": flags_of(doc, sites)})
        report.flagged += doc.flags
        pieces = chunker.split(doc)
        new_chunks += pieces
        doc_rows.append((root, doc, h, len(pieces)))
        progress("chunk", i, len(to_process))
    report.redactions = sum(report.redactions_by_type.values())

    old_chunks = catalog.chunks_of_docs(active, carried) if active is not None and carried else []
    result = dedupe(old_chunks + new_chunks, settings.near_dup_threshold)
    report.duplicates = sum(len(g) - 1 for g in result.groups)
    report.duplicate_groups = result.groups

    catalog.add_documents(version, doc_rows)
    if carried:
        catalog.copy_documents(active, version, carried)
        catalog.set_roots(version, {d.doc_id: root for root, d, _ in found.docs if d.doc_id in set(carried)})
    catalog.add_chunks(version, result.chunks)
    kept = result.kept
    report.chunks = len(kept)
    return Staged(run_id, report, version, kept, previous=active, config=config, started=started)


def flags_of(doc: Document, sites: frozenset[str]) -> list[SourceFlag]:
    """What screening finds in a document that no draft may repeat (hidden markup alone is not flagged)."""
    found = screen_source(f"{doc.title}\n{doc.text}", sites)
    return [SourceFlag(doc_id=doc.doc_id, title=doc.title, kind=f.kind, excerpt=f.excerpt) for f in found if f.severe]


def _source_of(catalog: Catalog, version: int | None, doc_id: str) -> str:
    row = catalog.db.execute(
        "SELECT source FROM documents WHERE version = ? AND doc_id = ?", [version, doc_id]).fetchone()
    return row[0].split("#", 1)[0] if row else ""


def _discard_unfinished(catalog: Catalog) -> None:
    """A build that crashed or was killed left a 'building' version: its rows go, its embeddings stay cached."""
    for v in catalog.versions():
        if v["status"] == "building":
            log.warning("discarding unfinished index version %s from an interrupted run", v["version"])
            catalog.purge_version_rows(v["version"])
            catalog.mark_version(v["version"], "failed")
