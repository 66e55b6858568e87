"""Root of the exception hierarchy. Each package's errors.py derives from DeflectError.

Messages say what went wrong and what to do; the CLI and UI show them as they are.
"""


class DeflectError(Exception):
    """Base class for every error deflectkit raises on purpose."""


class ConfigError(DeflectError):
    """A setting is missing or invalid."""
