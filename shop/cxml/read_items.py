"""Readers for line items: ItemOut (setup requests, orders) and ItemIn (carts).

These run once per line of documents with thousands of lines, so they are written for speed.
The larger parts (ItemDetail, Distribution) are read in one flat pass over their descendants,
``child.getparent()`` telling which element a child belongs to: a node has at most one live
lxml proxy, so ``is`` against the element we hold is an exact and cheap test. That creates
one iterator per part instead of one per nested element and calls no helper per level, about
half the time of walking each level's children. Children of elements not tracked are passed
over, exactly as a level-by-level walk skips them. The most common tags are tested first,
repeated values are shared, and error texts are formatted only on error.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shop.cxml.documents import (
    NO_EXTRINSICS,
    Accounting,
    AccountingSegment,
    Address,
    Charge,
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
    ValueCache,
    all_text,
    charge,
    date_or_datetime,
    decimal_value,
    int_value,
    money_value,
    ship_to_address,
    text,
)

_NO_ACCOUNTING = Accounting("")
_ClassificationKey = tuple[tuple[str | None, str | None], ...]
_classifications: ValueCache[_ClassificationKey, tuple[Classification, ...]] = ValueCache()
# Lines are read by the thousand: build their values without the frozen __init__'s overhead.
_accountings: ValueCache[tuple[str, ...], Accounting] = ValueCache()


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


def _classifications_of(keys: _ClassificationKey) -> tuple[Classification, ...]:
    """The Classifications for raw (domain, code) pairs, shared between lines that repeat them."""
    found = _classifications.get(keys)
    if found is None:
        found = _classifications.remember(keys, tuple(
            Classification((domain or "").strip(), code.strip() if code else "")
            for domain, code in keys
        ))
    return found


def item_detail(element: Any, where: str) -> ItemDetail:
    """An ``<ItemDetail>``, read in one pass over its descendants (see the module docstring)."""
    unit_price = price = None  # price: the UnitPrice element whose Money is still wanted
    description = description_parts = None
    short_name, lang, unit = None, "en", ""
    manufacturer_part_id = manufacturer_name = url = None
    lead_time = price_basis = None
    classifications: list[tuple[str | None, str | None]] = []
    extrinsic_pairs: list[tuple[str, str]] = []
    for child in element.iterdescendants():
        parent = child.getparent()
        if parent is element:
            tag = child.tag
            if price is not None:  # the previous UnitPrice had no Money
                raise _no_money(where, "UnitPrice")
            if tag == "UnitPrice":
                price, unit_price = child, None  # as before: the last UnitPrice counts
            elif tag == "Description":
                if description is None:  # the first language is the main one
                    description, description_parts = child, [child.text or ""]
                    lang = child.get(XML_LANG) or "en"
            elif tag == "UnitOfMeasure":
                value = child.text
                unit = value.strip() if value else ""
            elif tag == "Classification":
                classifications.append((child.get("domain"), child.text))
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
                price_basis = decimal_value(child.get("quantity", ""),
                                            f"{where} PriceBasisQuantity", "PriceBasisQuantity")
        elif parent is price and child.tag == "Money":  # the first Money of the UnitPrice
            unit_price, price = money_value(child, where, "UnitPrice"), None
        elif parent is description:
            # The text around a <ShortName> child is the description.
            if child.tag == "ShortName":
                short_name = all_text(child) or None
            description_parts.append(child.tail or "")  # type: ignore[union-attr]
    if price is not None:
        raise _no_money(where, "UnitPrice")
    if unit_price is None:
        raise CXMLError(f"{where}: ItemDetail has no UnitPrice", element="UnitPrice")
    return ItemDetail(
        unit_price,
        " ".join("".join(description_parts).split()) if description_parts else "",
        unit, _classifications_of(tuple(classifications)) if classifications else (),
        short_name, lang, manufacturer_part_id, manufacturer_name, url, lead_time, price_basis,
        Extrinsics(extrinsic_pairs) if extrinsic_pairs else NO_EXTRINSICS,
    )


def _no_money(where: str, part: str) -> CXMLError:
    return CXMLError(f"{where} {part}: Money is missing", element="Money")


def distribution(element: Any, where: str) -> Distribution:
    """A ``<Distribution>``: its Accounting (cXML 1.2 AccountingSegment or 1.1 Segment) and
    Charge, read in one pass over its descendants (see the module docstring)."""
    accounting = segment = charge = None  # the elements whose children are being read
    # The Accounting's name, then id, name and description of each segment: one flat list,
    # so that the cache key is a single tuple() call.
    raw: list[str] = []
    amount = None
    for child in element.iterdescendants():
        parent = child.getparent()
        if parent is element:
            tag = child.tag
            if charge is not None:  # the previous Charge had no Money
                raise _no_money(where, "Distribution Charge")
            if tag == "Accounting":  # as before: the last one counts
                accounting, raw = child, [child.get("name") or ""]
            elif tag == "Charge":
                charge, amount = child, None
        elif parent is accounting:
            tag = child.tag
            if tag == "AccountingSegment":  # cXML 1.2: children Name and Description
                segment = child
                raw += ((child.get("id") or "").strip(), "", "")
            elif tag == "Segment":  # cXML 1.1, still sent by Coupa: all attributes
                raw += ((child.get("id") or "").strip(), child.get("type") or "",
                        child.get("description") or "")
        elif parent is segment:
            tag = child.tag
            if tag == "Name":
                raw[-2] = all_text(child)
            elif tag == "Description":
                raw[-1] = all_text(child)
        elif parent is charge and child.tag == "Money":  # the first Money of the Charge
            amount, charge = money_value(child, where, "Distribution Charge"), None
    if charge is not None:
        raise _no_money(where, "Distribution Charge")
    return Distribution(
        _NO_ACCOUNTING if accounting is None else _accounting(tuple(raw)), amount
    )


def _accounting(raw: tuple[str, ...]) -> Accounting:
    """The Accounting for (name, id, name, description, id, …): shared, since most orders
    charge every line to the same few cost objects."""
    found = _accountings.get(raw)
    if found is None:
        segments = (AccountingSegment(*raw[at:at + 3]) for at in range(1, len(raw), 3))
        found = _accountings.remember(raw, Accounting(raw[0], tuple(segments)))
    return found


def _line(element: Any, position: int) -> tuple[str, Decimal, int | None]:
    """(name in errors, quantity, lineNumber) of an ItemOut or ItemIn; ``position`` (1-based)
    names the line in errors when it has no lineNumber."""
    tag, line = element.tag, element.get("lineNumber")
    where = f"{tag} {line}" if line else f"{tag} #{position}"
    quantity = element.get("quantity")
    if quantity is None or not quantity.strip():
        raise CXMLError(f"{where}: attribute quantity is missing", element=tag)
    return (
        where,
        decimal_value(quantity, f"{where} quantity", tag),
        int_value(line, f"{where} lineNumber", tag) if line else None,
    )


def item_out(element: Any, position: int) -> ItemOut:
    """One ``<ItemOut>``; ``position`` (1-based) names it in errors when lineNumber is absent."""
    where, quantity, line_number = _line(element, position)
    delivery = element.get("requestedDeliveryDate")
    if delivery and delivery.strip():
        delivery = date_or_datetime(delivery, f"{where} requestedDeliveryDate", "ItemOut")
    else:
        delivery = None
    parts = _LineParts(element, where, ordered=True)
    return ItemOut(
        quantity, parts.ids, parts.detail, line_number, delivery, parts.ship_to, parts.shipping,
        parts.tax, tuple(parts.distributions),
        "\n".join(c for c in parts.comments if c) or None if parts.comments else None,
    )


def item_in(element: Any, position: int) -> ItemIn:
    """One ``<ItemIn>`` of a cart; like ``item_out``, but its ItemDetail is required."""
    where, quantity, line_number = _line(element, position)
    parts = _LineParts(element, where, ordered=False)
    if parts.detail is None:
        raise CXMLError(f"{where}: ItemDetail is missing", element="ItemDetail")
    return ItemIn(quantity, parts.ids, parts.detail, line_number, parts.shipping, parts.tax)


class _LineParts:
    """The children of an ItemOut or ItemIn; ``ordered``: also those only an ItemOut has
    (ShipTo, Distribution, Comments)."""

    __slots__ = ("ids", "detail", "ship_to", "shipping", "tax", "distributions", "comments")

    def __init__(self, element: Any, where: str, *, ordered: bool) -> None:
        ids = detail = ship_to = shipping = tax = None
        self.distributions: list[Distribution] = []
        self.comments: list[str] = []
        for child in element:
            tag = child.tag
            if tag == "ItemID":
                ids = item_id(child, where)
            elif tag == "ItemDetail":
                detail = item_detail(child, where)
            elif tag == "Distribution":
                if ordered:
                    self.distributions.append(distribution(child, where))
            elif tag == "Shipping":
                shipping = charge(child, f"{where} Shipping")
            elif tag == "Tax":
                tax = charge(child, f"{where} Tax")
            elif tag == "Comments":
                if ordered:
                    self.comments.append(all_text(child))
            elif tag == "ShipTo" and ordered:
                ship_to = ship_to_address(child)
        if ids is None:
            raise CXMLError(f"{where}: ItemID is missing", element="ItemID")
        self.ids: ItemID = ids
        self.detail: ItemDetail | None = detail
        self.ship_to: Address | None = ship_to
        self.shipping: Charge | None = shipping
        self.tax: Charge | None = tax
