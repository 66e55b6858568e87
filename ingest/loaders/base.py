"""Shared plumbing for loaders: bounded reads, text decoding and the result type."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import NamedTuple

from ingest.errors import LoaderError
from ingest.models import Document, FileError

_MB = 1024 * 1024  # the limit is DEFLECT_MAX_FILE_MB * 1024 * 1024 bytes
# "Text" with more than 10% control characters, or 30% control-or-undecodable, is a binary file;
# a Latin-1 file (accents undecodable as UTF-8) stays below that and gets the encoding message.
_CONTROL_RATIO = 0.1
_NON_TEXT_RATIO = 0.3


class LoadResult(NamedTuple):
    """What one file yielded: its documents, plus per-record problems (help-center exports only).

    A file that yields nothing usable raises `LoaderError` instead, so `documents` is never empty.
    """

    documents: list[Document]
    problems: list[FileError]


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refusing (before reading) files over `max_bytes` and empty files."""
    try:
        size = path.stat().st_size
    except PermissionError as e:
        raise LoaderError(str(path), _denied()) from e
    except OSError as e:
        raise LoaderError(str(path), f"cannot read file: {e.strerror}") from e
    if size > max_bytes:
        raise LoaderError(
            str(path),
            f"file is {_fmt_mb(size)} MB, over the {_fmt_mb(max_bytes)} MB limit (DEFLECT_MAX_FILE_MB); "
            "split it or raise the limit",
        )
    if size == 0:
        raise LoaderError(str(path), "file is empty")
    try:
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)  # bounded: the file may have grown since stat()
    except PermissionError as e:
        raise LoaderError(str(path), _denied()) from e
    except IsADirectoryError as e:
        raise LoaderError(str(path), "is a directory, not a file") from e
    except OSError as e:
        raise LoaderError(str(path), f"cannot read file: {e.strerror}") from e
    if len(data) > max_bytes:
        raise LoaderError(str(path), f"file grew past the {_fmt_mb(max_bytes)} MB limit while being read")
    if not data:
        raise LoaderError(str(path), "file is empty")
    return data


def decode_text(path: Path, data: bytes) -> str:
    """Decode UTF-8 (BOM optional) or BOM-marked UTF-16; reject binary data and other encodings."""
    if data.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8", data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, body = "utf-16", data
    else:
        encoding, body = "utf-8", data
        if b"\x00" in body:
            raise LoaderError(str(path), _binary(path))
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as e:
        if _looks_binary(body.decode(encoding, errors="replace")):
            raise LoaderError(str(path), _binary(path)) from e
        if encoding == "utf-16":
            raise LoaderError(str(path), "not valid UTF-16 (truncated or corrupt); re-save the file as UTF-8") from e
        bad = body[e.start]
        offset = e.start + (len(data) - len(body))
        raise LoaderError(
            str(path), f"not valid UTF-8 (bad byte 0x{bad:02x} at offset {offset}); re-save the file as UTF-8"
        ) from e
    if "\x00" in text or _looks_binary(text):
        raise LoaderError(str(path), _binary(path))
    return text


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    control = sum(1 for c in text if (c < " " and c not in "\t\n\r\f\v") or "\x7f" <= c <= "\x9f")
    undecodable = text.count("\ufffd")
    return control / len(text) > _CONTROL_RATIO or (control + undecodable) / len(text) > _NON_TEXT_RATIO


def _binary(path: Path) -> str:
    return (f"binary content in a {path.suffix or 'text'} file (NUL bytes or mostly non-text); "
            "check it is really text, or exclude it")


def _denied() -> str:
    return "permission denied: cannot read this file; fix the file permissions or exclude it"


def _fmt_mb(n: int) -> str:
    mb = n / _MB
    return f"{mb:.0f}" if mb == int(mb) else f"{mb:.1f}"
