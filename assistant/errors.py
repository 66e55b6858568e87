from deflectkit.core.errors import DeflectError


class AssistantError(DeflectError):
    """The assistant could not draft a reply."""


class EmptyTicket(AssistantError):
    def __init__(self) -> None:
        super().__init__("The ticket is empty: paste the customer's message (subject and/or body) and try again.")


class CalibrationError(AssistantError):
    """Confidence calibration could not be fitted or loaded."""


class ProviderUnavailable(AssistantError):
    """An LLM provider was asked for but cannot be built here."""
