"""Reads for the purchase-order back office and the command line (no writes here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shop.errors import NotFound
from shop.extensions import db
from shop.orders import buyers, fulfilment
from shop.orders.fulfilment_models import Confirmation, Invoice, Shipment
from shop.orders.inbound import InboundDocument, InboundStatus
from shop.orders.models import Order, OrderEvent
from shop.orders.outbox import OutboxMessage
from shop.orders.po_models import OrderFlag, PurchaseOrder, PurchaseOrderVersion


def connection_names(order_ids: Sequence[int]) -> dict[int, str]:
    """The buyer connection each purchase order came through, by shop order id."""
    if not order_ids:
        return {}
    rows = db.session.execute(
        select(PurchaseOrder.shop_order_id, buyers.BuyerConnection.name)
        .join(buyers.BuyerConnection, buyers.BuyerConnection.id == PurchaseOrder.connection_id)
        .where(PurchaseOrder.shop_order_id.in_(list(order_ids))))
    return {order_id: name for order_id, name in rows}


@dataclass(frozen=True, slots=True)
class PoRow:
    po: PurchaseOrder
    order: Order
    connection: str
    open_flags: int


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[PoRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_purchase_orders(review_only: bool = False, page: int = 1, per_page: int = 50) -> Page:
    """Purchase orders newest first, with their order, connection and open flags."""
    query = select(PurchaseOrder).where(PurchaseOrder.shop_order_id.is_not(None))
    if review_only:
        query = query.where(PurchaseOrder.needs_review.is_(True))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    pos = list(db.session.scalars(
        query.options(selectinload(PurchaseOrder.order))
        .order_by(PurchaseOrder.id.desc()).limit(per_page).offset((page - 1) * per_page)))
    names = connection_names([po.shop_order_id for po in pos if po.shop_order_id])
    flags = dict(db.session.execute(
        select(OrderFlag.purchase_order_id, func.count(OrderFlag.id))
        .where(OrderFlag.purchase_order_id.in_([po.id for po in pos] or [0]),
               OrderFlag.resolved_at.is_(None))
        .group_by(OrderFlag.purchase_order_id)).all())
    rows = [PoRow(po, po.order, names.get(po.shop_order_id or 0, ""), flags.get(po.id, 0))
            for po in pos]
    return Page(rows, total, page, per_page)


def get_purchase_order(po_id: int) -> PurchaseOrder:
    po = db.session.scalar(
        select(PurchaseOrder).where(PurchaseOrder.id == po_id)
        .options(selectinload(PurchaseOrder.versions), selectinload(PurchaseOrder.flags),
                 selectinload(PurchaseOrder.order).selectinload(Order.lines)))
    if po is None or po.shop_order_id is None:
        raise NotFound("No such purchase order.")
    return po


@dataclass(frozen=True, slots=True)
class LineProgress:
    """Where an order line stands: promised, shipped and invoiced quantities."""

    line_number: int
    ordered: Decimal
    to_deliver: Decimal
    shipped: Decimal
    invoiced: Decimal

    @property
    def left_to_ship(self) -> Decimal:
        return max(Decimal("0"), self.to_deliver - self.shipped)

    @property
    def left_to_invoice(self) -> Decimal:
        return max(Decimal("0"), self.shipped - self.invoiced)


def progress(order: Order) -> dict[int, LineProgress]:
    promised = fulfilment.to_deliver(order)
    shipped, invoiced = fulfilment.shipped(order.id), fulfilment.invoiced(order.id)
    zero = Decimal("0")
    return {line.line_number: LineProgress(
        line.line_number, line.quantity, promised.get(line.line_number, line.quantity),
        shipped.get(line.line_number, zero), invoiced.get(line.line_number, zero))
        for line in order.lines}


def list_documents(status: InboundStatus | None = None, limit: int = 100,
                   offset: int = 0) -> list[InboundDocument]:
    """Inbound documents newest first (without loading their bodies' bytes needlessly)."""
    query = select(InboundDocument)
    if status is not None:
        query = query.where(InboundDocument.status == status)
    return list(db.session.scalars(
        query.order_by(InboundDocument.id.desc()).limit(limit).offset(offset)))


def get_document(document_id: int) -> InboundDocument:
    document = db.session.get(InboundDocument, document_id)
    if document is None:
        raise NotFound("No such document.")
    return document


# ---------- the timeline of one order ----------


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing that happened to an order, for the timeline page."""

    at: dt.datetime
    kind: str  # punchout, order-request, event, document
    title: str
    detail: str = ""
    status: str = ""
    link: tuple[str, dict[str, int]] | None = None  # (endpoint, values)
    extra: list[str] = field(default_factory=list)


def _punchout_entries(order: Order, po: PurchaseOrder) -> list[TimelineEntry]:
    quotes = buyers.quotes_for(po.connection_id, [line.aux_id for line in order.lines])
    entries = []
    for session in buyers.sessions_for(quote.session_id for quote in quotes.values()):
        lines = sum(1 for quote in quotes.values() if quote.session_id == session.id)
        entries.append(TimelineEntry(
            session.created_at, "punchout", f"PunchOut session {session.id} "
            f"({session.operation.value})", f"{lines} line(s) of this order were quoted in "
            f"its cart", session.status.value))
        if session.ended_at is not None:
            entries.append(TimelineEntry(session.ended_at, "punchout",
                                         f"Cart of session {session.id} {session.status.value}"))
    return entries


def _version_entries(po: PurchaseOrder) -> list[TimelineEntry]:
    return [TimelineEntry(
        version.received_at, "order-request",
        f"OrderRequest {version.type.value} (version {version.sequence})",
        version.note or version.payload_id, version.disposition.value,
        ("po_admin.show_document", {"document_id": version.inbound_document_id}),
    ) for version in po.versions]


def _document_entries(order_id: int) -> list[TimelineEntry]:
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.order_id == order_id)
        .options(selectinload(OutboxMessage.attempt_log)).order_by(OutboxMessage.id))
    return [TimelineEntry(
        message.created_at, "document", f"{message.document_type} {message.reference}",
        message.last_error or message.last_status_text, message.status.value,
        ("po_admin.show_message", {"message_id": message.id}),
        [f"{a.started_at:%Y-%m-%d %H:%M:%S} {a.outcome.value}: "
         f"{a.status_code or a.http_status or ''} {a.error or a.status_text}".strip()
         for a in message.attempt_log],
    ) for message in messages]


def timeline(po: PurchaseOrder) -> list[TimelineEntry]:
    """PunchOut session and cart, OrderRequest versions, order events, documents sent."""
    order = po.order
    events = [TimelineEntry(event.at, "event", event.note or "Status changed",
                            event.actor, event.status.value if event.status else "")
              for event in db.session.scalars(
                  select(OrderEvent).where(OrderEvent.order_id == order.id))]
    entries = (_punchout_entries(order, po) + _version_entries(po) + events
               + _document_entries(order.id))
    return sorted(entries, key=lambda entry: entry.at)


def records(order_id: int) -> dict[str, list[object]]:
    """Confirmations, shipments and invoices of an order, oldest first."""
    return {
        name: list(db.session.scalars(select(model).where(model.order_id == order_id)  # type: ignore[attr-defined]
                                      .order_by(model.id)))  # type: ignore[attr-defined]
        for name, model in (("confirmations", Confirmation), ("shipments", Shipment),
                            ("invoices", Invoice))
    }


def versions_of(po_id: int) -> list[PurchaseOrderVersion]:
    return list(db.session.scalars(select(PurchaseOrderVersion).where(
        PurchaseOrderVersion.purchase_order_id == po_id).order_by(PurchaseOrderVersion.sequence)))
