"""Element builders for the parts many outbound documents share.

Only lxml's element API writes XML here (never strings or templates), so a product name such
as ``]]></Name><x>&`` stays text. Children are added in the order the DTD requires. A value
that would make the document invalid raises ``ValueError``: that is a bug in the caller, not
something to send to a buyer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from shop.cxml.documents import (
    Address,
    Charge,
    Contact,
    Credential,
    Distribution,
    Extrinsics,
    Header,
    ItemDetail,
    ItemID,
    ItemIn,
    ItemOut,
    Money,
    Party,
)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_SubElement = etree.SubElement
DEFAULT_USER_AGENT = "shop-cxml/1.0"

# Characters XML 1.0 cannot carry at all (most C0 controls, surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry (lxml would refuse them)."""
    if value.isascii() and value.isprintable():  # the common case, checked in C
        return value
    return _NOT_XML.sub("", value)


def sub(parent: Any, tag: str, content: str | None = None, /, **attributes: str | None) -> Any:
    """Append a child element with optional text and attributes (None values left out)."""
    element = _SubElement(parent, tag)
    for name, value in attributes.items():
        if value is not None:
            element.set(XML_LANG if name == "lang" else name, clean(value))
    if content is not None:
        element.text = clean(content)
    return element


def number(value: Decimal | int) -> str:
    """A plain decimal with a dot and no exponent: 1E+2 → 100, 0.50 stays 0.50."""
    if isinstance(value, int):
        return str(value)
    if not value.is_finite() or (value and abs(value.adjusted()) > 18):
        raise ValueError(f"not a usable amount or quantity: {value}")
    return format(value, "f")


def when(value: date | datetime) -> str:
    """ISO 8601; a datetime must carry its offset (cXML's %datetime.tz)."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("cXML needs aware datetimes (with a UTC offset)")
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def money(parent: Any, tag: str, value: Money) -> Any:
    """``<tag><Money currency="…">amount</Money></tag>`` (tag None: Money directly)."""
    holder = sub(parent, tag) if tag else parent
    sub(holder, "Money", number(value.amount), currency=value.currency)
    return holder


def charge(parent: Any, tag: str, value: Charge) -> None:
    """Shipping or Tax: Money then a Description (required by the DTD, may be empty)."""
    element = money(parent, tag, value.money)
    sub(element, "Description", value.description, lang=value.lang or "en")


def shipping_and_tax(parent: Any, shipping: Charge | None, tax: Charge | None) -> None:
    """The optional Shipping and Tax of a header or line, in the DTD's order."""
    if shipping is not None:
        charge(parent, "Shipping", shipping)
    if tax is not None:
        charge(parent, "Tax", tax)


def extrinsics(parent: Any, values: Extrinsics) -> None:
    for name, value in values.pairs:
        sub(parent, "Extrinsic", value, name=name)


def header(parent: Any, value: Header) -> None:
    element = sub(parent, "Header")
    for tag, party in (("From", value.from_), ("To", value.to), ("Sender", value.sender)):
        _party(element, tag, party)
    sender = element[2]
    sub(sender, "UserAgent", value.user_agent or DEFAULT_USER_AGENT)


def _party(parent: Any, tag: str, party: Party) -> None:
    if not party.credentials:
        raise ValueError(f"{tag} needs at least one Credential")
    element = sub(parent, tag)
    for credential in party.credentials:
        _credential(element, credential)


def _credential(parent: Any, value: Credential) -> None:
    element = sub(parent, "Credential", domain=value.domain, type=value.type)
    sub(element, "Identity", value.identity)
    if value.shared_secret is not None:
        sub(element, "SharedSecret", value.shared_secret)
    elif value.credential_mac is not None:
        mac = value.credential_mac
        sub(
            element, "CredentialMac", mac.value, type=mac.type, algorithm=mac.algorithm,
            creationDate=mac.creation_date, expirationDate=mac.expiration_date,
        )


def address(parent: Any, tag: str, value: Address) -> None:
    """``<ShipTo>``/``<BillTo>`` (tag) holding an ``<Address>``; Phone is not written."""
    holder = sub(parent, tag)
    element = sub(holder, "Address", isoCountryCode=value.country_code or None,
                  addressID=value.address_id)
    sub(element, "Name", value.name, lang=value.lang or "en")
    if value.street or value.city:
        postal = sub(element, "PostalAddress")
        for line in value.deliver_to:
            sub(postal, "DeliverTo", line)
        for line in value.street or ("",):
            sub(postal, "Street", line)
        sub(postal, "City", value.city)
        if value.state is not None:
            sub(postal, "State", value.state)
        if value.postal_code is not None:
            sub(postal, "PostalCode", value.postal_code)
        sub(postal, "Country", value.country_name or value.country_code,
            isoCountryCode=value.country_code)
    if value.email:
        sub(element, "Email", value.email)


def contacts(parent: Any, values: Iterable[Contact]) -> None:
    for value in values:
        element = sub(parent, "Contact", role=value.role, addressID=value.address_id)
        sub(element, "Name", value.name, lang=value.lang or "en")
        if value.email:
            sub(element, "Email", value.email)


def item_id(parent: Any, value: ItemID) -> None:
    element = sub(parent, "ItemID")
    sub(element, "SupplierPartID", value.supplier_part_id)
    if value.aux_id is not None:
        sub(element, "SupplierPartAuxiliaryID", value.aux_id)
    if value.buyer_part_id is not None:
        sub(element, "BuyerPartID", value.buyer_part_id)


def item_detail(parent: Any, value: ItemDetail) -> None:
    if not value.classifications:
        raise ValueError(f"{value.description!r}: ItemDetail needs a Classification (UNSPSC)")
    if not value.unit_of_measure:
        raise ValueError(f"{value.description!r}: ItemDetail needs a UnitOfMeasure")
    element = sub(parent, "ItemDetail")
    money(element, "UnitPrice", value.unit_price)
    description = sub(element, "Description", lang=value.lang or "en")
    if value.short_name is not None:
        # Mixed content: the ShortName first, the long text as its tail.
        sub(description, "ShortName", value.short_name).tail = clean(value.description)
    else:
        description.text = clean(value.description)
    sub(element, "UnitOfMeasure", value.unit_of_measure)
    if value.price_basis_quantity is not None:
        basis = sub(element, "PriceBasisQuantity", quantity=number(value.price_basis_quantity),
                    conversionFactor="1")
        sub(basis, "UnitOfMeasure", value.unit_of_measure)
    for classification in value.classifications:
        sub(element, "Classification", classification.code, domain=classification.domain)
    _optional_texts(element, value)
    extrinsics(element, value.extrinsics)


def _optional_texts(element: Any, value: ItemDetail) -> None:
    if value.manufacturer_part_id is not None:
        sub(element, "ManufacturerPartID", value.manufacturer_part_id)
    if value.manufacturer_name is not None:
        sub(element, "ManufacturerName", value.manufacturer_name, lang="en")
    if value.url is not None:
        sub(element, "URL", value.url)
    if value.lead_time is not None:
        sub(element, "LeadTime", str(value.lead_time))


def item_in(parent: Any, value: ItemIn) -> None:
    element = sub(
        parent, "ItemIn", quantity=number(value.quantity),
        lineNumber=None if value.line_number is None else str(value.line_number),
    )
    item_id(element, value.item_id)
    item_detail(element, value.detail)
    shipping_and_tax(element, value.shipping, value.tax)


def item_out(parent: Any, value: ItemOut) -> None:
    delivery = value.requested_delivery_date
    element = sub(
        parent, "ItemOut", quantity=number(value.quantity),
        lineNumber=None if value.line_number is None else str(value.line_number),
        requestedDeliveryDate=None if delivery is None else when(delivery),
    )
    item_id(element, value.item_id)
    if value.detail is not None:
        item_detail(element, value.detail)
    if value.ship_to is not None:
        address(element, "ShipTo", value.ship_to)
    shipping_and_tax(element, value.shipping, value.tax)
    for distribution in value.distributions:
        _distribution(element, distribution)
    if value.comments is not None:
        sub(element, "Comments", value.comments, lang="en")


def _distribution(parent: Any, value: Distribution) -> None:
    if value.charge is None or not value.accounting.segments:
        raise ValueError("a Distribution needs a Charge and at least one accounting segment")
    element = sub(parent, "Distribution")
    accounting = sub(element, "Accounting", name=value.accounting.name)
    for segment in value.accounting.segments:
        part = sub(accounting, "AccountingSegment", id=segment.id)
        sub(part, "Name", segment.name, lang="en")
        sub(part, "Description", segment.description, lang="en")
    money(element, "Charge", value.charge)
