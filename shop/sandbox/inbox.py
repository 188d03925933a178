"""The sandbox's inbox: order confirmations, ship notices and invoices the shop sends.

It plays the buyer's cXML endpoint: it authenticates the shop with the credentials the
sandbox connection gave it (the profile's supplier identity as Sender, and the derived
outbound secret), reads and validates the document, stores it (secrets masked) and answers
with a cXML Status as a strict buyer would: 401 for wrong credentials, 400 for a document
that is unreadable or invalid against its DTD, 450 for a request it does not take.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from shop import cxml
from shop.extensions import db
from shop.redaction import redact_document
from shop.sandbox.connect import derived_secret
from shop.sandbox.models import SandboxDocument, SandboxRequisition
from shop.sandbox.profiles import Profile

log = logging.getLogger(__name__)

ACCEPTED = ("ConfirmationRequest", "ShipNoticeRequest", "InvoiceDetailRequest")
HOST = "sandbox.northwind.invalid"


@dataclass(frozen=True)
class InboxAnswer:
    body: bytes
    document_id: int | None


def receive_document(profile: Profile, body: bytes, remote_addr: str,
                     dtd_dir: Path | None) -> InboxAnswer:
    """Check, store and answer one document posted to a profile's inbox."""
    record = SandboxDocument(profile=profile.key, body=redact_document(body),
                             remote_addr=remote_addr[:64])
    try:
        document = cxml.read_cxml(body)
    except cxml.CXMLError as error:
        return _answer(record, 400, "Bad Request", str(error))
    record.document_type = document.kind[:64]
    record.payload_id = document.payload_id[:255]
    if not _authenticated(profile, document):
        return _answer(record, 401, "Unauthorized", "unknown sender or wrong shared secret")
    record.authenticated = True
    if document.kind not in ACCEPTED:
        return _answer(record, 450, "Not Implemented",
                       f"this inbox takes {', '.join(ACCEPTED)}, not {document.kind}")
    record.order_id, record.summary = _describe(document)
    record.requisition_id = db.session.scalar(
        select(SandboxRequisition.id).where(SandboxRequisition.order_id == record.order_id)
    ) if record.order_id else None
    if dtd_dir is not None and dtd_dir.is_dir():
        result = cxml.validate_cxml(body, dtd_dir)
        record.valid, record.validation = result.valid, list(result.errors)
        if not result.valid:
            return _answer(record, 400, "Bad Request",
                           "not valid against its DTD: " + "; ".join(result.errors[:2]))
    return _answer(record, 200, "OK", f"{document.kind} received")


def _authenticated(profile: Profile, document: cxml.CXMLDocument) -> bool:
    header = document.header
    if header is None:
        return False
    expected = derived_secret(profile.key, "outbound").encode()
    given = (header.shared_secret or "").encode("utf-8", "surrogatepass")
    secret_ok = hmac.compare_digest(given, expected)
    return secret_ok and header.sender.matches(*profile.supplier_credential)


def _describe(document: cxml.CXMLDocument) -> tuple[str, str]:
    """(orderID it refers to, one line for the inbox list)."""
    payload = document.payload
    if isinstance(payload, cxml.ConfirmationRequest):
        lines = f", {len(payload.items)} line(s)" if payload.items else ""
        return payload.order.order_id or "", f"confirmation {payload.type}{lines}"
    if isinstance(payload, cxml.ShipNoticeRequest):
        order = payload.portions[0].order.order_id if payload.portions else None
        carrier = f" via {payload.carrier}" if payload.carrier else ""
        tracking = f" ({payload.tracking_number})" if payload.tracking_number else ""
        return order or "", f"shipment {payload.shipment_id}{carrier}{tracking}"
    if isinstance(payload, cxml.InvoiceDetailRequest):
        order = payload.orders[0].order.order_id if payload.orders else None
        due = payload.summary.due or payload.summary.net or payload.summary.subtotal
        amount = due.amount.quantize(Decimal("0.01"))
        return order or "", f"invoice {payload.invoice_id}: {amount} {due.currency}"
    return "", document.kind


def _answer(record: SandboxDocument, code: int, text: str, detail: str) -> InboxAnswer:
    record.status_code, record.status_text = code, f"{text}: {detail}"[:2000]
    db.session.add(record)
    db.session.commit()
    log.info("sandbox inbox (%s) answered %s to %s %s", record.profile, code,
             record.document_type or "a document", record.payload_id[:100])
    answer = cxml.build_status_response(code, text, detail[:500], host=HOST)
    return InboxAnswer(answer, record.id)


def list_documents(limit: int = 100) -> list[SandboxDocument]:
    return list(db.session.scalars(
        select(SandboxDocument).order_by(SandboxDocument.id.desc()).limit(limit)))


def get_document(document_id: int) -> SandboxDocument | None:
    return db.session.get(SandboxDocument, document_id)


def documents_for(requisition_id: int) -> list[SandboxDocument]:
    """The documents about one requisition's purchase order, oldest first."""
    return list(db.session.scalars(
        select(SandboxDocument).where(SandboxDocument.requisition_id == requisition_id)
        .order_by(SandboxDocument.id)))
