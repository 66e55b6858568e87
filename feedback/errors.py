from deflectkit.core.errors import DeflectError, StoreBusy

__all__ = ["FeedbackError", "FlagError", "ReportError", "StoreBusy", "UnknownInteraction", "UserError"]


class FeedbackError(DeflectError):
    """Something in the feedback store went wrong."""


class UnknownInteraction(FeedbackError):
    def __init__(self, request_id: str):
        super().__init__(f"No interaction with request id {request_id!r}. Record the answer first "
                         "(FeedbackStore.record_interaction) before feedback, edits, sends or escalations.")
        self.request_id = request_id


class FlagError(FeedbackError):
    """An unknown flag name or a value of the wrong type."""


class UserError(FeedbackError):
    """A user could not be created or changed (exists already, bad name, bad role)."""


class ReportError(FeedbackError):
    """A report cannot be made from what was given (a bad baseline file, a period without tickets)."""
