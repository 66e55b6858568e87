"""The ticket redactor: one per process, with Presidio's own loggers kept quiet.

Presidio takes seconds to load, so every Assistant in a process (CLI, UI sessions, evals) shares
one Redactor. Presidio's loggers are pinned to WARNING when a Redactor loads (ingest/redact.py)
and again on every hand-out here, in case the app reconfigured logging in between.
"""

from __future__ import annotations

import functools

from ingest.redact import PRESIDIO_LOGGERS, pin_presidio_loggers

__all__ = ["PRESIDIO_LOGGERS", "pin_presidio_loggers", "shared_redactor"]


def shared_redactor():
    """The process's Redactor (Presidio loads on its first use), loggers pinned on every hand-out."""
    pin_presidio_loggers()
    return _redactor()


@functools.cache
def _redactor():
    from ingest.redact import Redactor

    return Redactor()
