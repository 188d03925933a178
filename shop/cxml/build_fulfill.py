"""Builders for the documents a supplier sends after an order.

ConfirmationRequest and ShipNoticeRequest carry the DOCTYPE of ``Fulfill.dtd``,
InvoiceDetailRequest that of ``InvoiceDetail.dtd``. Like the other builders they return
whole documents as UTF-8 bytes and refuse (``ValueError``) data that would make them invalid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Unpack

from shop.cxml import build_parts as parts
from shop.cxml.build import RequestOptions, request_document
from shop.cxml.documents import Contact, Money
from shop.cxml.fulfillment import (
    ConfirmationRequest,
    ConfirmationStatus,
    InvoiceDetailRequest,
    InvoiceItem,
    InvoiceSummary,
    OrderReference,
    ShipNoticeRequest,
)

CONFIRMATION_TYPES = ("accept", "allDetail", "detail", "backordered", "except", "reject",
                      "requestToPay", "replace")
LINE_STATUS_TYPES = ("accept", "allDetail", "detail", "backordered", "reject", "unknown",
                     "requestToPay")
INVOICE_PURPOSES = ("standard", "creditMemo", "debitMemo", "lineLevelCreditMemo",
                    "lineLevelDebitMemo")


def _order_reference(parent: Any, value: OrderReference) -> None:
    order_date = None if value.order_date is None else parts.when(value.order_date)
    element = parts.sub(parent, "OrderReference", orderID=value.order_id, orderDate=order_date)
    parts.sub(element, "DocumentReference", payloadID=value.payload_id)


def _comments(parent: Any, comments: str | None) -> None:
    if comments is not None:
        parts.sub(parent, "Comments", comments, lang="en")


# ---------- ConfirmationRequest ----------


def build_confirmation(
    confirmation: ConfirmationRequest, **options: Unpack[RequestOptions]
) -> bytes:
    """An order confirmation: accept or reject the whole order, or ``detail`` per line."""
    if confirmation.type not in CONFIRMATION_TYPES:
        raise ValueError(f"unknown confirmation type {confirmation.type!r}")
    if confirmation.type == "detail" and not confirmation.items:
        raise ValueError("a detail confirmation needs its lines")

    def fill(body: Any) -> None:
        element = parts.sub(body, "ConfirmationRequest")
        head = parts.sub(
            element, "ConfirmationHeader", confirmID=confirmation.confirm_id,
            operation=confirmation.operation, type=confirmation.type,
            noticeDate=parts.when(confirmation.notice_date),
        )
        _comments(head, confirmation.comments)
        _order_reference(element, confirmation.order)
        for item in confirmation.items:
            line = parts.sub(element, "ConfirmationItem", quantity=parts.number(item.quantity),
                             lineNumber=str(item.line_number))
            parts.sub(line, "UnitOfMeasure", item.unit_of_measure)
            if not item.statuses:
                raise ValueError(f"confirmation line {item.line_number} has no status")
            for status in item.statuses:
                _confirmation_status(line, status)

    return request_document(fill, dtd_file="Fulfill.dtd", **options)


def _confirmation_status(parent: Any, status: ConfirmationStatus) -> None:
    if status.type not in LINE_STATUS_TYPES:
        raise ValueError(f"unknown line status {status.type!r}")
    element = parts.sub(
        parent, "ConfirmationStatus", quantity=parts.number(status.quantity), type=status.type,
        shipmentDate=None if status.shipment_date is None else parts.when(status.shipment_date),
        deliveryDate=None if status.delivery_date is None else parts.when(status.delivery_date),
    )
    parts.sub(element, "UnitOfMeasure", status.unit_of_measure)
    if status.unit_price is not None:
        parts.money(element, "UnitPrice", status.unit_price)
    _comments(element, status.comments)


# ---------- ShipNoticeRequest ----------


def build_ship_notice(notice: ShipNoticeRequest, **options: Unpack[RequestOptions]) -> bytes:
    """An advance ship notice: carrier, tracking number and one portion per order."""
    if notice.tracking_number is not None and notice.carrier is None:
        raise ValueError("a tracking number needs a carrier")

    def fill(body: Any) -> None:
        element = parts.sub(body, "ShipNoticeRequest")
        head = parts.sub(
            element, "ShipNoticeHeader", shipmentID=notice.shipment_id,
            operation=notice.operation, noticeDate=parts.when(notice.notice_date),
            shipmentDate=None if notice.shipment_date is None else parts.when(notice.shipment_date),
            deliveryDate=None if notice.delivery_date is None else parts.when(notice.delivery_date),
        )
        _comments(head, notice.comments)
        if notice.carrier is not None:
            control = parts.sub(element, "ShipControl")
            parts.sub(control, "CarrierIdentifier", notice.carrier, domain=notice.carrier_domain)
            # ShipmentIdentifier is required in ShipControl; without tracking it stays empty.
            parts.sub(control, "ShipmentIdentifier", notice.tracking_number or "")
        for portion in notice.portions:
            part = parts.sub(element, "ShipNoticePortion")
            _order_reference(part, portion.order)
            for item in portion.items:
                line = parts.sub(part, "ShipNoticeItem", quantity=parts.number(item.quantity),
                                 lineNumber=str(item.line_number))
                if item.item_id is not None:
                    parts.item_id(line, item.item_id)
                parts.sub(line, "UnitOfMeasure", item.unit_of_measure)

    return request_document(fill, dtd_file="Fulfill.dtd", **options)


# ---------- InvoiceDetailRequest ----------


def build_invoice(invoice: InvoiceDetailRequest, **options: Unpack[RequestOptions]) -> bytes:
    """An invoice for one or more orders, with its summary (subtotal, tax, net, due)."""
    if invoice.purpose not in INVOICE_PURPOSES:
        raise ValueError(f"unknown invoice purpose {invoice.purpose!r}")
    if not invoice.orders or not all(order.items for order in invoice.orders):
        raise ValueError("an invoice needs at least one order with at least one line")
    if invoice.summary.net is None:
        raise ValueError("an invoice summary needs its net amount")

    def fill(body: Any) -> None:
        element = parts.sub(body, "InvoiceDetailRequest")
        _invoice_header(element, invoice)
        for order in invoice.orders:
            part = parts.sub(element, "InvoiceDetailOrder")
            _order_reference(parts.sub(part, "InvoiceDetailOrderInfo"), order.order)
            for item in order.items:
                _invoice_item(part, item)
        _summary(element, invoice.summary)

    return request_document(fill, dtd_file="InvoiceDetail.dtd", **options)


def _invoice_header(parent: Any, invoice: InvoiceDetailRequest) -> None:
    head = parts.sub(
        parent, "InvoiceDetailRequestHeader", invoiceID=invoice.invoice_id,
        purpose=invoice.purpose, operation=invoice.operation,
        invoiceDate=parts.when(invoice.invoice_date),
    )
    parts.sub(head, "InvoiceDetailHeaderIndicator")
    parts.sub(head, "InvoiceDetailLineIndicator")
    for partner in (invoice.remit_to, invoice.bill_to):
        if partner is not None:
            _partner(head, partner)
    if invoice.pay_in_days is not None:
        parts.sub(head, "PaymentTerm", payInNumberOfDays=str(invoice.pay_in_days))
    _comments(head, invoice.comments)


def _partner(parent: Any, contact: Contact) -> None:
    parts.contacts(parts.sub(parent, "InvoicePartner"), (contact,))


def _invoice_item(parent: Any, item: InvoiceItem) -> None:
    element = parts.sub(
        parent, "InvoiceDetailItem", invoiceLineNumber=str(item.invoice_line_number),
        quantity=parts.number(item.quantity),
    )
    parts.sub(element, "UnitOfMeasure", item.unit_of_measure)
    parts.money(element, "UnitPrice", item.unit_price)
    reference = parts.sub(element, "InvoiceDetailItemReference",
                          lineNumber=str(item.order_line_number))
    if item.item_id is not None:
        parts.item_id(reference, item.item_id)
    if item.description is not None:
        parts.sub(reference, "Description", item.description, lang=item.lang or "en")
    if item.subtotal is not None:
        parts.money(element, "SubtotalAmount", item.subtotal)
    if item.tax is not None:
        _tax(element, item.tax, "", None, "vat")


def _tax(
    parent: Any, amount: Money, description: str, percent: Decimal | None, category: str
) -> None:
    tax = parts.money(parent, "Tax", amount)
    parts.sub(tax, "Description", description, lang="en")
    if percent is not None:
        detail = parts.sub(tax, "TaxDetail", category=category,
                           percentageRate=parts.number(percent))
        parts.money(detail, "TaxAmount", amount)


def _summary(parent: Any, summary: InvoiceSummary) -> None:
    element = parts.sub(parent, "InvoiceDetailSummary")
    parts.money(element, "SubtotalAmount", summary.subtotal)
    _tax(element, summary.tax, summary.tax_description, summary.tax_percent,
         summary.tax_category)
    if summary.shipping is not None:
        parts.money(element, "ShippingAmount", summary.shipping)
    assert summary.net is not None  # checked by build_invoice
    parts.money(element, "NetAmount", summary.net)
    if summary.due is not None:
        parts.money(element, "DueAmount", summary.due)
