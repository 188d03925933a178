"""Readers for the parts that many cXML documents share: values, money, addresses and lines.

Lenient by design: whitespace around values is dropped, unknown elements are skipped, and
the common real-world variants of dates and numbers are accepted. Whatever cannot be read
raises ``CXMLError`` naming the element and the problem. Each reader walks an element's
children once (no XPath per line), which keeps a 5,000-line order fast.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from shop.cxml.documents import (
    NO_EXTRINSICS,
    Address,
    Charge,
    Contact,
    Extrinsics,
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


_MAX_MAGNITUDE = 18
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ValueCache(dict[K, V]):
    """Immutable values read from raw text that repeat within and across documents
    (quantities, prices, dates, classifications): sharing them saves time and memory.

    Bounded (emptied when full), and safe across threads: plain dict lookups and stores.
    """

    size = 4096

    def remember(self, key: K, value: V) -> V:
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value


_decimals: ValueCache[str, Decimal] = ValueCache()
_dates: ValueCache[str, date | datetime] = ValueCache()
_money_cache: ValueCache[tuple[str, str | None], Money] = ValueCache()


def text(element: Any) -> str:
    """The stripped text of an element, including text inside CDATA; '' when empty."""
    value = element.text
    return value.strip() if value else ""


def all_text(element: Any) -> str:
    """All text inside an element and its children, whitespace collapsed."""
    if len(element):
        return " ".join("".join(element.itertext()).split())
    value = element.text  # the common case, without the cost of itertext()
    return " ".join(value.split()) if value else ""


def lang_of(element: Any, default: str = "en") -> str:
    return element.get(XML_LANG) or default


def required(element: Any, name: str, where: str | None = None) -> str:
    """An attribute that must be present and not blank."""
    value: str | None = element.get(name)
    if value is None or not value.strip():
        raise CXMLError(f"{where or element.tag}: attribute {name} is missing", element=element.tag)
    return value.strip()


def required_child(element: Any, tag: str) -> Any:
    """The first child named ``tag``, which the document must have."""
    for child in element:
        if child.tag == tag:
            return child
    raise CXMLError(f"{element.tag}: {tag} is missing", element=tag)


def decimal_value(value: str, what: str, element: str) -> Decimal:
    """A plain decimal number (dot as separator); refuses commas, NaN and infinity."""
    known = _decimals.get(value)
    return known if known is not None else _decimals.remember(value, _decimal(value, what, element))


def _decimal(value: str, what: str, element: str) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise CXMLError(f"{what} {quote(value)} is not a number", element=element)
    # 1E999999999 is a valid Decimal, but turning it into an int or plain digits would eat
    # the server's memory: no real amount or quantity needs more than 18 digits either way.
    if number and abs(number.adjusted()) > _MAX_MAGNITUDE:
        raise CXMLError(f"{what} {quote(value)} is out of range", element=element)
    return number


def int_value(value: str, what: str, element: str) -> int:
    """A whole number; "10" (fast path) or "10.0" (some senders)."""
    try:
        whole = int(value)
    except ValueError:
        pass
    else:
        if abs(whole) < 10**_MAX_MAGNITUDE:
            return whole
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
    known = _dates.get(value)
    return known if known is not None else _dates.remember(value, _date(value, what, element))


def _date(value: str, what: str, element: str) -> date | datetime:
    value = value.strip()
    if len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return parse_datetime(value, what, element)


def money(element: Any, where: str, part: str = "") -> Money:
    """The ``<Money currency="…">`` child of ``element`` (UnitPrice, Total, Shipping…).

    ``where`` and ``part`` name it in errors (joined only then: this runs for every line).
    """
    for child in element:
        if child.tag == "Money":
            known = _money_cache.get((child.text or "", child.get("currency")))
            return known if known is not None else money_value(child, where, part)
    raise CXMLError(f"{_join(where, part)}: Money is missing", element="Money")


def _join(where: str, part: str) -> str:
    return f"{where} {part}" if part else where


def money_value(element: Any, where: str, part: str = "") -> Money:
    currency = element.get("currency")
    amount = element.text or ""
    cached = _money_cache.get((amount, currency))
    if cached is not None:
        return cached
    code = (currency or "").strip().upper()
    if not code:
        raise CXMLError(f"{_join(where, part)}: Money has no currency", element="Money")
    # Not through decimal_value's cache: this cache already holds the amounts that repeat.
    value = Money(_decimal(amount, f"{_join(where, part)} amount", "Money"), code)
    return _money_cache.remember((amount, currency), value)


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
