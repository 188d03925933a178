"""Security headers on every response, and https only for cXML doors when configured.

Pages carry a strict Content-Security-Policy (no inline script or style), so every script
lives in ``static/js`` and every style in ``static/css``. PunchOut pages may be framed by the
buyer's procurement system: they set ``g.frame_ancestors`` to that connection's origins.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request

from shop.body_limit import cxml_status

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

# The buyer's page receives the cart by a form post from our transfer page, so form-action
# is left open there (see punchout); everywhere else forms post only to this site.
BASE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'"
)


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def content_security_policy() -> str:
    ancestors = getattr(g, "frame_ancestors", None)
    frame = " ".join(["'self'", *ancestors]) if ancestors else "'self'"
    policy = f"{BASE_POLICY}; frame-ancestors {frame}"
    if not getattr(g, "open_form_action", False):
        policy += "; form-action 'self'"
    return policy


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def cxml_https_only(view: F) -> F:
    """Decorate a cXML door: with ``CXML_HTTPS_ONLY``, a request over plain http gets 403.

    The refusal comes before the body is read, like the size limit's 413: the secret in it
    has travelled in clear already, but the buyer learns at once to use the https URL.
    """

    @functools.wraps(view)  # keeps the view's marks (``reads_raw_body``)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if current_app.config["CXML_HTTPS_ONLY"] and not request.is_secure:
            log.warning("refused cXML over plain http on %s", request.path)
            body = cxml_status(403, "Forbidden", "This endpoint takes cXML over https only.")
            return Response(body, status=403, mimetype="text/xml")
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]
