"""Readers for the parts that many cXML documents share: values, money, addresses and lines.

Lenient by design: whitespace around values is dropped, unknown elements are skipped, and
the common real-world variants of dates and numbers are accepted. Whatever cannot be read
raises ``CXMLError`` naming the element and the problem. Each reader walks an element's
children once (no XPath per line), which keeps a 5,000-line order fast.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

from shop.cxml.documents import (
    NO_EXTRINSICS,
    Accounting,
    AccountingSegment,
    Address,
    Charge,
    Classification,
    Contact,
    Distribution,
    Extrinsics,
    ItemDetail,
    ItemID,
    ItemIn,
    ItemOut,
    Money,
)
from shop.cxml.errors import CXMLError, quote

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# "2016-04-20T04:34:19", "2020-09-25 15:30:43", "…Z", "….123+01:00", "…+0100", "…+01".
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
# Ruby's Time#to_s as Coupa once sent it: "Mon May 19 18:29:48 +0000 2008".
_RUBY_FORMAT = "%a %b %d %H:%M:%S %z %Y"


def text(element: Any) -> str:
    """The stripped text of an element, including text inside CDATA; '' when empty."""
    value = element.text
    return value.strip() if value else ""


def all_text(element: Any) -> str:
    """All text inside an element and its children, whitespace collapsed."""
    return " ".join("".join(element.itertext()).split())


def lang_of(element: Any, default: str = "en") -> str:
    return element.get(XML_LANG) or default


def required(element: Any, name: str, where: str | None = None) -> str:
    """An attribute that must be present and not blank."""
    value: str | None = element.get(name)
    if value is None or not value.strip():
        raise CXMLError(f"{where or element.tag}: attribute {name} is missing", element=element.tag)
    return value.strip()


def decimal_value(value: str, what: str, element: str) -> Decimal:
    """A plain decimal number (dot as separator); refuses commas, NaN and infinity."""
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise CXMLError(f"{what} {quote(value)} is not a number", element=element)
    return number


def int_value(value: str, what: str, element: str) -> int:
    number = decimal_value(value, what, element)
    if number != number.to_integral_value():
        raise CXMLError(f"{what} {quote(value)} is not a whole number", element=element)
    return int(number)


def parse_datetime(value: str, what: str = "timestamp", element: str = "cXML") -> datetime:
    """An aware datetime from the date formats real senders use; no offset means UTC."""
    value = value.strip()
    match = _ISO.fullmatch(value)
    if match:
        return _from_iso_match(match, value, what, element)
    for attempt in (_ruby_style, parsedate_to_datetime):
        try:
            parsed = attempt(value)
        except (TypeError, ValueError, IndexError):
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise CXMLError(f"{what} {quote(value)} is not a date and time", element=element)


def _ruby_style(value: str) -> datetime:
    return datetime.strptime(value, _RUBY_FORMAT)


def _from_iso_match(match: re.Match[str], value: str, what: str, element: str) -> datetime:
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        tz = _offset(offset)
        return datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0),
            int(second or 0), micro, tzinfo=tz,
        )
    except ValueError:
        raise CXMLError(f"{what} {quote(value)} is not a valid date", element=element) from None


def _offset(offset: str | None) -> timezone:
    if not offset or offset.upper() == "Z":
        return UTC
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def date_or_datetime(value: str, what: str, element: str) -> date | datetime:
    """A delivery date: a plain date stays a date, anything with a time becomes a datetime."""
    value = value.strip()
    if len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return parse_datetime(value, what, element)


def money(element: Any, where: str) -> Money:
    """The ``<Money currency="…">`` child of ``element`` (UnitPrice, Total, Shipping…)."""
    for child in element:
        if child.tag == "Money":
            return money_value(child, where)
    raise CXMLError(f"{where}: Money is missing", element=where)


def money_value(element: Any, where: str) -> Money:
    currency = (element.get("currency") or "").strip()
    if not currency:
        raise CXMLError(f"{where}: Money has no currency", element="Money")
    return Money(decimal_value(element.text or "", f"{where} amount", "Money"), currency.upper())


def charge(element: Any, where: str) -> Charge:
    """Shipping or Tax: Money plus an optional Description."""
    description, lang = "", "en"
    for child in element:
        if child.tag == "Description":
            description, lang = all_text(child), lang_of(child)
            break
    return Charge(money(element, where), description, lang)


def extrinsics(elements: list[Any]) -> Extrinsics:
    if not elements:
        return NO_EXTRINSICS
    return Extrinsics((e.get("name", "").strip(), all_text(e)) for e in elements)


def address(element: Any) -> Address:
    """An ``<Address>`` (inside ShipTo, BillTo…) with its PostalAddress, Email and Phone."""
    fields: dict[str, Any] = {
        "address_id": element.get("addressID"),
        "country_code": (element.get("isoCountryCode") or "").upper(),
    }
    for child in element:
        tag = child.tag
        if tag == "Name":
            fields["name"], fields["lang"] = all_text(child), lang_of(child)
        elif tag == "PostalAddress":
            _postal_address(child, fields)
        elif tag == "Email":
            fields["email"] = text(child) or None
        elif tag == "Phone":
            fields["phone"] = phone(child)
    return Address(**fields)


def _postal_address(element: Any, fields: dict[str, Any]) -> None:
    deliver_to, street = [], []
    for child in element:
        tag = child.tag
        if tag == "DeliverTo":
            deliver_to.append(all_text(child))
        elif tag == "Street":
            street.append(all_text(child))
        elif tag == "City":
            fields["city"] = all_text(child)
        elif tag == "State":
            fields["state"] = all_text(child) or None
        elif tag == "PostalCode":
            fields["postal_code"] = all_text(child) or None
        elif tag == "Country":
            fields["country_name"] = all_text(child)
            code = (child.get("isoCountryCode") or "").strip().upper()
            fields["country_code"] = code or fields["country_code"]
    fields["deliver_to"], fields["street"] = tuple(deliver_to), tuple(street)


def phone(element: Any) -> str | None:
    """A Phone's TelephoneNumber as one readable string, e.g. '+1 800 5551212'."""
    parts = []
    for number in element.iter("TelephoneNumber"):
        for child in number:
            value = all_text(child)
            if child.tag == "CountryCode" and value:
                parts.append("+" + value.lstrip("+"))
            elif child.tag in ("AreaOrCityCode", "Number") and value:
                parts.append(value)
            elif child.tag == "Extension" and value:
                parts.append("ext. " + value)
        break
    return " ".join(parts) or None


def contact(element: Any) -> Contact:
    name, lang, email, phone_number = "", "en", None, None
    for child in element:
        tag = child.tag
        if tag == "Name":
            name, lang = all_text(child), lang_of(child)
        elif tag == "Email" and email is None:
            email = text(child) or None
        elif tag == "Phone" and phone_number is None:
            phone_number = phone(child)
    return Contact(name, element.get("role"), email, phone_number, element.get("addressID"), lang)


def ship_to_address(element: Any) -> Address | None:
    """The Address inside a ShipTo or BillTo."""
    for child in element:
        if child.tag == "Address":
            return address(child)
    return None


def item_id(element: Any, where: str) -> ItemID:
    supplier_part_id, aux_id, buyer_part_id = None, None, None
    for child in element:
        tag = child.tag
        if tag == "SupplierPartID":
            supplier_part_id = text(child)
        elif tag == "SupplierPartAuxiliaryID":
            aux_id = all_text(child) or None
        elif tag == "BuyerPartID":
            buyer_part_id = text(child) or None
    if not supplier_part_id:
        raise CXMLError(f"{where}: ItemID has no SupplierPartID", element="SupplierPartID")
    return ItemID(supplier_part_id, aux_id, buyer_part_id)


def item_detail(element: Any, where: str) -> ItemDetail:
    fields: dict[str, Any] = {}
    classifications, extrinsic_elements = [], []
    for child in element:
        tag = child.tag
        if tag == "UnitPrice":
            fields["unit_price"] = money(child, f"{where} UnitPrice")
        elif tag == "Description":
            if "description" not in fields:  # the first language is the main one
                _description(child, fields)
        elif tag == "UnitOfMeasure":
            fields["unit_of_measure"] = text(child)
        elif tag == "Classification":
            classifications.append(Classification(child.get("domain", "").strip(), text(child)))
        elif tag == "ManufacturerPartID":
            fields["manufacturer_part_id"] = text(child) or None
        elif tag == "ManufacturerName":
            fields["manufacturer_name"] = all_text(child) or None
        elif tag == "URL":
            fields["url"] = text(child) or None
        elif tag == "LeadTime":
            fields["lead_time"] = int_value(text(child), f"{where} LeadTime", "LeadTime")
        elif tag == "PriceBasisQuantity":
            fields["price_basis_quantity"] = decimal_value(
                child.get("quantity", ""), f"{where} PriceBasisQuantity", "PriceBasisQuantity"
            )
        elif tag == "Extrinsic":
            extrinsic_elements.append(child)
    if "unit_price" not in fields:
        raise CXMLError(f"{where}: ItemDetail has no UnitPrice", element="UnitPrice")
    fields.setdefault("description", "")
    fields.setdefault("unit_of_measure", "")
    return ItemDetail(
        classifications=tuple(classifications), extrinsics=extrinsics(extrinsic_elements), **fields
    )


def _description(element: Any, fields: dict[str, Any]) -> None:
    # Mixed content: the text around a <ShortName> child is the description itself.
    parts = [element.text or ""]
    for child in element:
        if child.tag == "ShortName":
            fields["short_name"] = all_text(child) or None
        parts.append(child.tail or "")
    fields["description"] = " ".join("".join(parts).split())
    fields["lang"] = lang_of(element)


def distribution(element: Any, where: str) -> Distribution:
    accounting, amount = Accounting(""), None
    for child in element:
        if child.tag == "Accounting":
            accounting = _accounting(child)
        elif child.tag == "Charge":
            amount = money(child, f"{where} Distribution Charge")
    return Distribution(accounting, amount)


def _accounting(element: Any) -> Accounting:
    segments = []
    for child in element:
        if child.tag == "AccountingSegment":  # cXML 1.2: children Name and Description
            name = description = ""
            for part in child:
                if part.tag == "Name":
                    name = all_text(part)
                elif part.tag == "Description":
                    description = all_text(part)
            segments.append(AccountingSegment(child.get("id", "").strip(), name, description))
        elif child.tag == "Segment":  # cXML 1.1, still sent by Coupa: all attributes
            segments.append(
                AccountingSegment(
                    child.get("id", "").strip(), child.get("type", ""), child.get("description", "")
                )
            )
    return Accounting(element.get("name", ""), tuple(segments))


def item_out(element: Any, position: int) -> ItemOut:
    """One ``<ItemOut>``; ``position`` (1-based) names it in errors when lineNumber is absent."""
    line = element.get("lineNumber")
    where = f"ItemOut {line or f'#{position}'}"
    fields: dict[str, Any] = {
        "quantity": decimal_value(required(element, "quantity", where), f"{where} quantity",
                                  "ItemOut"),
        "line_number": int_value(line, f"{where} lineNumber", "ItemOut") if line else None,
    }
    delivery = element.get("requestedDeliveryDate")
    if delivery and delivery.strip():
        fields["requested_delivery_date"] = date_or_datetime(
            delivery, f"{where} requestedDeliveryDate", "ItemOut"
        )
    distributions, comments = [], []
    for child in element:
        tag = child.tag
        if tag == "ItemID":
            fields["item_id"] = item_id(child, where)
        elif tag == "ItemDetail":
            fields["detail"] = item_detail(child, where)
        elif tag == "ShipTo":
            fields["ship_to"] = ship_to_address(child)
        elif tag == "Shipping":
            fields["shipping"] = charge(child, f"{where} Shipping")
        elif tag == "Tax":
            fields["tax"] = charge(child, f"{where} Tax")
        elif tag == "Distribution":
            distributions.append(distribution(child, where))
        elif tag == "Comments":
            comments.append(all_text(child))
    if "item_id" not in fields:
        raise CXMLError(f"{where}: ItemID is missing", element="ItemID")
    return ItemOut(
        distributions=tuple(distributions),
        comments="\n".join(c for c in comments if c) or None,
        **fields,
    )


def item_in(element: Any, position: int) -> ItemIn:
    line = element.get("lineNumber")
    where = f"ItemIn {line or f'#{position}'}"
    quantity = decimal_value(required(element, "quantity", where), f"{where} quantity", "ItemIn")
    fields: dict[str, Any] = {}
    for child in element:
        tag = child.tag
        if tag == "ItemID":
            fields["item_id"] = item_id(child, where)
        elif tag == "ItemDetail":
            fields["detail"] = item_detail(child, where)
        elif tag == "Shipping":
            fields["shipping"] = charge(child, f"{where} Shipping")
        elif tag == "Tax":
            fields["tax"] = charge(child, f"{where} Tax")
    if "item_id" not in fields:
        raise CXMLError(f"{where}: ItemID is missing", element="ItemID")
    if "detail" not in fields:
        raise CXMLError(f"{where}: ItemDetail is missing", element="ItemDetail")
    line_number = int_value(line, f"{where} lineNumber", "ItemIn") if line else None
    return ItemIn(quantity=quantity, line_number=line_number, **fields)
