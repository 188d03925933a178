"""Domain errors and the styled HTML error pages."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from shop.extensions import db

log = logging.getLogger(__name__)


class ShopError(Exception):
    """A domain rule was broken; the message is safe to show to the user."""


class NotFound(ShopError):
    """The thing asked for does not exist (or is not visible to this user)."""


class PermissionDenied(ShopError):
    """The user may not do this."""


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)


def _http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    template = f"errors/{code}.html" if code in (403, 404) else "errors/generic.html"
    return render_template(template, error=error), code


def _server_error(error: Exception) -> tuple[str, int]:
    # Roll back first: the failed request may have left the session in a broken state.
    db.session.rollback()
    log.exception("unhandled error")
    return render_template("errors/500.html"), 500
