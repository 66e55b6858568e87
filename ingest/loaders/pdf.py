"""PDF files via pypdf: page texts joined into one Document."""

from __future__ import annotations

import io
from pathlib import Path

from ingest.errors import LoaderError
from ingest.loaders.text import first_line_title
from ingest.models import Document
from ingest.normalize import normalize_text

_ENCRYPTED = "PDF is encrypted; remove the password (e.g. print to a new PDF) and ingest that copy"
_NO_TEXT = "PDF has no extractable text (scanned image?); OCR it first"


def load_pdf(path: Path, data: bytes, doc_id: str, source: str) -> Document:
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if b"%PDF-" not in data[:1024]:
        raise LoaderError(str(path), "corrupt PDF: no %PDF header; is it really a PDF?")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # Many PDFs are "encrypted" only to set permissions, with an empty user password.
            try:
                if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                    raise LoaderError(str(path), _ENCRYPTED)
            except (DependencyError, FileNotDecryptedError, NotImplementedError) as e:
                raise LoaderError(str(path), _ENCRYPTED) from e
        pages = [normalize_text(page.extract_text() or "") for page in reader.pages]
        meta_title = _meta_title(reader)
    except LoaderError:
        raise
    except FileNotDecryptedError as e:
        raise LoaderError(str(path), _ENCRYPTED) from e
    except RecursionError as e:
        raise LoaderError(str(path), "corrupt PDF: object structure nested too deeply") from e
    except Exception as e:  # pypdf raises many types on malformed input; all mean "cannot parse"
        raise LoaderError(str(path), f"corrupt PDF: {_reason(e)}") from e
    text = normalize_text("\n\n".join(p for p in pages if p))
    if not text:
        raise LoaderError(str(path), _NO_TEXT)
    title = meta_title or first_line_title(text, path.stem)
    return Document(doc_id=doc_id, source=source, format="pdf", title=title, text=text)


def _meta_title(reader) -> str:
    try:
        meta = reader.metadata
        title = meta.title if meta else None
    except Exception:  # a broken Info dictionary should not cost us the text
        return ""
    return normalize_text(str(title)) if title else ""


def _reason(e: Exception) -> str:
    msg = str(e).strip() or type(e).__name__
    return msg[:200]
