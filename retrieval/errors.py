from deflectkit.core.errors import DeflectError


class RetrievalError(DeflectError):
    """Search could not run."""


class NoActiveIndex(RetrievalError):
    def __init__(self, data_dir: str):
        super().__init__(
            f"No index is active in {data_dir}. Run `deflect ingest PATH` first "
            "(or `deflect index activate VERSION`)."
        )


class EmbeddingModelMissing(RetrievalError):
    """The embedding model's files are not installed."""


class VersionNotFound(RetrievalError):
    pass
