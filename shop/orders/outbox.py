"""The transactional outbox: documents for buyers, written in the same commit as the action.

Confirming, shipping, invoicing or cancelling an order adds an ``OutboxMessage`` to the
caller's transaction; the document is built once, with its payloadID, and sent unchanged on
every attempt (so the buyer can deduplicate us). Delivery (``shop.orders.delivery``) claims due
messages, posts them and records each attempt here. Nothing is ever deleted: failed messages
stay listed for staff, who can resend them.

The stored body never contains our outbound secret: the SharedSecret element holds a mask,
and the current secret is put in only at the moment of sending.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, select, update
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from shop.database import enum_column, utcnow
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.orders.models import Order, OrderEvent

log = logging.getLogger(__name__)

# What the stored SharedSecret holds until the moment of sending.
SECRET_MASK = "***"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SENDING = "sending"  # claimed by a delivery worker (until locked_until)
    SENT = "sent"  # the buyer answered 2xx
    FAILED = "failed"  # permanently: a 4xx, a refused address, or retries exhausted


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """One document to deliver to a buyer, with its delivery state."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("buyer_connections.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    document_type: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(64), default="")  # e.g. the shipment id
    # Generated once, when the message is written; the same on every attempt.
    payload_id: Mapped[str] = mapped_column(String(255), unique=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[dt.datetime | None]
    give_up_at: Mapped[dt.datetime]
    last_error: Mapped[str] = mapped_column(String(500), default="")
    last_status_code: Mapped[int | None]  # the buyer's cXML Status code
    last_status_text: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None]

    order: Mapped[Order | None] = relationship()
    attempt_log: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="message", order_by="DeliveryAttempt.id", cascade="all, delete-orphan"
    )

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class DeliveryAttempt(db.Model):
    """One try at delivering a message: where, how it went, and the buyer's Status."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int] = mapped_column(default=0)
    url: Mapped[str] = mapped_column(String(500), default="")
    http_status: Mapped[int | None]
    status_code: Mapped[int | None]
    status_text: Mapped[str] = mapped_column(String(255), default="")
    error: Mapped[str] = mapped_column(String(500), default="")
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome))
    detail: Mapped[str] = mapped_column(Text, default="")

    message: Mapped[OutboxMessage] = relationship(back_populates="attempt_log")


class OutboxError(ShopError):
    """A message cannot be resent in its current state."""


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What a delivery attempt found out; ``outcome`` decides what happens next."""

    outcome: Outcome
    url: str = ""
    http_status: int | None = None
    status_code: int | None = None
    status_text: str = ""
    error: str = ""
    detail: str = ""
    duration_ms: int = 0


# ---------- writing ----------


def enqueue(connection_id: int, order_id: int | None, document_type: str, reference: str,
            payload_id: str, body: bytes) -> OutboxMessage:
    """Add a document to the caller's transaction (it commits together with the action)."""
    now = utcnow()
    message = OutboxMessage(
        connection_id=connection_id, order_id=order_id, document_type=document_type,
        reference=reference[:64], payload_id=payload_id, body=body,
        status=OutboxStatus.PENDING, next_attempt_at=now, created_at=now,
        give_up_at=now + dt.timedelta(seconds=current_app.config["OUTBOX_GIVE_UP_AFTER"]),
    )
    db.session.add(message)
    return message


# ---------- claiming and recording (the delivery worker) ----------


def _due(now: dt.datetime) -> object:
    pending = ((OutboxMessage.status == OutboxStatus.PENDING)
               & (OutboxMessage.next_attempt_at <= now))
    # A worker that died while sending leaves its claim behind; it expires.
    stale = (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.locked_until < now)
    return pending | stale


def due_messages(now: dt.datetime, limit: int = 20) -> list[int]:
    """Ids of messages due now, oldest first, skipping any whose order has an earlier one
    still waiting: a buyer gets an order's documents in the order they were written."""
    earlier = aliased(OutboxMessage)
    blocked = (
        select(earlier.id)
        .where(earlier.order_id == OutboxMessage.order_id, earlier.id < OutboxMessage.id,
               earlier.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))
        .exists()
    )
    ids = list(db.session.scalars(
        select(OutboxMessage.id).where(_due(now), ~blocked)  # type: ignore[arg-type]
        .order_by(OutboxMessage.id).limit(limit)
    ))
    db.session.rollback()
    return ids


def claim(message_id: int, now: dt.datetime) -> bool:
    """Mark a due message as being sent by this worker; False when another one has it."""
    lease = dt.timedelta(seconds=current_app.config["OUTBOX_LOCK_SECONDS"])
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, _due(now))  # type: ignore[arg-type]
        .values(status=OutboxStatus.SENDING, locked_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: base·2^(n-1), capped, times a random 0.5…1.5."""
    config = current_app.config
    delay = min(float(config["OUTBOX_BACKOFF_CAP"]),
                float(config["OUTBOX_BACKOFF_BASE"]) * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.5, 1.5)  # noqa: S311  (jitter, not cryptography)


def record_attempt(message_id: int, result: AttemptResult, now: dt.datetime) -> OutboxMessage:
    """Log the attempt and move the message on: sent, failed, or pending again later."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("No such outbox message.")
    db.session.add(DeliveryAttempt(
        message_id=message.id, started_at=now, duration_ms=result.duration_ms,
        url=result.url[:500], http_status=result.http_status, status_code=result.status_code,
        status_text=result.status_text[:255], error=result.error[:500],
        outcome=result.outcome, detail=result.detail[:4000],
    ))
    message.attempts += 1
    message.locked_until = None
    message.last_error = result.error[:500]
    message.last_status_code = result.status_code
    message.last_status_text = result.status_text[:255]
    outcome = result.outcome
    if outcome == Outcome.RETRY and now >= message.give_up_at:
        outcome = Outcome.FAILED
        message.last_error = f"gave up after {message.attempts} attempts: {result.error}"[:500]
    if outcome == Outcome.SENT:
        message.status, message.sent_at = OutboxStatus.SENT, now
    elif outcome == Outcome.FAILED:
        message.status = OutboxStatus.FAILED
    else:
        message.status = OutboxStatus.PENDING
        message.next_attempt_at = now + dt.timedelta(seconds=backoff_seconds(message.attempts))
    db.session.commit()
    return message


# ---------- staff ----------


def resend(message_id: int, actor: str) -> OutboxMessage:
    """Queue a sent or failed message again, unchanged (same payloadID), for a new attempt."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("No such outbox message.")
    if message.status not in (OutboxStatus.SENT, OutboxStatus.FAILED):
        raise OutboxError("This document is already waiting to be sent.")
    now = utcnow()
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = now
    message.locked_until = None
    message.give_up_at = now + dt.timedelta(seconds=current_app.config["OUTBOX_GIVE_UP_AFTER"])
    if message.order_id is not None:
        db.session.add(OrderEvent(order_id=message.order_id, at=now, actor=actor[:254],
                                  note=f"{message.document_type} {message.reference} queued "
                                       "to be sent again."))
    db.session.commit()
    log.info("outbox message %s queued again by %s", message.id, actor)
    return message


def get_message(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("No such outbox message.")
    return message


def list_messages(status: OutboxStatus | None = None, order_id: int | None = None,
                  limit: int = 100, offset: int = 0) -> Sequence[OutboxMessage]:
    """Messages newest first, optionally of one status or one order."""
    query = select(OutboxMessage)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if order_id is not None:
        query = query.where(OutboxMessage.order_id == order_id)
    return list(db.session.scalars(
        query.order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)))
