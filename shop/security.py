"""Security headers on every response.

Pages carry a strict Content-Security-Policy (no inline script or style), so every script
lives in ``static/js`` and every style in ``static/css``. PunchOut pages may be framed by the
buyer's procurement system: they set ``g.frame_ancestors`` to that connection's origins.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

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
