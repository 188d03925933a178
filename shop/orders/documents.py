"""The documents sent back to a buyer about its purchase order, built with the cXML toolkit.

ConfirmationRequest, ShipNoticeRequest and InvoiceDetailRequest are built from what the shop
recorded (a ``Confirmation``, a ``Shipment``, an ``Invoice``) and the PO they answer. The
header goes back the way the PO came: the shop (its outbound identity) as From and Sender,
the buyer's From credentials as To. The SharedSecret is written masked; delivery puts the
current secret in at the moment of sending, so no secret is ever stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

from flask import current_app

from shop import cxml
from shop.database import utcnow
from shop.orders.buyers import BuyerConnection
from shop.orders.fulfilment_models import Confirmation, Invoice, Shipment
from shop.orders.models import Order
from shop.orders.outbox import SECRET_MASK
from shop.orders.po_models import PurchaseOrder

USER_AGENT = "Northwind Supply"


@dataclass(frozen=True, slots=True)
class Document:
    """A built document and the payloadID it carries (the outbox keeps both)."""

    document_type: str
    payload_id: str
    body: bytes


def payload_host() -> str:
    """The host name our payloadIDs end with: the public URL's, else a safe default."""
    base = current_app.config.get("SHOP_BASE_URL") or ""
    host = urlsplit(base).hostname or current_app.config.get("SERVER_NAME") or "localhost"
    return host.split(":", 1)[0]


@dataclass(frozen=True, slots=True)
class Addressee:
    """What a document back to the buyer is about and goes with: the PO's reference, the
    credentials its OrderRequest came with, and its deployment mode."""

    reference: cxml.OrderReference
    buyer_credentials: list[list[str]]
    shop_credentials: list[list[str]]
    deployment_mode: str


def addressee(po: PurchaseOrder) -> Addressee:
    return Addressee(_reference(po), po.buyer_credentials, po.shop_credentials,
                     po.deployment_mode)


def _header(to: Addressee, connection: BuyerConnection) -> cxml.Header:
    shop_pairs = ([(connection.outbound_domain, connection.outbound_identity)]
                  if connection.outbound_identity else
                  [tuple(pair) for pair in to.shop_credentials] or [("DUNS", "unknown")])
    buyer_pairs = [tuple(pair) for pair in to.buyer_credentials] or [("DUNS", "unknown")]
    ours = tuple(cxml.Credential(domain, identity) for domain, identity in shop_pairs)
    sender = cxml.Credential(ours[0].domain, ours[0].identity, shared_secret=SECRET_MASK)
    return cxml.Header(
        from_=cxml.Party(ours),
        to=cxml.Party(tuple(cxml.Credential(domain, identity) for domain, identity in buyer_pairs)),
        sender=cxml.Party((sender,)),
        user_agent=USER_AGENT,
    )


def _reference(po: PurchaseOrder) -> cxml.OrderReference:
    return cxml.OrderReference(po.order_id, po.payload_id, po.order_date)


def _common(po: PurchaseOrder | Addressee, connection: BuyerConnection) -> dict[str, object]:
    to = po if isinstance(po, Addressee) else addressee(po)
    host = payload_host()
    return {
        "header": _header(to, connection),
        "host": host,
        "version": connection.cxml_version or current_app.config["CXML_VERSION"],
        "deployment_mode": "test" if to.deployment_mode == "test" else "production",
        "payload_id": cxml.new_payload_id(host),
    }


def _document(kind: str, common: dict[str, object], body: bytes) -> Document:
    return Document(kind, str(common["payload_id"]), body)


def confirmation_document(po: PurchaseOrder, connection: BuyerConnection,
                          confirmation: Confirmation, *, detail: bool,
                          operation: str = "new") -> Document:
    """A ConfirmationRequest: the whole order accepted or rejected, or ``detail`` per line.

    ``operation="update"`` replaces a confirmation the buyer already has.
    """
    order = po.order
    items: tuple[cxml.ConfirmationItem, ...] = ()
    if detail:
        by_number = {line.line_number: line for line in order.lines}
        items = tuple(
            cxml.ConfirmationItem(
                line_number=int(entry["line_number"]),
                quantity=by_number[int(entry["line_number"])].quantity,
                unit_of_measure=by_number[int(entry["line_number"])].unit,
                statuses=tuple(
                    cxml.ConfirmationStatus(
                        type=decision["type"], quantity=Decimal(decision["quantity"]),
                        unit_of_measure=by_number[int(entry["line_number"])].unit,
                        delivery_date=_date(decision.get("delivery_date")),
                    )
                    for decision in entry["decisions"]
                ),
            )
            for entry in confirmation.lines
        )
    request = cxml.ConfirmationRequest(
        type=confirmation.type, order=_reference(po), notice_date=confirmation.created_at,
        confirm_id=confirmation.confirm_id, comments=confirmation.comments or None,
        items=items, operation=operation,
    )
    common = _common(po, connection)
    return _document("ConfirmationRequest", common, cxml.build_confirmation(request, **common))  # type: ignore[arg-type]


def rejection_document(to: Addressee, connection: BuyerConnection, confirm_id: str,
                       reason: str) -> Document:
    """A ConfirmationRequest rejecting an order the shop stored but did not accept (there is
    no shop order behind it, so it is built from the OrderRequest's own reference)."""
    request = cxml.ConfirmationRequest(
        type="reject", order=to.reference, notice_date=utcnow(), confirm_id=confirm_id,
        comments=reason or None,
    )
    common = _common(to, connection)
    return _document("ConfirmationRequest", common, cxml.build_confirmation(request, **common))  # type: ignore[arg-type]


def _date(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def ship_notice_document(po: PurchaseOrder, connection: BuyerConnection,
                         shipment: Shipment) -> Document:
    """A ShipNoticeRequest: carrier, tracking number and the lines in this shipment."""
    items = tuple(
        cxml.ShipNoticeItem(
            line_number=line.line_number, quantity=line.quantity,
            unit_of_measure=line.order_line.unit,
            item_id=cxml.ItemID(line.order_line.sku, line.order_line.aux_id or None),
        )
        for line in shipment.lines
    )
    notice = cxml.ShipNoticeRequest(
        shipment_id=shipment.shipment_id, notice_date=shipment.shipped_at,
        shipment_date=shipment.shipped_at,
        portions=(cxml.ShipNoticePortion(_reference(po), items),),
        carrier=shipment.carrier, tracking_number=shipment.tracking_number or None,
    )
    common = _common(po, connection)
    return _document("ShipNoticeRequest", common, cxml.build_ship_notice(notice, **common))  # type: ignore[arg-type]


def invoice_document(po: PurchaseOrder, connection: BuyerConnection,
                     invoice: Invoice) -> Document:
    """An InvoiceDetailRequest for the invoiced lines, with tax and payment terms."""
    order: Order = po.order
    currency = invoice.currency
    items = tuple(
        cxml.InvoiceItem(
            invoice_line_number=number, quantity=line.quantity,
            unit_of_measure=line.order_line.unit,
            unit_price=cxml.Money(line.unit_price, currency),
            order_line_number=line.line_number,
            subtotal=cxml.Money(line.amount, currency),
            description=line.order_line.name or None,
            item_id=cxml.ItemID(line.order_line.sku, line.order_line.aux_id or None),
        )
        for number, line in enumerate(invoice.lines, start=1)
    )
    summary = cxml.InvoiceSummary(
        subtotal=cxml.Money(invoice.subtotal, currency),
        tax=cxml.Money(invoice.tax, currency),
        net=cxml.Money(invoice.net, currency),
        shipping=cxml.Money(invoice.shipping, currency) if invoice.shipping else None,
        due=cxml.Money(invoice.net, currency),
        tax_description=f"Tax {invoice.tax_rate.normalize():f} %",
        tax_percent=invoice.tax_rate,
    )
    bill_to_name = str(order.bill_to.get("name") or order.company.name)
    request = cxml.InvoiceDetailRequest(
        invoice_id=invoice.invoice_id, invoice_date=invoice.invoice_date,
        orders=(cxml.InvoiceOrder(_reference(po), items),), summary=summary,
        pay_in_days=invoice.pay_in_days,
        remit_to=cxml.Contact(current_app.config["SHOP_NAME"], role="remitTo"),
        bill_to=cxml.Contact(bill_to_name, role="billTo"),
    )
    common = _common(po, connection)
    return _document("InvoiceDetailRequest", common, cxml.build_invoice(request, **common))  # type: ignore[arg-type]

