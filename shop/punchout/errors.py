"""Domain errors of PunchOut; each knows the cXML Status code it becomes."""

from __future__ import annotations

from shop.errors import PermissionDenied, ShopError

# One text for an unknown identity and for a wrong secret, so nothing can be probed.
UNAUTHORIZED_TEXT = "Unauthorized: credentials not accepted"


class PunchOutRefused(ShopError):
    """A setup request (or OCI entry) is refused; ``code`` is the cXML Status code."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


class Unauthorized(PunchOutRefused):
    def __init__(self) -> None:
        super().__init__(401, UNAUTHORIZED_TEXT)


class ConnectionInvalid(ShopError):
    """A connection's settings break a rule; the message names the field and the rule."""


class StartRefused(PermissionDenied):
    """A StartPage token is unknown, used or expired (all three look the same).

    ``frame_ancestors`` are the connection's origins when the token was known, so the
    explanation can still be shown inside the buyer's frame.
    """

    status = 403

    def __init__(self, message: str, frame_ancestors: list[str] | None = None) -> None:
        super().__init__(message)
        self.frame_ancestors = frame_ancestors or []


class StartLocked(StartRefused):
    """Too many bad StartPage tokens from this client address: refused for a while."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SessionEnded(ShopError):
    """The PunchOut session is over (transferred, cancelled or expired)."""

    def __init__(self, message: str, frame_ancestors: list[str] | None = None) -> None:
        super().__init__(message)
        self.frame_ancestors = frame_ancestors or []


class CartBlocked(ShopError):
    """The cart has lines the buyer would reject; ``problems`` says which and why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
