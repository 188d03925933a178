"""A reject ConfirmationRequest for a purchase order the shop stored and then refused.

A buyer's system learns of a refusal from the Status of its answer, but only when the order
was processed before answering: a large order is answered ``201 Accepted`` and checked
afterwards, and a refusal found then (a 400 in line 3,812, a 406 by policy) would otherwise
never reach the buyer, who would wait for goods nobody ships. So every stored OrderRequest
that is refused (400 or 406) without a shop order behind its orderID gets a reject
ConfirmationRequest through the outbox, written in the refusal's own transaction, whatever
the answer was: one rule, whichever way the order came in.

Not for refusals about an order that exists (an update after shipment, 409): that order
stands, and rejecting it would tell the buyer the opposite. Those are flagged for staff.
"""

from __future__ import annotations

import logging
from typing import Any

from shop import cxml
from shop.cxml.read import read_header
from shop.extensions import db
from shop.orders import buyers, documents, outbox
from shop.orders.documents import Addressee
from shop.orders.po_apply import IntakeContext

log = logging.getLogger(__name__)

REJECTED_CODES = (400, 406)


def addressee_of(document: cxml.CXMLDocument, payload_id: str) -> Addressee | None:
    """Who a refused, readable OrderRequest came from; None without an orderID."""
    try:
        head = document.payload_as(cxml.OrderRequest).header
    except cxml.CXMLError:
        return None
    if not head.order_id.strip() or document.header is None:
        return None
    return _addressee(document.header, head.order_id, payload_id, head.order_date,
                      document.deployment_mode)


def addressee_in_tree(root: Any, payload_id: str) -> Addressee | None:
    """The same for a document whose OrderRequest could not be read: its Header and the
    orderID attribute, when those at least are readable."""
    request = root.find("Request")
    header = root.find("Header")
    head = request.find("OrderRequest/OrderRequestHeader") if request is not None else None
    order_id = (head.get("orderID") or "").strip() if head is not None else ""
    if header is None or not order_id or len(order_id) > 100:
        return None
    try:
        credentials = read_header(header)
    except cxml.CXMLError:
        return None
    return _addressee(credentials, order_id, payload_id, None,
                      request.get("deploymentMode") or "production")


def _addressee(header: cxml.Header, order_id: str, payload_id: str, order_date: Any,
               deployment_mode: str) -> Addressee:
    return Addressee(
        cxml.OrderReference(order_id, payload_id, order_date),
        [[c.domain, c.identity] for c in header.from_.credentials],
        [[c.domain, c.identity] for c in header.to.credentials],
        deployment_mode,
    )


def queue_rejection(ctx: IntakeContext, to: Addressee | None, code: int,
                    reason: str) -> int | None:
    """Queue the reject confirmation in the caller's transaction; the outbox message id, or
    None when there is nothing to send (no orderID, no document URL, not a 400/406)."""
    if to is None or code not in REJECTED_CODES:
        return None
    connection = buyers.get_connection(ctx.connection_id)
    if not connection.document_url:
        log.info("order %s refused; connection %s has no document URL for a rejection",
                 to.reference.order_id, ctx.connection_id)
        return None
    confirm_id = f"REJ-{ctx.inbound_id}"
    document = documents.rejection_document(to, connection, confirm_id, reason[:2000])
    message = outbox.enqueue(ctx.connection_id, None, document.document_type, confirm_id,
                             document.payload_id, document.body)
    db.session.flush()
    log.info("order %s refused with %s: reject confirmation queued", to.reference.order_id,
             code)
    return message.id
