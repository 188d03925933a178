"""The OCI item fields: names, maximum lengths, the item record and the value formats.

Lengths are SAP's (OCI 4.0, unchanged in 5.0). Numbers use a dot, no thousands separator and
at most 3 decimals; PRICEUNIT, LEADTIME and PARENT_ID are whole numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from .errors import BuildError

OCI_VERSIONS = ("4.0", "5.0")
# "5", "5.0", "4.00", "v4.0", "4.0.1": the major number is what tells the field set apart.
_VERSION = re.compile(r"\s*[vV]?(\d{1,3})(?:\.\d{0,3}){0,2}\s*")
LONGTEXT_WIDTH = 132  # SAP's text line width; part of the field name, not a length limit

# Every standard NEW_ITEM field with its maximum length, in the order they are written.
FIELD_LENGTHS: Mapping[str, int] = MappingProxyType(
    {
        "DESCRIPTION": 40,
        "MATNR": 40,
        "QUANTITY": 15,
        "UNIT": 3,
        "PRICE": 15,
        "CURRENCY": 5,
        "PRICEUNIT": 5,
        "LEADTIME": 5,
        "VENDOR": 10,
        "VENDORMAT": 40,
        "MANUFACTCODE": 10,
        "MANUFACTMAT": 40,
        "MATGROUP": 10,
        "SERVICE": 1,
        "CONTRACT": 10,
        "CONTRACT_ITEM": 5,
        "EXT_QUOTE_ID": 35,
        "EXT_QUOTE_ITEM": 10,
        "EXT_PRODUCT_ID": 40,
        "ATTACHMENT": 255,
        "ATTACHMENT_TITLE": 255,
        "ATTACHMENT_PURPOSE": 1,
        "EXT_SCHEMA_TYPE": 10,
        "EXT_CATEGORY_ID": 60,
        "EXT_CATEGORY": 40,
        "SLD_SYS_NAME": 60,
        "CUST_FIELD1": 10,
        "CUST_FIELD2": 10,
        "CUST_FIELD3": 10,
        "CUST_FIELD4": 20,
        "CUST_FIELD5": 50,
        "ITEM_TYPE": 1,
        "PARENT_ID": 5,
    }
)
OCI5_ONLY = frozenset({"ITEM_TYPE", "PARENT_ID"})
ITEM_TYPES = frozenset({"R", "O", "F"})  # root of a hierarchy, outline, functional line

# Free-text fields are cut to their length. Every other text field is a key or a code, and a
# cut key names a different thing (another SKU, a product DETAIL cannot find), so a key that
# does not fit is refused instead.
TEXT_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "DESCRIPTION": "description",
        "ATTACHMENT_TITLE": "attachment_title",
        "CUST_FIELD1": "cust_field1",
        "CUST_FIELD2": "cust_field2",
        "CUST_FIELD3": "cust_field3",
        "CUST_FIELD4": "cust_field4",
        "CUST_FIELD5": "cust_field5",
    }
)
KEY_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "MATNR": "matnr",
        "UNIT": "unit",
        "CURRENCY": "currency",
        "VENDOR": "vendor",
        "VENDORMAT": "vendormat",
        "MANUFACTCODE": "manufactcode",
        "MANUFACTMAT": "manufactmat",
        "MATGROUP": "matgroup",
        "CONTRACT": "contract",
        "CONTRACT_ITEM": "contract_item",
        "EXT_QUOTE_ID": "ext_quote_id",
        "EXT_QUOTE_ITEM": "ext_quote_item",
        "EXT_PRODUCT_ID": "ext_product_id",
        "ATTACHMENT": "attachment",
        "ATTACHMENT_PURPOSE": "attachment_purpose",
        "EXT_SCHEMA_TYPE": "ext_schema_type",
        "EXT_CATEGORY_ID": "ext_category_id",
        "EXT_CATEGORY": "ext_category",
        "SLD_SYS_NAME": "sld_sys_name",
        "ITEM_TYPE": "item_type",
    }
)
EXTRA_FIELD_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,59}")

MAX_INTEGER_DIGITS = 11
MAX_DECIMALS = 3
MAX_PRICE_UNIT = 99_999  # PRICEUNIT has 5 characters
_CENT = Decimal("0.01")


def major_version(value: str | None) -> int | None:
    """The major number of an OCI version as written by SAP or a person, else ``None``."""
    match = _VERSION.fullmatch(value or "")
    return int(match.group(1)) if match else None


def version_label(value: str | None) -> str:
    """The version we write for ``value``: ``"4.0"`` or ``"5.0"``; BuildError otherwise."""
    major = major_version(value)
    label = f"{major}.0"
    if label not in OCI_VERSIONS:
        raise BuildError(f"OCI version {str(value)[:20]!r} is not supported; use 4.0 or 5.0.")
    return label


@dataclass(frozen=True)
class OCIItem:
    """One cart line in OCI terms; strings empty and numbers ``None`` when not sent.

    ``price`` is the net price for ``price_unit`` units (so the unit price is
    ``price / price_unit``); ``parent_id`` is the 1-based position of the parent line in the
    same list (OCI 5.0 bundles). ``extra`` holds customer extension fields as (NAME, value).
    """

    description: str
    quantity: Decimal
    unit: str = ""
    price: Decimal | None = None
    currency: str = ""
    price_unit: int = 1
    lead_time: int | None = None
    vendor: str = ""
    vendormat: str = ""
    manufactcode: str = ""
    manufactmat: str = ""
    matgroup: str = ""
    matnr: str = ""
    service: bool = False
    contract: str = ""
    contract_item: str = ""
    ext_quote_id: str = ""
    ext_quote_item: str = ""
    ext_product_id: str = ""
    attachment: str = ""
    attachment_title: str = ""
    attachment_purpose: str = ""
    ext_schema_type: str = ""
    ext_category_id: str = ""
    ext_category: str = ""
    sld_sys_name: str = ""
    cust_field1: str = ""
    cust_field2: str = ""
    cust_field3: str = ""
    cust_field4: str = ""
    cust_field5: str = ""
    long_text: str = ""
    item_type: str = ""
    parent_id: int | None = None
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def unit_price(self) -> Decimal | None:
        """The net price of one unit, or ``None`` when the line has no price."""
        if self.price is None or self.price_unit < 1:
            return None
        return self.price / self.price_unit


def decimals(value: Decimal) -> int:
    """How many decimals ``value`` needs (``1.500`` needs 1)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def format_quantity(value: Decimal) -> str:
    """QUANTITY as OCI wants it: ``2``, ``2.5``, ``0.125``; never more than 3 decimals."""
    _check_number("QUANTITY", value)
    if value <= 0:
        raise BuildError(f"QUANTITY must be more than zero, not {value}.")
    if decimals(value) > MAX_DECIMALS:
        raise BuildError(f"QUANTITY {value} has more than {MAX_DECIMALS} decimals.")
    return _plain(value.normalize())


def format_price(price: Decimal, price_unit: int = 1) -> tuple[str, str]:
    """PRICE and PRICEUNIT for a net price per ``price_unit`` units.

    A price with more than 2 decimals is moved into PRICEUNIT (0.0125 per piece -> PRICE
    ``1.25`` per PRICEUNIT ``100``) so that no buyer rounds it to cents. The price unit stops
    at 10000; beyond that the price is rounded half-up to 3 decimals, the most OCI carries.
    """
    _check_number("PRICE", price)
    if price < 0:
        raise BuildError(f"PRICE must not be negative, not {price}.")
    format_integer("PRICEUNIT", price_unit, minimum=1)
    while decimals(price) > 2 and price_unit * 10 <= MAX_PRICE_UNIT:
        price, price_unit = price * 10, price_unit * 10
    if decimals(price) > MAX_DECIMALS:
        price = price.quantize(Decimal(1).scaleb(-MAX_DECIMALS), rounding=ROUND_HALF_UP)
    text = _plain(price.quantize(_CENT) if decimals(price) <= 2 else price.normalize())
    if len(text.split(".")[0]) > MAX_INTEGER_DIGITS:
        raise BuildError(f"PRICE {price} has more than {MAX_INTEGER_DIGITS} digits.")
    return text, str(price_unit)


def format_integer(field: str, value: int, *, minimum: int = 0) -> str:
    """A whole-number field (PRICEUNIT, LEADTIME, PARENT_ID) within its length."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BuildError(f"{field} must be a whole number, not {value!r}.")
    text = str(value)
    if value < minimum or len(text) > FIELD_LENGTHS[field]:
        limit = "9" * FIELD_LENGTHS[field]
        raise BuildError(f"{field} must be between {minimum} and {limit}, not {value}.")
    return text


def _check_number(field: str, value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise BuildError(f"{field} must be a finite decimal number, not {value!r}.")
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        raise BuildError(f"{field} {value} has more than {MAX_INTEGER_DIGITS} digits.")


def _plain(value: Decimal) -> str:
    # "f" never writes an exponent (1E+2 -> "100") and never groups thousands.
    return format(value, "f")


def map_unit(unit: str, unit_map: Mapping[str, str] | None = None, *, default: str = "") -> str:
    """The buyer's UNIT code for one of ours (EA -> PCE with ``{"EA": "PCE"}``).

    Codes are compared without regard to case. An empty unit takes ``default``. The result
    must be an ISO-style code of at most 3 letters or digits, else :class:`BuildError` tells
    the admin to add it to the connection's unit map.
    """
    code = (unit.strip() or default.strip()).upper()
    if not code:
        return ""
    table = {key.strip().upper(): value for key, value in (unit_map or {}).items()}
    mapped = table.get(code, code).strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{1,3}", mapped):
        raise BuildError(
            f"Unit {unit.strip() or default!r} has no OCI unit code (at most 3 letters or digits);"
            " add it to the connection's unit map."
        )
    return mapped


def matgroup_for(
    unspsc: str | None,
    table: Mapping[str, str] | None = None,
    *,
    key: str | None = None,
    default: str = "",
) -> str:
    """MATGROUP for a product: from the buyer's table, else the UNSPSC code itself.

    With a table, ``key`` (e.g. our category slug) is looked up first, then the UNSPSC code
    and its broader classes (43211503 -> 43211500 -> 43210000 -> 43000000, also written
    without the trailing zeros). Without a table the UNSPSC code is sent as it is.
    """
    code = re.sub(r"\D", "", unspsc or "")
    if table is None:
        return _fit_matgroup(code or default)
    lookup = {name.strip().upper(): value for name, value in table.items()}
    candidates = [key.strip().upper()] if key and key.strip() else []
    if code:
        code = code.ljust(8, "0")[:8]
        for keep in (8, 6, 4, 2):
            candidates += [code[:keep].ljust(8, "0"), code[:keep]]
    for candidate in candidates:
        if candidate in lookup:
            return _fit_matgroup(lookup[candidate])
    return _fit_matgroup(default)


def _fit_matgroup(value: str) -> str:
    value = value.strip()
    if len(value) > FIELD_LENGTHS["MATGROUP"]:
        raise BuildError(f"MATGROUP {value!r} is longer than {FIELD_LENGTHS['MATGROUP']}.")
    return value
