"""Confirm, ship, invoice and cancel purchase orders: one use case each, shared by the back
office and the command line.

Each use case changes the order, records what was done (a ``Confirmation``, ``Shipment`` or
``Invoice``), builds the document for the buyer and puts it in the outbox, all in one
commit: either the buyer will hear about it, or it did not happen.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import ParamSpec, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.orders import buyers, documents, outbox
from shop.orders.fulfilment_models import (
    Confirmation,
    Invoice,
    InvoiceLine,
    LineDecision,
    Shipment,
    ShipmentLine,
)
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.orders.po_models import PurchaseOrder
from shop.orders.status import record_status_change

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
CENT = Decimal("0.01")
MAX_TAX_RATE = Decimal("100")


class FulfilmentError(ShopError):
    """The action does not fit the order's state or the quantities; the message says why."""


@dataclass(frozen=True, slots=True)
class LineChoice:
    """What to confirm for one line: a decision for ``quantity`` (None: the whole line)."""

    line_number: int
    decision: LineDecision
    quantity: Decimal | None = None
    delivery_date: date | None = None


# ---------- finding the order ----------


def purchase_order_for(order_id: int) -> PurchaseOrder:
    """The PO behind a shop order (with the order loaded), or FulfilmentError."""
    po = db.session.scalar(
        select(PurchaseOrder).where(PurchaseOrder.shop_order_id == order_id)
        .options(selectinload(PurchaseOrder.order).selectinload(Order.lines)))
    if po is None:
        if db.session.get(Order, order_id) is None:
            raise NotFound("No such order.")
        raise FulfilmentError("This order was not received as a cXML purchase order.")
    return po


def order_id_for(po_number: str, connection_name: str | None = None) -> int:
    """The shop order of a buyer's PO number (the connection's name when it is ambiguous)."""
    query = select(PurchaseOrder.shop_order_id, PurchaseOrder.connection_id).where(
        PurchaseOrder.order_id == po_number)
    if connection_name:
        query = query.where(
            PurchaseOrder.connection_id == buyers.connection_by_name(connection_name).id)
    rows = db.session.execute(query).all()
    if not rows:
        raise NotFound(f"No purchase order {po_number!r}.")
    if len(rows) > 1:
        raise FulfilmentError(f"Several buyers sent a PO {po_number!r}; name the connection.")
    return int(rows[0][0])


def _send(po: PurchaseOrder, document: documents.Document, reference: str) -> int:
    message = outbox.enqueue(po.connection_id, po.shop_order_id, document.document_type,
                             reference, document.payload_id, document.body)
    db.session.flush()
    return message.id


def _sequence(model: type, order_id: int) -> int:
    count = db.session.scalar(select(func.count()).select_from(model).where(
        model.order_id == order_id))  # type: ignore[attr-defined]
    return (count or 0) + 1


def _use_case(function: Callable[P, R]) -> Callable[P, R]:
    """Roll back whatever a failed use case wrote: no half-done action survives."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except Exception:
            db.session.rollback()
            raise

    return wrapper


# ---------- quantities ----------


def latest_confirmation(order_id: int) -> Confirmation | None:
    return db.session.scalar(select(Confirmation).where(Confirmation.order_id == order_id)
                             .order_by(Confirmation.id.desc()).limit(1))


def to_deliver(order: Order) -> dict[int, Decimal]:
    """Per line number, the quantity the shop has promised (all of it until confirmed)."""
    confirmation = latest_confirmation(order.id)
    accepted = confirmation.accepted_quantities() if confirmation else {}
    return {line.line_number: accepted.get(line.line_number, line.quantity)
            for line in order.lines}


def shipped(order_id: int) -> dict[int, Decimal]:
    rows = db.session.execute(
        select(ShipmentLine.line_number, func.sum(ShipmentLine.quantity))
        .join(Shipment).where(Shipment.order_id == order_id).group_by(ShipmentLine.line_number))
    return {number: Decimal(total) for number, total in rows}


def invoiced(order_id: int) -> dict[int, Decimal]:
    rows = db.session.execute(
        select(InvoiceLine.line_number, func.sum(InvoiceLine.quantity))
        .join(Invoice).where(Invoice.order_id == order_id).group_by(InvoiceLine.line_number))
    return {number: Decimal(total) for number, total in rows}


def remaining_to_ship(order: Order) -> dict[int, Decimal]:
    done = shipped(order.id)
    return {number: quantity - done.get(number, Decimal("0"))
            for number, quantity in to_deliver(order).items()}


# ---------- confirm ----------


def _decisions(order: Order, choices: Sequence[LineChoice]) -> list[dict[str, object]]:
    lines = {line.line_number: line for line in order.lines}
    chosen: dict[int, list[LineChoice]] = {}
    for choice in choices:
        if choice.line_number not in lines:
            raise FulfilmentError(f"Order {order.number} has no line {choice.line_number}.")
        chosen.setdefault(choice.line_number, []).append(choice)
    result = []
    for number, line in sorted(lines.items()):
        decisions, left = [], line.quantity
        for choice in chosen.get(number, []):
            quantity = line.quantity if choice.quantity is None else choice.quantity
            if quantity <= 0 or quantity > left:
                raise FulfilmentError(f"Line {number}: the quantities must be positive and "
                                      f"add up to at most {line.quantity:f}.")
            left -= quantity
            decisions.append({"type": choice.decision.value, "quantity": f"{quantity:f}",
                              "delivery_date": choice.delivery_date.isoformat()
                              if choice.delivery_date else None})
        if left > 0:
            decisions.append({"type": LineDecision.ACCEPT.value, "quantity": f"{left:f}",
                              "delivery_date": None})
        result.append({"line_number": number, "decisions": decisions})
    return result


def _confirmation_type(lines: list[dict[str, object]]) -> str:
    kinds = {d["type"] for line in lines for d in line["decisions"]}  # type: ignore[attr-defined]
    if kinds == {LineDecision.REJECT.value}:
        return "reject"
    return "accept" if kinds == {LineDecision.ACCEPT.value} else "detail"


@_use_case
def confirm_order(order_id: int, actor: str, *, reject: bool = False,
                  lines: Sequence[LineChoice] = (), comments: str = "") -> Confirmation:
    """Accept or reject the whole order, or decide per line; sends a ConfirmationRequest."""
    po = purchase_order_for(order_id)
    order = po.order
    if reject:
        lines = [LineChoice(line.line_number, LineDecision.REJECT) for line in order.lines]
    decided = _decisions(order, lines)
    kind = _confirmation_type(decided)
    new_status = OrderStatus.REJECTED if kind == "reject" else OrderStatus.CONFIRMED
    record_status_change(order, new_status, actor, comments or f"Confirmation: {kind}.")
    confirmation = Confirmation(
        order_id=order.id, confirm_id=f"{order.number}-C{_sequence(Confirmation, order.id)}",
        type=kind, lines=decided, comments=comments.strip()[:2000], actor=actor[:254],
    )
    db.session.add(confirmation)
    db.session.flush()
    document = documents.confirmation_document(
        po, buyers.get_connection(po.connection_id), confirmation, detail=kind == "detail")
    confirmation.outbox_message_id = _send(po, document, confirmation.confirm_id)
    db.session.commit()
    log.info("order %s confirmed (%s) by %s", order.number, kind, actor)
    return confirmation


# ---------- ship ----------


@_use_case
def ship_order(order_id: int, actor: str, carrier: str, tracking_number: str = "",
               quantities: Mapping[int, Decimal] | None = None) -> Shipment:
    """Ship some or all of what is left; sends a ShipNoticeRequest."""
    po = purchase_order_for(order_id)
    order = po.order
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier or len(carrier) > 100 or len(tracking_number) > 100:
        raise FulfilmentError("Name the carrier (and a tracking number of at most 100 "
                              "characters).")
    if order.status != OrderStatus.CONFIRMED:
        raise FulfilmentError(f"Order {order.number} is {order.status.value}: only confirmed "
                              "orders are shipped.")
    left = remaining_to_ship(order)
    wanted = dict(quantities) if quantities else {n: q for n, q in left.items() if q > 0}
    for number, quantity in wanted.items():
        if number not in left:
            raise FulfilmentError(f"Order {order.number} has no line {number}.")
        if not 0 < quantity <= left[number]:
            raise FulfilmentError(f"Line {number}: at most {left[number]:f} is left to ship.")
    if not wanted:
        raise FulfilmentError(f"Nothing is left to ship on order {order.number}.")
    complete = all(left[n] - wanted.get(n, Decimal("0")) <= 0 for n in left)
    by_number = {line.line_number: line for line in order.lines}
    shipment = Shipment(
        order_id=order.id, shipment_id=f"{order.number}-S{_sequence(Shipment, order.id)}",
        carrier=carrier, tracking_number=tracking_number, complete=complete, actor=actor[:254],
        lines=[ShipmentLine(order_line_id=by_number[n].id, line_number=n, quantity=q,
                            order_line=by_number[n]) for n, q in sorted(wanted.items())],
    )
    db.session.add(shipment)
    db.session.flush()
    note = f"Shipment {shipment.shipment_id} with {carrier} {tracking_number}".strip()
    if complete:
        record_status_change(order, OrderStatus.SHIPPED, actor, note + ".")
    else:
        db.session.add(OrderEvent(order_id=order.id, actor=actor[:254],
                                  note=note + " (partial)."))
    document = documents.ship_notice_document(po, buyers.get_connection(po.connection_id),
                                              shipment)
    shipment.outbox_message_id = _send(po, document, shipment.shipment_id)
    db.session.commit()
    log.info("order %s: shipment %s by %s", order.number, shipment.shipment_id, actor)
    return shipment


# ---------- invoice ----------


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@_use_case
def invoice_order(order_id: int, actor: str, tax_rate: Decimal = Decimal("0"),
                  pay_in_days: int | None = None) -> Invoice:
    """Invoice everything shipped and not invoiced yet; sends an InvoiceDetailRequest."""
    po = purchase_order_for(order_id)
    order = po.order
    if not Decimal("0") <= tax_rate <= MAX_TAX_RATE:
        raise FulfilmentError("The tax rate is a percentage between 0 and 100.")
    days = order.company.payment_terms_days if pay_in_days is None else pay_in_days
    if not 0 <= days <= 365:
        raise FulfilmentError("Payment terms are 0 to 365 days.")
    done, billed = shipped(order.id), invoiced(order.id)
    lines = [(line, done.get(line.line_number, Decimal("0")) -
              billed.get(line.line_number, Decimal("0"))) for line in order.lines]
    lines = [(line, quantity) for line, quantity in lines if quantity > 0]
    if not lines:
        raise FulfilmentError(f"Nothing shipped on order {order.number} is left to invoice.")
    first = not billed
    invoice_lines = [InvoiceLine(order_line_id=line.id, line_number=line.line_number,
                                 quantity=quantity, unit_price=line.unit_price,
                                 amount=_money(quantity * line.unit_price), order_line=line)
                     for line, quantity in lines]
    subtotal = sum((line.amount for line in invoice_lines), Decimal("0"))
    shipping = order.shipping if first else Decimal("0")  # charged once, on the first invoice
    tax = _money((subtotal + shipping) * tax_rate / 100)
    invoice = Invoice(
        order_id=order.id, invoice_id=f"INV-{order.number}-{_sequence(Invoice, order.id)}",
        currency=order.currency, tax_rate=tax_rate, pay_in_days=days, subtotal=subtotal,
        shipping=shipping, tax=tax, net=subtotal + shipping + tax, actor=actor[:254],
        lines=invoice_lines,
    )
    db.session.add(invoice)
    db.session.flush()
    now_billed = dict(billed)
    for line, quantity in lines:
        now_billed[line.line_number] = now_billed.get(line.line_number, Decimal("0")) + quantity
    everything = all(now_billed.get(number, Decimal("0")) >= quantity
                     for number, quantity in to_deliver(order).items())
    note = f"Invoice {invoice.invoice_id}: {invoice.net:.2f} {invoice.currency}."
    if order.status == OrderStatus.SHIPPED and everything:
        record_status_change(order, OrderStatus.INVOICED, actor, note)
    else:
        db.session.add(OrderEvent(order_id=order.id, actor=actor[:254], note=note))
    document = documents.invoice_document(po, buyers.get_connection(po.connection_id), invoice)
    invoice.outbox_message_id = _send(po, document, invoice.invoice_id)
    db.session.commit()
    log.info("order %s: invoice %s by %s", order.number, invoice.invoice_id, actor)
    return invoice


# ---------- cancel ----------


@_use_case
def cancel_order(order_id: int, actor: str, reason: str = "") -> Confirmation:
    """Cancel an order that has not shipped; the buyer gets a rejecting confirmation."""
    po = purchase_order_for(order_id)
    order = po.order
    if shipped(order.id):
        raise FulfilmentError(f"Order {order.number} has shipments; it cannot be cancelled.")
    reason = reason.strip()[:2000] or "Cancelled by the supplier."
    confirmed_before = latest_confirmation(order.id) is not None
    record_status_change(order, OrderStatus.CANCELLED, actor, reason)
    confirmation = Confirmation(
        order_id=order.id, confirm_id=f"{order.number}-C{_sequence(Confirmation, order.id)}",
        type="reject", lines=[{"line_number": line.line_number, "decisions": [
            {"type": "reject", "quantity": f"{line.quantity:f}", "delivery_date": None}]}
            for line in order.lines],
        comments=reason, actor=actor[:254],
    )
    db.session.add(confirmation)
    db.session.flush()
    document = documents.confirmation_document(
        po, buyers.get_connection(po.connection_id), confirmation, detail=False,
        operation="update" if confirmed_before else "new")
    confirmation.outbox_message_id = _send(po, document, confirmation.confirm_id)
    db.session.commit()
    log.info("order %s cancelled by %s", order.number, actor)
    return confirmation
