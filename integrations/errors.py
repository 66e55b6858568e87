"""Errors of the help-desk integrations, all under deflectkit's DeflectError."""

from deflectkit.core.errors import ConfigError, DeflectError, InputError


class IntegrationError(DeflectError):
    """A help-desk integration could not do its job."""


class MissingSetting(ConfigError):
    def __init__(self, variable: str, what: str) -> None:
        super().__init__(f"{what} is not set: set the environment variable {variable}.")
        self.variable = variable


class BadSignature(IntegrationError):
    """The webhook's signature does not match its body: it did not come from the help desk, or was altered."""


class StaleEvent(BadSignature):
    """The webhook's signed timestamp is outside the tolerance window (a replayed or delayed delivery)."""


class BadEvent(InputError):
    """The webhook body is not an event of the shape the help desk documents."""
