"""What a service refuses, by kind: the base classes of every app's service exceptions.

Services raise these (or their own subclasses) and know nothing of HTTP; the API's one
exception handler (``config.api.exception_handler``) gives each kind its documented answer,
and the site's views catch them to show the same message on the page. The message is
written for the person who asked: it may name only what they may know.
"""


class InvalidField(ValueError):
    """One input's value is refused (400, under the field's name)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class NotPermitted(Exception):
    """The asker may not do this, although they may see the thing (403)."""


class Refused(Exception):
    """The thing's present state does not allow this (409); the message says what does."""

    def answer(self) -> dict:
        """The body of the answer (a subclass may add what the reader needs)."""
        return {"detail": str(self)}
