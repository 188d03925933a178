"""NUL characters in query strings and form fields get a 400, on every request.

No text a person types contains U+0000, yet a form field or a URL can carry one (``%00``).
PostgreSQL can neither store it in a text column nor compare it in a query, so without this
guard a NUL in a login e-mail or an OCI user name would be a server error on PostgreSQL (and
pass on SQLite). One check here, before any view runs, gives both databases the same clear
answer.

Views that read the request body as raw bytes (the cXML endpoints) are marked with
``reads_raw_body``: parsing their body as a form here would consume it before the view reads
it, so only their query string is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

F = TypeVar("F", bound=Callable[..., Any])

FORM_MIMETYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
MESSAGE = "A field of this request contains a NUL character, which no text may contain."


def reads_raw_body(view: F) -> F:
    """Mark a view that reads ``request.get_data()`` itself (kept through functools.wraps)."""
    view.reads_raw_body = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)


def refuse_nul_characters() -> None:
    if _has_nul(request.args):
        raise BadRequest(MESSAGE)
    if request.mimetype not in FORM_MIMETYPES:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "reads_raw_body", False):
        return
    if _has_nul(request.form):
        raise BadRequest(MESSAGE)


def _has_nul(fields: MultiDict[str, str]) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in fields.items(multi=True))
