"""Logging that never writes a password or a secret: a redacting filter on every handler.

A filter on a *handler* sees every record that handler writes, whichever logger it came
from, so the filter is installed on the handlers (the root logger's, Flask's and gunicorn's)
rather than on loggers. ``init_app`` does that when the app is created; call
``install_redaction()`` again after any later logging configuration.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from flask import Flask
from flask.logging import default_handler

from shop.redaction import redact_text

# Loggers that carry their own handlers and do not pass records to the root logger.
OWN_HANDLER_LOGGERS = ("gunicorn.error", "gunicorn.access")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Masks credentials in the message, its arguments, the traceback and the stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            # A bad format string: logging's own error report would print the raw
            # arguments, so mask them here instead.
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact_text(message), None
        if record.exc_info and not record.exc_text:
            # Format the traceback now, so the handler writes the masked copy.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def add_filter(handlers: Iterable[logging.Handler]) -> None:
    """Give each handler one redacting filter (never two)."""
    for handler in handlers:
        if not any(isinstance(existing, RedactingFilter) for existing in handler.filters):
            handler.addFilter(RedactingFilter())


def install_redaction(app: Flask | None = None) -> None:
    """Put the redacting filter on every handler that can write the shop's records.

    With no logging configured at all, Python would fall back to its unfiltered "last
    resort" handler; a plain stderr handler with the filter takes its place, and Flask's own
    handler is removed so that no line is written twice.
    """
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(handler)
        if app is not None:
            app.logger.removeHandler(default_handler)
    add_filter(root.handlers)
    if app is not None:
        add_filter(app.logger.handlers)
    for name in OWN_HANDLER_LOGGERS:
        add_filter(logging.getLogger(name).handlers)


def init_app(app: Flask) -> None:
    install_redaction(app)
