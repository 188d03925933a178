"""A size limit for XML endpoints, enforced before a single byte is parsed.

``MAX_XML_BYTES`` (10 MB by default) bounds the body of every cXML endpoint: a declared
``Content-Length`` above it is refused without reading the body, and a chunked body (no
length) is read with a cap and refused as soon as it passes the limit. The refusal is an
HTTP 413 whose body is a minimal cXML Response with Status 413 when the request was XML,
so the buyer's system can show why.

Use it on a view (after ``@csrf.exempt``)::

    @bp.post("/cxml")
    @csrf.exempt
    @xml_body_limit
    def receive() -> Response:
        body = request.get_data()  # already read, at most MAX_XML_BYTES

or for a whole blueprint: ``bp.before_request(enforce_xml_body_limit)``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from shop.cxml import DEFAULT_VERSION, build_status_response
from shop.text_guard import reads_raw_body

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

XML_MIMETYPES = {"text/xml", "application/xml"}


def xml_body_limit(view: F) -> F:
    """Decorate an XML endpoint: 413 before the view runs when the body is too large."""

    @functools.wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        refusal = enforce_xml_body_limit()
        if refusal is not None:
            return refusal
        return view(*args, **kwargs)

    return reads_raw_body(limited)  # type: ignore[return-value]


def enforce_xml_body_limit() -> Response | None:
    """Read the request body with a cap of MAX_XML_BYTES; a 413 response when it is larger.

    Returns None when the body fits; ``request.get_data()`` then returns it from memory.
    """
    limit = int(current_app.config["MAX_XML_BYTES"])
    declared = request.content_length
    if declared is not None and declared > limit:
        return too_large(limit, declared)
    # Flask 3.1: a per-request cap, which Werkzeug applies to chunked bodies too. Werkzeug
    # stops *silently* at the cap, so read one byte more than allowed to tell "exactly at
    # the limit" from "cut off at the limit".
    request.max_content_length = limit + 1
    try:
        body = request.get_data(cache=True)
    except RequestEntityTooLarge:
        return too_large(limit, None)
    if len(body) > limit:
        return too_large(limit, None)
    return None


def too_large(limit: int, declared: int | None) -> Response:
    """The 413 answer: cXML Status 413 for XML requests, plain text otherwise."""
    log.warning(
        "refused %s body on %s: %s bytes, limit %s",
        request.mimetype or "untyped", request.path,
        declared if declared is not None else "more than limit (chunked)", limit,
    )
    message = f"The document is larger than the limit of {limit} bytes."
    if _is_xml(request.mimetype):
        body = cxml_status(413, "Request Entity Too Large", message)
        response = Response(body, status=413, mimetype="text/xml")
    else:
        response = Response(message + "\n", status=413, mimetype="text/plain")
    # No "Connection: close" here: WSGI forbids hop-by-hop headers; the server (gunicorn,
    # Werkzeug) deals with the unread rest of the body.
    return response


def _is_xml(mimetype: str) -> bool:
    return mimetype in XML_MIMETYPES or mimetype.endswith("+xml")


def cxml_status(code: int, text: str, message: str) -> bytes:
    """A minimal cXML Response carrying only a Status (the shop's one cXML builder)."""
    version = current_app.config.get("CXML_VERSION", DEFAULT_VERSION)
    base = current_app.config.get("SHOP_BASE_URL") or f"//{request.host}"
    host = urlsplit(base).hostname or ""
    try:
        return build_status_response(code, text, message, host=host, version=version)
    except ValueError:
        # A Host header that is no host name must not turn a refusal into a 500.
        return build_status_response(code, text, message, host="shop.invalid", version=version)
