"""Root of the exception hierarchy. Each package's errors.py derives from DeflectError.

Messages say what went wrong and what to do; the CLI and UI show them as they are.
"""


class DeflectError(Exception):
    """Base class for every error deflectkit raises on purpose."""


class ConfigError(DeflectError):
    """A setting is missing or invalid."""


class StoreBusy(DeflectError):
    """A SQLite database stayed locked by other writers for longer than the retry budget."""


class InputError(DeflectError):
    """Input the user gave (a file, a line, a ticket) cannot be used as it is."""
