"""Readers for ConfirmationRequest, ShipNoticeRequest and InvoiceDetailRequest.

The shop sends these; the sandbox's inbox and the tests read them back. Lenient like the
other readers: e.g. an ``OrderReference`` without orderID, an empty ``NetAmount``, or a line's
part number given only as Extrinsics (with the misspelt ``SupplierPartAuxilliaryID``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from shop.cxml.documents import ItemID, Money
from shop.cxml.errors import CXMLError
from shop.cxml.fulfillment import (
    ConfirmationItem,
    ConfirmationRequest,
    ConfirmationStatus,
    InvoiceDetailRequest,
    InvoiceItem,
    InvoiceOrder,
    InvoiceSummary,
    OrderReference,
    ShipNoticeItem,
    ShipNoticePortion,
    ShipNoticeRequest,
)
from shop.cxml.read_items import item_id
from shop.cxml.read_parts import (
    all_text,
    contact,
    date_or_datetime,
    decimal_value,
    extrinsics,
    int_value,
    lang_of,
    money,
    money_value,
    parse_datetime,
    required,
    required_child,
    text,
)

# Extrinsic names some senders use for the part numbers of a line (one of them misspelt).
_AUX_ID_NAMES = ("SupplierPartAuxiliaryID", "SupplierPartAuxilliaryID")


def _datetime_attr(element: Any, name: str, where: str) -> datetime | None:
    value = element.get(name)
    return parse_datetime(value, name, where) if value and value.strip() else None


def _line(element: Any, where: str) -> tuple[int, Any]:
    number = required(element, "lineNumber", where)
    quantity = required(element, "quantity", where)
    return int_value(number, f"{where} lineNumber", where), decimal_value(
        quantity, f"{where} quantity", where
    )


def order_reference(element: Any) -> OrderReference:
    payload_id = ""
    for child in element:
        if child.tag == "DocumentReference":
            payload_id = (child.get("payloadID") or "").strip()
    order_id = (element.get("orderID") or "").strip() or None
    order_date = _datetime_attr(element, "orderDate", "OrderReference")
    return OrderReference(order_id, payload_id, order_date)


def _find_order_reference(element: Any, where: str) -> OrderReference:
    for reference in element.iter("OrderReference"):
        return order_reference(reference)
    raise CXMLError(f"{where}: OrderReference is missing", element="OrderReference")


# ---------- ConfirmationRequest ----------


def read_confirmation(element: Any) -> ConfirmationRequest:
    header = required_child(element, "ConfirmationHeader")
    where = "ConfirmationHeader"
    notice_date = parse_datetime(required(header, "noticeDate", where), "noticeDate", where)
    comments = [all_text(c) for c in header if c.tag == "Comments"]
    items = tuple(
        _confirmation_item(child) for child in element if child.tag == "ConfirmationItem"
    )
    return ConfirmationRequest(
        type=required(header, "type", where),
        order=_find_order_reference(element, "ConfirmationRequest"),
        notice_date=notice_date,
        confirm_id=(header.get("confirmID") or "").strip() or None,
        operation=(header.get("operation") or "new").strip(),
        comments="\n".join(c for c in comments if c) or None,
        items=items,
    )


def _confirmation_item(element: Any) -> ConfirmationItem:
    line_number, quantity = _line(element, "ConfirmationItem")
    where = f"ConfirmationItem {line_number}"
    unit = next((text(c) for c in element if c.tag == "UnitOfMeasure"), "")
    statuses = tuple(
        _confirmation_status(child, where) for child in element if child.tag == "ConfirmationStatus"
    )
    if not statuses:
        raise CXMLError(f"{where}: ConfirmationStatus is missing", element="ConfirmationStatus")
    return ConfirmationItem(line_number, quantity, unit, statuses)


def _confirmation_status(element: Any, where: str) -> ConfirmationStatus:
    where = f"{where} ConfirmationStatus"
    quantity = decimal_value(required(element, "quantity", where), f"{where} quantity", where)
    fields: dict[str, Any] = {}
    for name, attribute in (("delivery_date", "deliveryDate"), ("shipment_date", "shipmentDate")):
        value = element.get(attribute)
        if value and value.strip():
            fields[name] = date_or_datetime(value, f"{where} {attribute}", "ConfirmationStatus")
    unit, comments, extrinsic_elements = "", [], []
    for child in element:
        tag = child.tag
        if tag == "UnitOfMeasure":
            unit = text(child)
        elif tag == "UnitPrice":
            fields["unit_price"] = money(child, f"{where} UnitPrice")
        elif tag == "ItemIn":
            fields["item_id"] = next(
                (item_id(c, where) for c in child if c.tag == "ItemID"), None
            )
        elif tag == "Comments":
            comments.append(all_text(child))
        elif tag == "Extrinsic":
            extrinsic_elements.append(child)
    if "item_id" not in fields and extrinsic_elements:
        fields["item_id"] = _item_id_from_extrinsics(extrinsic_elements)
    return ConfirmationStatus(
        type=required(element, "type", where), quantity=quantity, unit_of_measure=unit,
        comments="\n".join(c for c in comments if c) or None, **fields,
    )


def _item_id_from_extrinsics(elements: list[Any]) -> ItemID | None:
    values = extrinsics(elements)
    part = values.get("SupplierPartID")
    if not part:
        return None
    aux = next((values[name] for name in _AUX_ID_NAMES if values.get(name)), None)
    return ItemID(part, aux)


# ---------- ShipNoticeRequest ----------


def read_ship_notice(element: Any) -> ShipNoticeRequest:
    header = required_child(element, "ShipNoticeHeader")
    where = "ShipNoticeHeader"
    fields: dict[str, Any] = {
        "shipment_id": required(header, "shipmentID", where),
        "notice_date": parse_datetime(required(header, "noticeDate", where), "noticeDate", where),
        "shipment_date": _datetime_attr(header, "shipmentDate", where),
        "delivery_date": _datetime_attr(header, "deliveryDate", where),
        "operation": (header.get("operation") or "new").strip(),
        "comments": "\n".join(all_text(c) for c in header if c.tag == "Comments") or None,
    }
    portions = []
    for child in element:
        if child.tag == "ShipControl" and "carrier" not in fields:
            _ship_control(child, fields)
        elif child.tag == "ShipNoticePortion":
            portions.append(_portion(child))
    return ShipNoticeRequest(portions=tuple(portions), **fields)


def _ship_control(element: Any, fields: dict[str, Any]) -> None:
    carriers = [(c.get("domain", ""), all_text(c)) for c in element if c.tag == "CarrierIdentifier"]
    # A readable company name is the most useful of several identifiers.
    named = [c for c in carriers if c[0].casefold() == "companyname"] or carriers
    if named:
        fields["carrier_domain"], fields["carrier"] = named[0]
    fields["tracking_number"] = next(
        (all_text(c) for c in element if c.tag == "ShipmentIdentifier"), None
    )


def _portion(element: Any) -> ShipNoticePortion:
    items = []
    for child in element:
        if child.tag == "ShipNoticeItem":
            line_number, quantity = _line(child, "ShipNoticeItem")
            where = f"ShipNoticeItem {line_number}"
            unit = next((text(c) for c in child if c.tag == "UnitOfMeasure"), "")
            ids = next((item_id(c, where) for c in child if c.tag == "ItemID"), None)
            items.append(ShipNoticeItem(line_number, quantity, unit, ids))
    return ShipNoticePortion(_find_order_reference(element, "ShipNoticePortion"), tuple(items))


# ---------- InvoiceDetailRequest ----------


def read_invoice(element: Any) -> InvoiceDetailRequest:
    header = required_child(element, "InvoiceDetailRequestHeader")
    summary = required_child(element, "InvoiceDetailSummary")
    where = "InvoiceDetailRequestHeader"
    fields: dict[str, Any] = {
        "invoice_id": required(header, "invoiceID", where),
        "invoice_date": parse_datetime(
            required(header, "invoiceDate", where), "invoiceDate", where
        ),
        "purpose": (header.get("purpose") or "standard").strip(),
        "operation": (header.get("operation") or "new").strip(),
    }
    for child in header:
        if child.tag == "InvoicePartner":
            partner = next((contact(c) for c in child if c.tag == "Contact"), None)
            if partner is not None and partner.role in ("remitTo", "billTo"):
                fields["remit_to" if partner.role == "remitTo" else "bill_to"] = partner
        elif child.tag == "PaymentTerm" and child.get("payInNumberOfDays"):
            fields["pay_in_days"] = int_value(
                child.get("payInNumberOfDays"), "payInNumberOfDays", "PaymentTerm"
            )
        elif child.tag == "Comments":
            fields["comments"] = all_text(child) or None
    orders = tuple(_invoice_order(c) for c in element if c.tag == "InvoiceDetailOrder")
    return InvoiceDetailRequest(orders=orders, summary=_summary(summary), **fields)


def _invoice_order(element: Any) -> InvoiceOrder:
    reference = OrderReference(None, "")
    for info in element.iter("InvoiceDetailOrderInfo"):
        for child in info.iter("OrderReference", "OrderIDInfo"):
            if child.tag == "OrderReference":
                reference = order_reference(child)
            else:
                reference = OrderReference(child.get("orderID"), "")
            break
        break
    items = tuple(_invoice_item(c) for c in element if c.tag == "InvoiceDetailItem")
    return InvoiceOrder(reference, items)


def _invoice_item(element: Any) -> InvoiceItem:
    where = "InvoiceDetailItem"
    number = int_value(required(element, "invoiceLineNumber", where), "invoiceLineNumber", where)
    where = f"InvoiceDetailItem {number}"
    fields: dict[str, Any] = {
        "invoice_line_number": number,
        "quantity": decimal_value(required(element, "quantity", where), "quantity", where),
        "unit_of_measure": "",
        "order_line_number": number,
    }
    for child in element:
        tag = child.tag
        if tag == "UnitOfMeasure":
            fields["unit_of_measure"] = text(child)
        elif tag == "UnitPrice":
            fields["unit_price"] = money(child, f"{where} UnitPrice")
        elif tag == "InvoiceDetailItemReference":
            _item_reference(child, where, fields)
        elif tag == "SubtotalAmount":
            fields["subtotal"] = _optional_money(child, f"{where} SubtotalAmount")
        elif tag == "Tax":
            fields["tax"] = _optional_money(child, f"{where} Tax")
    if "unit_price" not in fields:
        raise CXMLError(f"{where}: UnitPrice is missing", element="UnitPrice")
    return InvoiceItem(**fields)


def _item_reference(element: Any, where: str, fields: dict[str, Any]) -> None:
    line = element.get("lineNumber")
    if line and line.strip():
        fields["order_line_number"] = int_value(line, f"{where} lineNumber", where)
    for child in element:
        if child.tag == "ItemID":
            fields["item_id"] = item_id(child, where)
        elif child.tag == "Description":
            fields["description"] = all_text(child) or None
            fields["lang"] = lang_of(child)


def _optional_money(element: Any, where: str) -> Money | None:
    """Money that real senders sometimes leave empty (``<Money currency="USD"/>``)."""
    for child in element:
        if child.tag == "Money":
            return money_value(child, where) if text(child) else None
    return None


def _summary(element: Any) -> InvoiceSummary:
    where = "InvoiceDetailSummary"
    amounts: dict[str, Money | None] = {}
    fields: dict[str, Any] = {}
    names = {"SubtotalAmount": "subtotal", "Tax": "tax", "ShippingAmount": "shipping",
             "NetAmount": "net", "DueAmount": "due"}
    for child in element:
        name = names.get(child.tag)
        if name:
            amounts[name] = _optional_money(child, f"{where} {child.tag}")
        if child.tag == "Tax":
            _tax_details(child, fields)
    for name in ("subtotal", "tax"):
        if amounts.get(name) is None:
            raise CXMLError(f"{where}: {name} amount is missing", element=where)
    amounts.setdefault("net", None)
    return InvoiceSummary(**amounts, **fields)  # type: ignore[arg-type]


def _tax_details(element: Any, fields: dict[str, Any]) -> None:
    for child in element:
        if child.tag == "Description":
            fields["tax_description"] = all_text(child)
        elif child.tag == "TaxDetail":
            rate = child.get("percentageRate")
            if rate and rate.strip():
                fields["tax_percent"] = decimal_value(rate, "percentageRate", "TaxDetail")
            fields["tax_category"] = child.get("category") or "vat"
            break


FULFILL_READERS: dict[str, Callable[[Any], Any]] = {
    "ConfirmationRequest": read_confirmation,
    "ShipNoticeRequest": read_ship_notice,
    "InvoiceDetailRequest": read_invoice,
}
