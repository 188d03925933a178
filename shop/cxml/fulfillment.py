"""Typed, immutable data for the documents a supplier sends after an order.

ConfirmationRequest and ShipNoticeRequest (``Fulfill.dtd``) and InvoiceDetailRequest
(``InvoiceDetail.dtd``). As in ``documents``, the builders take these classes and the readers
return them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from shop.cxml.documents import Contact, ItemID, Money


@dataclass(frozen=True, slots=True)
class OrderReference:
    """Which purchase order a document is about: its orderID and the OrderRequest payloadID."""

    order_id: str | None
    payload_id: str
    order_date: datetime | None = None


# ---------- ConfirmationRequest ----------


@dataclass(frozen=True, slots=True)
class ConfirmationStatus:
    """What happens to (part of) a line: accept, reject, backordered…"""

    type: str
    quantity: Decimal
    unit_of_measure: str
    delivery_date: date | datetime | None = None
    shipment_date: date | datetime | None = None
    unit_price: Money | None = None
    comments: str | None = None
    item_id: ItemID | None = None  # seen as Extrinsics by some senders


@dataclass(frozen=True, slots=True)
class ConfirmationItem:
    """The statuses of one order line; their quantities add up to the line quantity."""

    line_number: int
    quantity: Decimal
    unit_of_measure: str
    statuses: tuple[ConfirmationStatus, ...]


@dataclass(frozen=True, slots=True)
class ConfirmationRequest:
    """An order confirmation: accept or reject all, or ``detail`` per line."""

    type: str
    order: OrderReference
    notice_date: datetime
    confirm_id: str | None = None
    operation: str = "new"
    comments: str | None = None
    items: tuple[ConfirmationItem, ...] = ()


# ---------- ShipNoticeRequest ----------


@dataclass(frozen=True, slots=True)
class ShipNoticeItem:
    line_number: int
    quantity: Decimal
    unit_of_measure: str
    item_id: ItemID | None = None


@dataclass(frozen=True, slots=True)
class ShipNoticePortion:
    """The lines of one order that travel in this shipment."""

    order: OrderReference
    items: tuple[ShipNoticeItem, ...] = ()


@dataclass(frozen=True, slots=True)
class ShipNoticeRequest:
    """An advance ship notice: carrier, tracking number and what was shipped."""

    shipment_id: str
    notice_date: datetime
    portions: tuple[ShipNoticePortion, ...]
    shipment_date: datetime | None = None
    delivery_date: datetime | None = None
    operation: str = "new"
    carrier: str | None = None
    carrier_domain: str = "companyName"
    tracking_number: str | None = None
    comments: str | None = None


# ---------- InvoiceDetailRequest ----------


@dataclass(frozen=True, slots=True)
class InvoiceItem:
    """One invoiced line, pointing at its order line."""

    invoice_line_number: int
    quantity: Decimal
    unit_of_measure: str
    unit_price: Money
    order_line_number: int
    subtotal: Money | None = None
    description: str | None = None
    lang: str = "en"
    item_id: ItemID | None = None
    tax: Money | None = None


@dataclass(frozen=True, slots=True)
class InvoiceOrder:
    """The invoiced lines of one purchase order."""

    order: OrderReference
    items: tuple[InvoiceItem, ...]


@dataclass(frozen=True, slots=True)
class InvoiceSummary:
    """The invoice totals. ``net`` is None only when a sender left it empty."""

    subtotal: Money
    tax: Money
    net: Money | None
    shipping: Money | None = None
    due: Money | None = None
    tax_description: str = ""
    tax_percent: Decimal | None = None
    tax_category: str = "vat"


@dataclass(frozen=True, slots=True)
class InvoiceDetailRequest:
    """An invoice (or credit/debit memo, by ``purpose``) for one or more orders."""

    invoice_id: str
    invoice_date: datetime
    orders: tuple[InvoiceOrder, ...]
    summary: InvoiceSummary
    purpose: str = "standard"
    operation: str = "new"
    pay_in_days: int | None = None
    remit_to: Contact | None = None
    bill_to: Contact | None = None
    comments: str | None = None
