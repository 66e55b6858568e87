import math

from deflectkit.core.errors import DeflectError, StoreBusy

__all__ = ["EscalationError", "FeedbackError", "FlagError", "LoginThrottled", "ReportError", "StoreBusy",
           "UnknownInteraction", "UserError"]


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


class LoginThrottled(UserError):
    """Too many failed sign-ins for an account or from a client: refused without checking the password."""

    def __init__(self, retry_after_s: float, scope: str, locked: bool):
        wait = f"{math.ceil(retry_after_s / 60)} min" if retry_after_s >= 60 else f"{math.ceil(retry_after_s)} s"
        what = "for this account" if scope == "account" else "from this address"
        why = "locked after too many failed sign-ins" if locked else "slowed down after failed sign-ins"
        reset = ", or ask an admin to reset the password" if scope == "account" else ""
        super().__init__(f"Sign-in {why} {what}: try again in {wait}{reset}.")
        self.retry_after_s, self.scope, self.locked = retry_after_s, scope, locked


class EscalationError(FeedbackError):
    """A queue action that cannot be done (unknown escalation, claimed by someone else, empty reply)."""
