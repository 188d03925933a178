"""``GET /healthz``: 200 when the database answers, for load balancers and monitors."""

from __future__ import annotations

import logging

from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from shop.extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.warning("health check: database does not answer")
        db.session.rollback()
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}, 200
