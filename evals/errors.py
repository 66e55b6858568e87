"""Errors the evaluation harness raises on purpose; messages say what to do."""

from deflectkit.core.errors import DeflectError


class EvalError(DeflectError):
    """Base class for evaluation errors."""


class DatasetNotFound(EvalError):
    """A dataset spec names nothing we can load."""


class DatasetFormatError(EvalError):
    """A dataset file does not have the expected shape."""


class RunNotFound(EvalError):
    """An evaluation run id (or JSON file) is unknown."""
