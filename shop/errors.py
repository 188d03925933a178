"""Domain errors and the styled HTML error pages."""

from __future__ import annotations

import logging
from typing import NoReturn

from flask import Flask, Response, current_app, redirect, render_template, request
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Response as AnyResponse

from shop.accounts.next_url import return_path
from shop.extensions import db

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "30"
# A POST-only URL also takes these, to answer them with what it is for (HEAD comes with GET).
NOT_POST = ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"]


class ShopError(Exception):
    """A domain rule was broken; the message is safe to show to the user."""


class NotFound(ShopError):
    """The thing asked for does not exist (or is not visible to this user)."""


class PermissionDenied(ShopError):
    """The user may not do this."""


def post_only(explanation: str) -> NoReturn:
    """Refuse with 405 and ``Allow: POST``, saying what the URL is for (someone opened it)."""
    raise MethodNotAllowed(["POST"], explanation)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (reverse order).
    app.teardown_appcontext(_end_session)


def _end_session(_error: BaseException | None) -> None:
    """End the request's database session, even when its connection died under it.

    A database restart or failover that terminates the connection after the request's last
    statement makes the closing ROLLBACK fail; raised from a teardown, that would replace
    the finished answer with the WSGI server's bare 500. The connection is discarded either
    way (SQLAlchemy invalidates it), and the next request gets a new one.
    """
    try:
        db.session.remove()
    except SQLAlchemyError as error:
        log.error("the database connection was lost at the end of a request: %s",
                  type(getattr(error, "orig", None) or error).__name__)
        db.session.remove()


def _http_error(error: HTTPException) -> AnyResponse:
    code = error.code or 500
    if code == 404 and (without_slash := _without_trailing_slash(error)):
        return redirect(without_slash, 308)
    template = f"errors/{code}.html" if code in (403, 404) else "errors/generic.html"
    # The exception's own headers matter to clients (Allow on a 405); its page is ours.
    headers = [(name, value) for name, value in error.get_headers() if name != "Content-Type"]
    try:
        return Response(render_template(template, error=error), code, headers,
                        content_type="text/html; charset=utf-8")
    except SQLAlchemyError:  # the page shows who is logged in, and the database is down
        return _unavailable()


def _without_trailing_slash(error: HTTPException) -> str | None:
    """``/account/`` → ``/account`` when only that URL exists, else None.

    Werkzeug already sends ``/admin`` on to ``/admin/``; this is the other direction, so a
    page answers under both spellings and keeps one URL.
    """
    path = request.path
    if (request.routing_exception is not error or request.method not in ("GET", "HEAD")
            or len(path) < 2 or not path.endswith("/") or path.startswith(("//", "/\\"))):
        return None
    adapter = current_app.create_url_adapter(request)
    if adapter is None:
        return None
    try:
        endpoint, _ = adapter.match(path[:-1], method=request.method)
    except HTTPException:  # no such page either, or one more redirect
        return None
    # Never a PunchOut door, and no secret of the query string in a Location header (an OCI
    # login sent to a wrong address carries its password there).
    query = request.query_string.decode("latin-1")
    target = return_path(path[:-1], query, str(endpoint).rpartition(".")[0] or None)
    return request.script_root + target if target else None


def _server_error(error: Exception) -> tuple[str, int] | Response:
    # Roll back first: the failed request may have left the session in a broken state.
    db.session.rollback()
    if isinstance(error, OperationalError):
        # Down, restarting or locked: a passing state, not a bug (and no SQL in the log).
        log.error("the database is unavailable: %s", type(error.orig).__name__)
        return _unavailable()
    log.exception("unhandled error")
    try:
        return render_template("errors/500.html"), 500
    except SQLAlchemyError:
        return _unavailable()


def _unavailable() -> Response:
    """503 with a page that needs nothing from the database.

    Every other page loads the logged-in user for its header, which is what failed; this one
    is rendered without the request's template context.
    """
    db.session.rollback()
    page = current_app.jinja_env.get_template("errors/unavailable.html").render(
        shop_name=current_app.config["SHOP_NAME"])
    return Response(page, 503, {"Retry-After": RETRY_AFTER_SECONDS},
                    content_type="text/html; charset=utf-8")
