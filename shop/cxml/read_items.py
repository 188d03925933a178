"""Readers for line items: ItemOut (setup requests, orders) and ItemIn (carts).

These run once per line of documents with thousands of lines, so they are written for speed:
each element's children are walked once with the most common tags tested first, values are
passed positionally, and error texts are only formatted when there is an error.
"""

from __future__ import annotations

from typing import Any

from shop.cxml.documents import (
    NO_EXTRINSICS,
    Accounting,
    AccountingSegment,
    Classification,
    Distribution,
    Extrinsics,
    ItemDetail,
    ItemID,
    ItemIn,
    ItemOut,
)
from shop.cxml.errors import CXMLError
from shop.cxml.read_parts import (
    XML_LANG,
    all_text,
    charge,
    date_or_datetime,
    decimal_value,
    int_value,
    money,
    ship_to_address,
    text,
)

_CACHE_SIZE = 4096
_NO_ACCOUNTING = Accounting("")
_classifications: dict[tuple[str | None, str | None], Classification] = {}
_accountings: dict[tuple[str, tuple[tuple[str, str, str], ...]], Accounting] = {}


def item_id(element: Any, where: str) -> ItemID:
    supplier_part_id, aux_id, buyer_part_id = "", None, None
    for child in element:
        tag = child.tag
        if tag == "SupplierPartID":
            value = child.text
            supplier_part_id = value.strip() if value else ""
        elif tag == "SupplierPartAuxiliaryID":
            aux_id = all_text(child) or None
        elif tag == "BuyerPartID":
            buyer_part_id = text(child) or None
    if not supplier_part_id:
        raise CXMLError(f"{where}: ItemID has no SupplierPartID", element="SupplierPartID")
    return ItemID(supplier_part_id, aux_id, buyer_part_id)


def _classification(element: Any) -> Classification:
    domain, code = element.get("domain"), element.text
    found = _classifications.get((domain, code))
    if found is None:
        found = Classification((domain or "").strip(), code.strip() if code else "")
        if len(_classifications) >= _CACHE_SIZE:
            _classifications.clear()
        _classifications[domain, code] = found
    return found


def item_detail(element: Any, where: str) -> ItemDetail:
    unit_price = None
    description, short_name, lang, unit = None, None, "en", ""
    manufacturer_part_id = manufacturer_name = url = None
    lead_time = price_basis = None
    classifications: list[Classification] = []
    extrinsic_pairs: list[tuple[str, str]] = []
    for child in element:
        tag = child.tag
        if tag == "UnitPrice":
            unit_price = money(child, where, "UnitPrice")
        elif tag == "Description":
            if description is None:  # the first language is the main one
                description, short_name = _description(child)
                lang = child.get(XML_LANG) or "en"
        elif tag == "UnitOfMeasure":
            value = child.text
            unit = value.strip() if value else ""
        elif tag == "Classification":
            classifications.append(_classification(child))
        elif tag == "ManufacturerPartID":
            manufacturer_part_id = text(child) or None
        elif tag == "ManufacturerName":
            manufacturer_name = all_text(child) or None
        elif tag == "URL":
            url = text(child) or None
        elif tag == "LeadTime":
            lead_time = int_value(text(child), f"{where} LeadTime", "LeadTime")
        elif tag == "Extrinsic":
            extrinsic_pairs.append(((child.get("name") or "").strip(), all_text(child)))
        elif tag == "PriceBasisQuantity":
            price_basis = decimal_value(child.get("quantity", ""), f"{where} PriceBasisQuantity",
                                        "PriceBasisQuantity")
    if unit_price is None:
        raise CXMLError(f"{where}: ItemDetail has no UnitPrice", element="UnitPrice")
    return ItemDetail(
        unit_price, description or "", unit, tuple(classifications), short_name, lang,
        manufacturer_part_id, manufacturer_name, url, lead_time, price_basis,
        Extrinsics(extrinsic_pairs) if extrinsic_pairs else NO_EXTRINSICS,
    )


def _description(element: Any) -> tuple[str, str | None]:
    """(description, short name): the text around a ``<ShortName>`` child is the description."""
    if not len(element):
        value = element.text
        return (" ".join(value.split()) if value else ""), None
    short_name = None
    parts = [element.text or ""]
    for child in element:
        if child.tag == "ShortName":
            short_name = all_text(child) or None
        parts.append(child.tail or "")
    return " ".join("".join(parts).split()), short_name


def distribution(element: Any, where: str) -> Distribution:
    accounting, amount = None, None
    for child in element:
        tag = child.tag
        if tag == "Accounting":
            accounting = _accounting(child)
        elif tag == "Charge":
            amount = money(child, where, "Distribution Charge")
    return Distribution(accounting or _NO_ACCOUNTING, amount)


def _accounting(element: Any) -> Accounting:
    raw: list[tuple[str, str, str]] = []
    for child in element:
        if child.tag == "AccountingSegment":  # cXML 1.2: children Name and Description
            name = description = ""
            for part in child:
                if part.tag == "Name":
                    name = all_text(part)
                elif part.tag == "Description":
                    description = all_text(part)
            raw.append(((child.get("id") or "").strip(), name, description))
        elif child.tag == "Segment":  # cXML 1.1, still sent by Coupa: all attributes
            raw.append(((child.get("id") or "").strip(), child.get("type") or "",
                        child.get("description") or ""))
    # Most orders charge every line to the same few cost objects: share those values.
    key = (element.get("name") or "", tuple(raw))
    found = _accountings.get(key)
    if found is None:
        found = Accounting(key[0], tuple(AccountingSegment(*segment) for segment in raw))
        if len(_accountings) >= _CACHE_SIZE:
            _accountings.clear()
        _accountings[key] = found
    return found


def _where(tag: str, line: str | None, position: int) -> str:
    return f"{tag} {line}" if line else f"{tag} #{position}"


def item_out(element: Any, position: int) -> ItemOut:
    """One ``<ItemOut>``; ``position`` (1-based) names it in errors when lineNumber is absent."""
    line = element.get("lineNumber")
    where = _where("ItemOut", line, position)
    quantity = _quantity(element, where, "ItemOut")
    line_number = int_value(line, f"{where} lineNumber", "ItemOut") if line else None
    delivery = element.get("requestedDeliveryDate")
    if delivery and delivery.strip():
        delivery = date_or_datetime(delivery, f"{where} requestedDeliveryDate", "ItemOut")
    else:
        delivery = None
    ids = detail = ship_to = shipping = tax = None
    distributions: list[Distribution] = []
    comments: list[str] = []
    for child in element:
        tag = child.tag
        if tag == "ItemID":
            ids = item_id(child, where)
        elif tag == "ItemDetail":
            detail = item_detail(child, where)
        elif tag == "Distribution":
            distributions.append(distribution(child, where))
        elif tag == "Comments":
            comments.append(all_text(child))
        elif tag == "ShipTo":
            ship_to = ship_to_address(child)
        elif tag == "Shipping":
            shipping = charge(child, f"{where} Shipping")
        elif tag == "Tax":
            tax = charge(child, f"{where} Tax")
    if ids is None:
        raise CXMLError(f"{where}: ItemID is missing", element="ItemID")
    return ItemOut(
        quantity, ids, detail, line_number, delivery, ship_to, shipping, tax,
        tuple(distributions), "\n".join(c for c in comments if c) or None,
    )


def item_in(element: Any, position: int) -> ItemIn:
    line = element.get("lineNumber")
    where = _where("ItemIn", line, position)
    quantity = _quantity(element, where, "ItemIn")
    ids = detail = shipping = tax = None
    for child in element:
        tag = child.tag
        if tag == "ItemID":
            ids = item_id(child, where)
        elif tag == "ItemDetail":
            detail = item_detail(child, where)
        elif tag == "Shipping":
            shipping = charge(child, f"{where} Shipping")
        elif tag == "Tax":
            tax = charge(child, f"{where} Tax")
    if ids is None:
        raise CXMLError(f"{where}: ItemID is missing", element="ItemID")
    if detail is None:
        raise CXMLError(f"{where}: ItemDetail is missing", element="ItemDetail")
    line_number = int_value(line, f"{where} lineNumber", "ItemIn") if line else None
    return ItemIn(quantity, ids, detail, line_number, shipping, tax)


def _quantity(element: Any, where: str, tag: str) -> Any:
    value = element.get("quantity")
    if value is None or not value.strip():
        raise CXMLError(f"{where}: attribute quantity is missing", element=tag)
    return decimal_value(value, f"{where} quantity", tag)
