"""Inbound documents: every authenticated OrderRequest, stored durably before anything else.

The transport key is (buyer connection, payloadID), a unique constraint in the database, so
"insert or fetch" decides which of several concurrent deliveries of one document processes it:
the one whose INSERT returned a row. The others wait for its answer and replay it byte for
byte. A row also carries a *claim* (a token and its time): the worker that holds it is the
only one allowed to process the document, and a claim older than the lease is taken over, so
a worker killed mid-request never leaves a document stuck.

Secrets never reach the table: SharedSecret and CredentialMac contents are masked in the
stored body, and the sha256 of the original bytes is kept next to it.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import logging
import secrets
import time
import zlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from shop.database import enum_column, utcnow
from shop.extensions import db
from shop.redaction import decode_document, redact_xml_secrets

log = logging.getLogger(__name__)

MASK = b"***"


class InboundStatus(enum.StrEnum):
    RECEIVED = "received"  # stored; not processed yet (or being processed)
    PROCESSED = "processed"  # turned into (or applied to) an order
    REJECTED = "rejected"  # answered with a 4xx: nothing was changed
    FAILED = "failed"  # processing failed (e.g. the database); a retry processes it again


class InboundDocument(db.Model):
    """A raw document as received (secrets masked), with the answer the buyer got."""

    __tablename__ = "inbound_documents"
    __table_args__ = (
        # The transport key: one row per document, however often and wherever it arrives.
        UniqueConstraint("connection_id", "payload_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("buyer_connections.id"))
    payload_id: Mapped[str] = mapped_column(String(255))
    sender_identity: Mapped[str] = mapped_column(String(400), default="")
    document_type: Mapped[str] = mapped_column(String(64), default="OrderRequest")
    deployment_mode: Mapped[str] = mapped_column(String(16), default="production")
    order_id: Mapped[str] = mapped_column(String(100), default="", index=True)
    line_count: Mapped[int] = mapped_column(default=0)
    size_bytes: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64))  # of the original bytes, before masking
    # The body with its secrets masked, zlib-compressed: XML shrinks tenfold, and writing
    # (and syncing) less is what keeps storing a 5,000-line order fast.
    body: Mapped[bytes] = mapped_column(LargeBinary)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[InboundStatus] = mapped_column(
        enum_column(InboundStatus), default=InboundStatus.RECEIVED, index=True
    )
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[dt.datetime | None]
    # The answer given to the first delivery, replayed verbatim to every later one.
    answer_code: Mapped[int | None]
    answer_text: Mapped[str] = mapped_column(String(255), default="")
    answer_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    processed_at: Mapped[dt.datetime | None]

    @property
    def masked_body(self) -> bytes:
        """The document as received, with its secrets masked."""
        return zlib.decompress(self.body)

    @property
    def text(self) -> str:
        """The stored body as text, for people (in its declared encoding; undecodable bytes
        shown as �)."""
        return decode_document(self.masked_body)


@dataclass(frozen=True, slots=True)
class Answer:
    """A cXML answer: its Status code and text, and the exact bytes sent."""

    code: int
    text: str
    body: bytes


@dataclass(frozen=True, slots=True)
class NewDocument:
    """What is known about an authenticated document when it is stored."""

    connection_id: int
    payload_id: str
    body: bytes
    secret: str | None
    sender_identity: str = ""
    document_type: str = "OrderRequest"
    deployment_mode: str = "production"
    order_id: str = ""
    line_count: int = 0
    remote_addr: str = ""


@dataclass(frozen=True, slots=True)
class Stored:
    """The outcome of ``store_document``: the row, and the claim when this call created it."""

    document_id: int
    claim_token: str | None  # None: the document was already there (a duplicate delivery)


# ---------- masking ----------


def mask_secrets(body: bytes, secret: str | None = None) -> bytes:
    """The body with the content of every SharedSecret and CredentialMac replaced by ``***``.

    The shop's one masking rule (``shop.redaction``: any case, namespace prefixes, CDATA,
    comments, unclosed elements, UTF-16/32), plus the exact ``secret`` wherever else the
    document may have hidden it.
    """
    body = redact_xml_secrets(body)
    if secret:
        raw = secret.encode("utf-8", "surrogatepass")
        if len(raw) >= 4 and raw in body:
            body = body.replace(raw, MASK)
    return body


# ---------- insert or fetch ----------


def dialect_insert(table: Any) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING (SQLite and PostgreSQL)."""
    name = db.session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"insert-or-fetch is not implemented for {name}")


def store_document(new: NewDocument, answer: Answer | None = None) -> Stored:
    """Insert the document and commit, or find it already there (nothing is written then).

    ``answer`` is stored with the row when it is known at once (a large document answered
    201 before it is processed). Raises the database's error when it cannot store: the
    caller answers 5xx and the buyer retries.
    """
    token = secrets.token_hex(16)
    now = utcnow()
    values = {
        "connection_id": new.connection_id, "payload_id": new.payload_id,
        "sender_identity": new.sender_identity[:400], "document_type": new.document_type[:64],
        "deployment_mode": new.deployment_mode[:16], "order_id": new.order_id[:100],
        "line_count": new.line_count, "size_bytes": len(new.body),
        "sha256": hashlib.sha256(new.body).hexdigest(),
        "body": zlib.compress(mask_secrets(new.body, new.secret), 1),
        "remote_addr": new.remote_addr[:64],
        "status": InboundStatus.RECEIVED, "claim_token": token, "claimed_at": now,
        "received_at": now, "attempts": 1,
    }
    if answer is not None:
        values.update(answer_code=answer.code, answer_text=answer.text[:255],
                      answer_body=answer.body)
    # The values go as parameters, not into the statement: its compiled form is cached.
    statement = (
        dialect_insert(InboundDocument.__table__)
        .on_conflict_do_nothing(index_elements=["connection_id", "payload_id"])
        .returning(InboundDocument.id)
    )
    try:
        inserted = db.session.execute(statement, values).scalar_one_or_none()
        if inserted is not None:
            db.session.commit()
            return Stored(inserted, token)
        db.session.rollback()
    except Exception:
        db.session.rollback()
        raise
    existing = db.session.scalar(select(InboundDocument.id).where(
        InboundDocument.connection_id == new.connection_id,
        InboundDocument.payload_id == new.payload_id))
    if existing is None:  # cannot happen: the conflict means the row exists
        raise RuntimeError("inbound document vanished after a conflict")
    return Stored(existing, None)


# ---------- the claim ----------


def stored_answer(document_id: int) -> Answer | None:
    """The answer recorded for a document, if any (a fresh read, not the session's cache)."""
    row = db.session.execute(
        select(InboundDocument.answer_code, InboundDocument.answer_text,
               InboundDocument.answer_body).where(InboundDocument.id == document_id)
    ).one_or_none()
    db.session.rollback()  # end the read: the next poll must see other workers' commits
    if row is None or row.answer_code is None or row.answer_body is None:
        return None
    return Answer(row.answer_code, row.answer_text, bytes(row.answer_body))


def take_over(document_id: int, lease_seconds: float) -> str | None:
    """Claim an unanswered document whose claim was released or has expired; the new token."""
    token = secrets.token_hex(16)
    now = utcnow()
    cutoff = now - dt.timedelta(seconds=lease_seconds)
    result = db.session.execute(
        update(InboundDocument)
        .where(InboundDocument.id == document_id, InboundDocument.answer_code.is_(None),
               (InboundDocument.claimed_at.is_(None)) | (InboundDocument.claimed_at < cutoff))
        .values(claim_token=token, claimed_at=now, attempts=InboundDocument.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return token if result.rowcount == 1 else None  # type: ignore[attr-defined]


def wait_for_answer(document_id: int, wait_seconds: float, lease_seconds: float,
                    ) -> Answer | str | None:
    """For a duplicate delivery: the first delivery's answer, or a claim to process it.

    Polls until the answer is there, or the claim is free (the first worker failed or died),
    in which case the new claim token is returned. None when the wait is over.
    """
    deadline = time.monotonic() + wait_seconds
    pause = 0.02
    while True:
        answer = stored_answer(document_id)
        if answer is not None:
            return answer
        token = take_over(document_id, lease_seconds)
        if token is not None:
            return token
        if time.monotonic() >= deadline:
            return None
        time.sleep(pause)
        pause = min(pause * 1.5, 0.25)


def begin_processing(document_id: int, token: str) -> bool:
    """Start the processing transaction; False when the claim was lost meanwhile (expired).

    This UPDATE is deliberately the first write of the transaction: on SQLite it takes the
    write lock before the purchase order's state is read, so those reads see the latest
    commits. (The catalog checks run before it, without the lock: see ``po_apply.prepare``.)
    """
    result = db.session.execute(
        update(InboundDocument)
        .where(InboundDocument.id == document_id, InboundDocument.claim_token == token)
        .values(claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def record_outcome(document_id: int, status: InboundStatus, answer: Answer | None,
                   error: str = "") -> None:
    """Store the outcome (and the answer) in the caller's transaction; releases the claim."""
    values: dict[str, Any] = {"status": status, "claim_token": None, "claimed_at": None,
                              "processed_at": utcnow(), "error": error[:4000]}
    if answer is not None:
        values.update(answer_code=answer.code, answer_text=answer.text[:255],
                      answer_body=answer.body)
    db.session.execute(
        update(InboundDocument).where(InboundDocument.id == document_id).values(**values)
        .execution_options(synchronize_session=False)
    )


def release_after_failure(document_id: int, token: str, error: str) -> None:
    """After a failed processing: roll back, then free our claim so a retry processes again.

    Best effort: when the database itself is what failed, this fails too, and the claim
    simply expires after the lease.
    """
    db.session.rollback()
    try:
        db.session.execute(
            update(InboundDocument)
            .where(InboundDocument.id == document_id, InboundDocument.claim_token == token)
            .values(status=InboundStatus.FAILED, claim_token=None, claimed_at=None,
                    error=error[:4000])
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except Exception:  # noqa: BLE001  (the original failure is what gets reported)
        db.session.rollback()
        log.warning("could not release inbound document %s after a failure", document_id)


def pending_documents(lease_seconds: float, max_attempts: int, limit: int = 20) -> list[int]:
    """Documents stored but not processed whose claim is free or expired (for the worker).

    A document that failed ``max_attempts`` times is left for a person (it stays listed).
    """
    cutoff = utcnow() - dt.timedelta(seconds=lease_seconds)
    ids = list(db.session.scalars(
        select(InboundDocument.id)
        .where(InboundDocument.status.in_((InboundStatus.RECEIVED, InboundStatus.FAILED)),
               InboundDocument.attempts < max_attempts,
               (InboundDocument.claimed_at.is_(None)) | (InboundDocument.claimed_at < cutoff))
        .order_by(InboundDocument.id).limit(limit)
    ))
    db.session.rollback()
    return ids


def claim_for_worker(document_id: int, lease_seconds: float) -> str | None:
    """Claim a stored document for background processing, answered or not."""
    token = secrets.token_hex(16)
    now = utcnow()
    cutoff = now - dt.timedelta(seconds=lease_seconds)
    result = db.session.execute(
        update(InboundDocument)
        .where(InboundDocument.id == document_id,
               InboundDocument.status.in_((InboundStatus.RECEIVED, InboundStatus.FAILED)),
               (InboundDocument.claimed_at.is_(None)) | (InboundDocument.claimed_at < cutoff))
        .values(claim_token=token, claimed_at=now, attempts=InboundDocument.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return token if result.rowcount == 1 else None  # type: ignore[attr-defined]
