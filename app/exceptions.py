"""Domain errors: raised by rules and services, translated to HTTP by views."""


class DomainError(Exception):
    """A business rule refused an action; the message is shown to the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The user may not do this to this object."""
