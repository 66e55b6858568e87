"""Assistant: turns a ticket into a grounded, cited draft reply or an escalation.

`from assistant import Assistant` works without importing the pipeline's dependencies up front.
"""

from __future__ import annotations

__all__ = ["Assistant"]


def __getattr__(name: str):
    if name == "Assistant":
        from assistant.pipeline import Assistant

        return Assistant
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
