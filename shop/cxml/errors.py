"""The one error type of the cXML layer.

Its message is written for the other party: it names the element and the problem and can go
straight into a cXML ``<Status>`` text. It never contains libxml2's own wording, file paths
or secrets; those go, at most, into ``internal`` for the server log.
"""

from __future__ import annotations

# Longest piece of a sender's own value that is quoted back in a message.
_QUOTE_LIMIT = 40


class CXMLError(ValueError):
    """A document that cannot be accepted, with the cXML status code to answer with."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        element: str | None = None,
        internal: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.element = element
        # Parser details for the server log only: never shown to the sender.
        self.internal = internal

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"CXMLError({self.message!r}, status={self.status}, element={self.element!r})"


def quote(value: str) -> str:
    """A sender's value, shortened, ready to be quoted in an error message."""
    value = " ".join(value.split())
    if len(value) > _QUOTE_LIMIT:
        value = value[: _QUOTE_LIMIT - 1] + "…"
    return f"'{value}'"
