"""Fixtures for ingest tests: tiny real files (valid and broken) built in tmp dirs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

MB = 1024 * 1024


def _pdf_string(s: str) -> str:
    return "(" + s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def make_pdf(pages: list[str], title: str | None = None) -> bytes:
    """A minimal valid PDF (correct xref offsets), one line of Helvetica text per page; '' = blank page."""
    objects: list[str] = []
    n_pages = len(pages)
    page_ids = [4 + 2 * i for i in range(n_pages)]
    objects.append("<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{' '.join(f'{p} 0 R' for p in page_ids)}] /Count {n_pages} >>")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        content = f"BT /F1 12 Tf 72 720 Td {_pdf_string(text)} Tj ET" if text else ""
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_ids[i] + 1} 0 R >>"
        )
        objects.append(f"<< /Length {len(content.encode('latin-1'))} >>\nstream\n{content}\nendstream")
    info_ref = ""
    if title is not None:
        objects.append(f"<< /Title {_pdf_string(title)} >>")
        info_ref = f" /Info {len(objects)} 0 R"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for num, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{num} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info_ref} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@pytest.fixture
def pdf_bytes():
    return make_pdf


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """A small knowledge-base tree with nested folders, a draft and a non-matching file."""
    root = tmp_path / "kb"
    (root / "guides" / "billing").mkdir(parents=True)
    (root / "drafts").mkdir()
    (root / "README.md").write_text("# Readme\n\nTop level.\n")
    (root / "guides" / "reset.md").write_text("# Reset password\n\nSteps.\n")
    (root / "guides" / "billing" / "refunds.html").write_text("<h1>Refunds</h1><p>Within 30 days.</p>")
    (root / "guides" / "notes.txt").write_text("Notes\n\nPlain text.\n")
    (root / "drafts" / "wip.md").write_text("# WIP\n")
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return root


@pytest.fixture
def big_text_file(tmp_path: Path) -> Path:
    """A 50 MB .txt file created sparse (no 50 MB write)."""
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.write(b"hello")
        f.truncate(50 * MB)
    return path


@pytest.fixture
def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
