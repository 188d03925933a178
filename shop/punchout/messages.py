"""The message log: every protocol document in and out, with its secrets redacted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.sql import Select

from shop.errors import NotFound
from shop.extensions import db
from shop.punchout.models import Direction, MessageLog
from shop.redaction import redact_document

TRUNCATED = "\n[… truncated: the document was longer than the message log keeps]"


def add_message(
    direction: Direction,
    body: bytes | str,
    *,
    document_type: str = "",
    payload_id: str = "",
    status_code: int | None = None,
    status_text: str = "",
    connection_id: int | None = None,
    session_id: int | None = None,
    remote_addr: str = "",
) -> MessageLog:
    """Add one document (redacted, bounded in size) to the current transaction."""
    text = redact_document(body)
    limit = current_app.config["PUNCHOUT_LOG_MAX_CHARS"]
    if len(text) > limit:
        text = text[:limit] + TRUNCATED
    entry = MessageLog(
        direction=direction, body=text, document_type=document_type[:64],
        payload_id=payload_id[:255], status_code=status_code, status_text=status_text[:255],
        connection_id=connection_id, session_id=session_id, remote_addr=remote_addr[:64],
    )
    db.session.add(entry)
    return entry


def record_message(direction: Direction, body: bytes | str, **fields: Any) -> MessageLog:
    """``add_message`` in a transaction of its own (for callers with nothing else to commit)."""
    entry = add_message(direction, body, **fields)
    db.session.commit()
    return entry


@dataclass(frozen=True)
class MessageFilter:
    connection_id: int | None = None
    session_id: int | None = None
    direction: Direction | None = None
    document_type: str = ""
    payload_id: str = ""
    failed_only: bool = False


def _filtered(query: Select[tuple[MessageLog]], flt: MessageFilter) -> Select[tuple[MessageLog]]:
    if flt.connection_id is not None:
        query = query.where(MessageLog.connection_id == flt.connection_id)
    if flt.session_id is not None:
        query = query.where(MessageLog.session_id == flt.session_id)
    if flt.direction is not None:
        query = query.where(MessageLog.direction == flt.direction)
    if flt.document_type:
        query = query.where(MessageLog.document_type == flt.document_type)
    if flt.payload_id:
        query = query.where(MessageLog.payload_id == flt.payload_id)
    if flt.failed_only:
        query = query.where(MessageLog.status_code >= 300)
    return query


def list_messages(
    flt: MessageFilter, page: int = 1, per_page: int = 50
) -> tuple[list[MessageLog], int]:
    """One page of the log, newest first, and the number of matching entries."""
    query = _filtered(select(MessageLog), flt)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(MessageLog.created_at.desc(), MessageLog.id.desc())
        .limit(per_page).offset((max(page, 1) - 1) * per_page)
    ).all()
    return list(rows), total


def document_types() -> list[str]:
    """The document types present in the log, for the filter menu."""
    return list(db.session.scalars(
        select(MessageLog.document_type).distinct().order_by(MessageLog.document_type)
    ))


def session_messages(session_id: int) -> list[MessageLog]:
    """A PunchOut session's documents in the order they happened."""
    return list(db.session.scalars(
        select(MessageLog).where(MessageLog.session_id == session_id)
        .order_by(MessageLog.created_at, MessageLog.id)
    ))


def get_message(message_id: int) -> MessageLog:
    entry = db.session.get(MessageLog, message_id)
    if entry is None:
        raise NotFound("No such message.")
    return entry
