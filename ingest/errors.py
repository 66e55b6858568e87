from deflectkit.core.errors import DeflectError


class IngestError(DeflectError):
    """An ingest run could not complete."""


class LoaderError(IngestError):
    """One file could not be read. The run records it in errors[] and goes on with the others."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IngestLocked(IngestError):
    """Another ingest holds the lock on this data dir."""
