"""What an SAP system rejects in a returned OCI cart, checked on the raw posted fields.

SAP never tells the catalog what went wrong: a bad value becomes a broken line in the
buyer's shopping cart. So the sandbox checks every posted ``NEW_ITEM-*`` field itself, from
the field names and values exactly as the browser posted them, with its own copy of the OCI
4.0/5.0 lengths and number rules (docs/oci.md), not the shop's. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal

from shop.sandbox.lint import KNOWN_UNITS, LintResult, _Lint

# SAP's maximum lengths (OCI 4.0; 5.0 adds ITEM_TYPE and PARENT_ID), in characters.
OCI_LENGTHS = {
    "DESCRIPTION": 40, "MATNR": 40, "QUANTITY": 15, "UNIT": 3, "PRICE": 15, "CURRENCY": 5,
    "PRICEUNIT": 5, "LEADTIME": 5, "VENDOR": 10, "VENDORMAT": 40, "MANUFACTCODE": 10,
    "MANUFACTMAT": 40, "MATGROUP": 10, "SERVICE": 1, "CONTRACT": 10, "CONTRACT_ITEM": 5,
    "EXT_QUOTE_ID": 35, "EXT_QUOTE_ITEM": 10, "EXT_PRODUCT_ID": 40, "ATTACHMENT": 255,
    "ATTACHMENT_TITLE": 255, "ATTACHMENT_PURPOSE": 1, "EXT_SCHEMA_TYPE": 10,
    "EXT_CATEGORY_ID": 60, "EXT_CATEGORY": 40, "SLD_SYS_NAME": 60, "CUST_FIELD1": 10,
    "CUST_FIELD2": 10, "CUST_FIELD3": 10, "CUST_FIELD4": 20, "CUST_FIELD5": 50,
    "ITEM_TYPE": 1, "PARENT_ID": 5,
}
_FIELD = re.compile(r"NEW_ITEM-([A-Za-z0-9_]+)\[(\d+)\]")
_LONGTEXT = re.compile(r"NEW_ITEM-LONGTEXT_(\d+):132\[\]")
_LONGTEXT_WRONG = re.compile(r"NEW_ITEM-LONGTEXT(?:\[(\d+)\]|_(\d+):\d+\[\d+\])", re.IGNORECASE)
# 11 integer digits and 3 decimals at most, a dot, no sign, no thousands separator.
_NUMBER = re.compile(r"\d{1,11}(\.\d{1,3})?")
_WHOLE = re.compile(r"\d{1,5}")


def lint_oci_fields(
    pairs: Iterable[tuple[str, str]],
    *,
    sent: Mapping[str, str] | None = None,
    version: str = "4.0",
) -> LintResult:
    """Check posted OCI fields; ``sent`` are the ~OkCode/~TARGET/~CALLER values sent at entry."""
    lint = _Lint()
    pairs = list(pairs)
    lines = _group(lint, pairs)
    for index in sorted(lines):
        _line(lint, index, lines[index], version)
    if not lines:
        lint.warn("the cart has no NEW_ITEM lines (the user cancelled, or the shop lost it)")
    elif sorted(lines) != list(range(1, len(lines) + 1)):
        lint.warn(f"line numbers are not 1..{len(lines)}: {sorted(lines)[:10]}")
    _echoes(lint, pairs, sent or {})
    currencies = tuple(dict.fromkeys(lint.currencies))
    if len(currencies) > 1:
        lint.error(f"currencies are mixed ({', '.join(currencies)}): a shopping cart has one")
    return LintResult(tuple(lint.findings), len(lines), _total(lines), currencies)


def _group(lint: _Lint, pairs: list[tuple[str, str]]) -> dict[int, dict[str, str]]:
    lines: dict[int, dict[str, str]] = {}
    for name, value in pairs:
        if match := _LONGTEXT.fullmatch(name):
            lines.setdefault(int(match.group(1)), {})["LONGTEXT"] = value
        elif match := _LONGTEXT_WRONG.fullmatch(name):
            index = int(match.group(1) or match.group(2))
            lint.error(f"{name[:40]} is the wrong long-text form: SAP expects "
                       f"NEW_ITEM-LONGTEXT_{index}:132[]", index)
        elif match := _FIELD.fullmatch(name):
            field, index = match.group(1), int(match.group(2))
            if field != field.upper():
                lint.warn(f"field name {name[:40]} is not in upper case", index)
            lines.setdefault(index, {})[field.upper()] = value
        elif name.upper().startswith("NEW_ITEM"):
            lint.error(f"{name[:40]!r} is not a NEW_ITEM-<FIELD>[n] field name")
    return lines


def _line(lint: _Lint, index: int, fields: dict[str, str], version: str) -> None:
    for name, value in fields.items():
        limit = OCI_LENGTHS.get(name)
        if name in ("ITEM_TYPE", "PARENT_ID") and version != "5.0":
            lint.warn(f"NEW_ITEM-{name} is an OCI 5.0 field; this buyer speaks {version}", index)
        if limit is None and name != "LONGTEXT":
            lint.warn(f"NEW_ITEM-{name} is not a standard field (a customer extension?)", index)
        elif limit is not None and len(value) > limit:
            lint.error(f"NEW_ITEM-{name}[{index}] is {len(value)} characters; SAP allows "
                       f"{limit}", index)
    _numbers(lint, index, fields)
    _required(lint, index, fields)


def _numbers(lint: _Lint, index: int, fields: dict[str, str]) -> None:
    for name in ("QUANTITY", "PRICE"):
        value = fields.get(name, "")
        if value and not _NUMBER.fullmatch(value):
            lint.error(f"NEW_ITEM-{name}[{index}] {value[:20]!r} is not an OCI number (a dot, "
                       "at most 3 decimals, no thousands separator or padding)", index)
        elif value and value != value.lstrip("0") and not value.startswith("0."):
            lint.warn(f"NEW_ITEM-{name}[{index}] {value[:20]!r} is zero-padded", index)
    quantity = fields.get("QUANTITY", "")
    if _NUMBER.fullmatch(quantity) and Decimal(quantity) == 0:
        lint.error(f"NEW_ITEM-QUANTITY[{index}] is zero", index)
    for name in ("PRICEUNIT", "LEADTIME", "PARENT_ID"):
        value = fields.get(name, "")
        if value and not _WHOLE.fullmatch(value):
            lint.error(f"NEW_ITEM-{name}[{index}] {value[:20]!r} is not a whole number", index)
    if fields.get("PRICEUNIT", "") and _WHOLE.fullmatch(fields["PRICEUNIT"]) \
            and int(fields["PRICEUNIT"]) == 0:
        lint.error(f"NEW_ITEM-PRICEUNIT[{index}] is zero", index)


def _required(lint: _Lint, index: int, fields: dict[str, str]) -> None:
    if not fields.get("QUANTITY"):
        lint.error("NEW_ITEM-QUANTITY is missing", index)
    if not (fields.get("DESCRIPTION") or fields.get("MATNR")):
        lint.error("neither NEW_ITEM-DESCRIPTION nor NEW_ITEM-MATNR is sent", index)
    unit = fields.get("UNIT", "")
    if not unit and not fields.get("MATNR"):
        lint.error("NEW_ITEM-UNIT is missing (required without MATNR)", index)
    elif unit and unit not in KNOWN_UNITS:
        lint.error(f"unit {unit[:10]!r} is not an ISO unit code SAP systems keep", index)
    if fields.get("PRICE") and not fields.get("CURRENCY"):
        lint.error("NEW_ITEM-CURRENCY is missing although a PRICE is sent", index)
    if currency := fields.get("CURRENCY", ""):
        lint.currencies.append(currency)
    if (fields.get("EXT_CATEGORY_ID") or fields.get("EXT_CATEGORY")) \
            and not fields.get("EXT_SCHEMA_TYPE"):
        lint.error("NEW_ITEM-EXT_SCHEMA_TYPE is missing for the EXT_CATEGORY fields", index)
    if not (fields.get("MATGROUP") or fields.get("EXT_CATEGORY_ID") or fields.get("EXT_CATEGORY")):
        lint.error("missing classification (no MATGROUP or EXT_CATEGORY_ID)", index)
    if not fields.get("EXT_PRODUCT_ID"):
        lint.warn("NEW_ITEM-EXT_PRODUCT_ID is empty: DETAIL and VALIDATE cannot work", index)
    if fields.get("MATNR"):
        lint.warn("NEW_ITEM-MATNR is the buyer's material number; a catalog rarely knows it",
                  index)
    for pair in (("CONTRACT_ITEM", "CONTRACT"), ("EXT_QUOTE_ITEM", "EXT_QUOTE_ID")):
        if fields.get(pair[0]) and not fields.get(pair[1]):
            lint.error(f"NEW_ITEM-{pair[0]} is sent without NEW_ITEM-{pair[1]}", index)


def _echoes(lint: _Lint, pairs: list[tuple[str, str]], sent: Mapping[str, str]) -> None:
    posted = {name.lower(): value for name, value in pairs}
    for name, value in sent.items():
        if name.lower() not in posted:
            lint.warn(f"{name} was sent at entry but is not echoed in the cart form")
        elif posted[name.lower()] != value:
            lint.warn(f"{name} comes back as {posted[name.lower()][:20]!r}, not {value[:20]!r}")


def _total(lines: dict[int, dict[str, str]]) -> Decimal | None:
    total = Decimal(0)
    for fields in lines.values():
        quantity, price = fields.get("QUANTITY", ""), fields.get("PRICE", "")
        unit = fields.get("PRICEUNIT", "") or "1"
        if not (_NUMBER.fullmatch(quantity) and _NUMBER.fullmatch(price)
                and _WHOLE.fullmatch(unit) and int(unit)):
            return None
        total += Decimal(quantity) * Decimal(price) / int(unit)
    return total.quantize(Decimal("0.01"))
