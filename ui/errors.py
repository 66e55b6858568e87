from deflectkit.core.errors import DeflectError


class UiError(DeflectError):
    """Something the person at the screen can fix: the message says how."""
