"""Writing cart lines as the OCI form SAP reads: ``NEW_ITEM-<FIELD>[n]`` hidden fields.

OCI has no acknowledgement: whatever is sent wrong becomes a broken line in the buyer's
shopping cart. So :func:`build_fields` refuses what SAP would misread (a key longer than its
field, a quantity with 4 decimals, a missing UNIT) with :class:`BuildError` instead of
sending it, and only free text is quietly cut to length. A DESCRIPTION that is too long is
shortened between words and marked with "…", and travels whole as the first line of the
LONGTEXT, which has no limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .entry import ECHOED, OCIEntry, normalize_name, return_target
from .errors import BuildError, OCIError
from .fields import (
    EXTRA_FIELD_NAME,
    FIELD_LENGTHS,
    ITEM_TYPES,
    KEY_FIELDS,
    LONGTEXT_WIDTH,
    OCI5_ONLY,
    TEXT_FIELDS,
    OCIItem,
    format_integer,
    format_price,
    format_quantity,
    version_label,
)
from .hook import split_hook_url
from .text import ELLIPSIS, charset_label, encode_for_charset, prepare_text, shorten_text

ECHO_FIELDS = tuple(ECHOED.values())  # ~OkCode, ~TARGET, ~CALLER


def field_name(field: str, index: int) -> str:
    """``NEW_ITEM-<FIELD>[n]``, or ``NEW_ITEM-LONGTEXT_n:132[]`` for the long text."""
    if field == "LONGTEXT":
        return f"NEW_ITEM-LONGTEXT_{index}:{LONGTEXT_WIDTH}[]"
    return f"NEW_ITEM-{field}[{index}]"


def build_fields(
    items: Sequence[OCIItem],
    *,
    version: str = "5.0",
    ok_code: str | None = None,
    target: str | None = None,
    caller: str | None = None,
    echo_names: Mapping[str, str] | None = None,
    description_length: int = FIELD_LENGTHS["DESCRIPTION"],
    charset: str | None = None,
) -> list[tuple[str, str]]:
    """The hidden fields (name, value) of an OCI cart form, lines numbered from 1.

    ``~OkCode``, ``~TARGET`` and ``~CALLER`` come first when given (echoes of the entry
    call), under the names ``echo_names`` maps them to (the buyer's own spelling). Text is
    cleaned and transliterated for ``charset`` before it is measured; free text is cut to its
    length (DESCRIPTION shortened to ``description_length`` between words, its whole text
    then leading the LONGTEXT), keys and codes that do not fit raise :class:`BuildError`.
    ITEM_TYPE and PARENT_ID are written only for 5.0.
    """
    version = version_label(version)  # "5" and "5.00" are 5.0
    if description_length < 1:
        raise BuildError("The description length must be at least 1.")
    label = charset_label(charset)
    names = echo_names or {}
    fields = [
        (names.get(name, name), prepare_text(value, None, label))
        for name, value in zip(ECHO_FIELDS, (ok_code, target, caller), strict=True)
        if value
    ]
    for index, item in enumerate(items, start=1):
        try:
            values = _line_values(item, index, len(items), version, description_length, label)
        except OCIError as error:
            raise BuildError(f"Line {index} ({_label(item)}): {error}") from None
        fields += [(field_name(field, index), value) for field, value in values]
    return fields


def _label(item: OCIItem) -> str:
    return (item.description or item.ext_product_id or item.vendormat or "?")[:40]


def _line_values(
    item: OCIItem, index: int, count: int, version: str, description_length: int, charset: str
) -> list[tuple[str, str]]:
    description = prepare_text(item.description, None, charset)
    ellipsis = encode_for_charset(ELLIPSIS, charset)  # "..." where the charset has no "…"
    values = {"DESCRIPTION": shorten_text(description, description_length, ellipsis)}
    for field, attribute in TEXT_FIELDS.items():
        if field != "DESCRIPTION":
            values[field] = prepare_text(getattr(item, attribute), FIELD_LENGTHS[field], charset)
    for field, attribute in KEY_FIELDS.items():
        values[field] = _key(field, getattr(item, attribute), charset)
    values["QUANTITY"] = format_quantity(item.quantity)
    if item.price is not None:
        values["PRICE"], values["PRICEUNIT"] = format_price(item.price, item.price_unit)
    if item.lead_time is not None:
        values["LEADTIME"] = format_integer("LEADTIME", item.lead_time)
    values["SERVICE"] = "X" if item.service else ""
    values["CURRENCY"] = values["CURRENCY"].upper()
    values["UNIT"] = values["UNIT"].upper()
    if version == "5.0":
        values["ITEM_TYPE"] = _item_type(values["ITEM_TYPE"])
        if item.parent_id is not None:
            values["PARENT_ID"] = _parent_id(item.parent_id, index, count)
    else:
        for field in OCI5_ONLY:
            values.pop(field, None)
    _check_required(values)
    line = [(field, values[field]) for field in FIELD_LENGTHS if values.get(field)]
    line += _extra_fields(item.extra, charset)
    long_text = prepare_text(item.long_text, None, charset, multiline=True)
    if values["DESCRIPTION"] != description:  # shortened: the whole of it leads the long text
        long_text = "\n".join(text for text in (description, long_text) if text)
    if long_text:
        line.append(("LONGTEXT", long_text))
    return line


def _key(field: str, value: str, charset: str) -> str:
    """A key or code: trimmed, in the charset as it is, within its length; never altered."""
    key = value.strip()
    if any(not c.isprintable() for c in key):
        raise BuildError(f"{field} {key[:60]!r} contains control characters.")
    if encode_for_charset(key, charset) != key:
        raise BuildError(f"{field} {key[:60]!r} cannot be written in {charset}.")
    if len(key) > FIELD_LENGTHS[field]:
        raise BuildError(
            f"{field} {key[:60]!r} is longer than {FIELD_LENGTHS[field]} characters;"
            " a shortened key would name something else."
        )
    return key


def _item_type(value: str) -> str:
    item_type = value.upper()
    if item_type and item_type not in ITEM_TYPES:
        raise BuildError(f"ITEM_TYPE must be R, O or F, not {value!r}.")
    return item_type


def _parent_id(parent: int, index: int, count: int) -> str:
    if isinstance(parent, bool) or not isinstance(parent, int) or not 1 <= parent <= count:
        raise BuildError(f"PARENT_ID {parent!r} is not the position of a line in this cart.")
    if parent == index:
        raise BuildError("A line cannot be its own parent.")
    return format_integer("PARENT_ID", parent, minimum=1)


def _check_required(values: dict[str, str]) -> None:
    """OCI's mandatory combinations (SAP rejects or mangles lines without them)."""
    if not values.get("DESCRIPTION") and not values.get("MATNR"):
        raise BuildError("a line needs a DESCRIPTION (or the buyer's MATNR).")
    if not values.get("MATNR") and not values.get("UNIT"):
        raise BuildError("a line without MATNR needs a UNIT.")
    for needed, when in (
        ("CURRENCY", "PRICE"),
        ("EXT_SCHEMA_TYPE", "EXT_CATEGORY_ID"),
        ("EXT_SCHEMA_TYPE", "EXT_CATEGORY"),
        ("EXT_QUOTE_ID", "EXT_QUOTE_ITEM"),
        ("CONTRACT", "CONTRACT_ITEM"),
    ):
        if values.get(when) and not values.get(needed):
            raise BuildError(f"{when} needs {needed}.")


def _extra_fields(extra: Iterable[tuple[str, str]], charset: str) -> list[tuple[str, str]]:
    """Customer extension fields (CI_OCI_CUSTOMER_EXTENSION), e.g. TAX_CODE."""
    fields = []
    for name, value in extra:
        field = name.strip().upper()
        if not EXTRA_FIELD_NAME.fullmatch(field):
            raise BuildError(f"{name[:60]!r} is not a usable OCI field name.")
        if field in FIELD_LENGTHS or field.startswith("LONGTEXT"):
            raise BuildError(f"Extension field {field} would overwrite a standard field.")
        text = prepare_text(value, None, charset)
        if text:
            fields.append((field, text))
    return fields


@dataclass(frozen=True)
class TransferForm:
    """Everything a page needs to post a cart back to SAP."""

    action: str
    target: str
    charset: str  # WHATWG label for <meta charset> and the form's accept-charset
    fields: tuple[tuple[str, str], ...]


def prepare_transfer(
    entry: OCIEntry,
    items: Sequence[OCIItem],
    *,
    version: str = "5.0",
    split_hook: bool = False,
    echo: bool = True,
    description_length: int = FIELD_LENGTHS["DESCRIPTION"],
    charset: str | None = None,
) -> TransferForm:
    """The cart form for the session that ``entry`` started.

    The action is the HOOK_URL as received, or (``split_hook``) the HOOK_URL without its
    query, whose parameters then come first as hidden fields. ``~OkCode``, ``~TARGET`` and
    ``~CALLER`` are echoed when they were received (``echo``) and the split hook does not
    already carry them, spelled as the buyer spelled them. The charset is ``charset``, else
    the entry's, else UTF-8.
    """
    if not entry.hook_url:
        raise BuildError("The punchout session has no HOOK_URL to return the cart to.")
    action, hook_fields = split_hook_url(entry.hook_url) if split_hook else (entry.hook_url, [])
    carried = {normalize_name(name) for name, _ in hook_fields}
    received = (entry.ok_code, entry.target, entry.caller)
    ok_code, target, caller = (
        value if echo and normalize_name(name) not in carried else None
        for name, value in zip(ECHO_FIELDS, received, strict=True)
    )
    label = charset_label(charset or entry.charset)
    fields = [(name, encode_for_charset(value, label)) for name, value in hook_fields]
    fields += build_fields(
        items,
        version=version,
        ok_code=ok_code,
        target=target,
        caller=caller,
        echo_names={canonical: entry.echo_name(attribute)
                     for attribute, canonical in ECHOED.items()},
        description_length=description_length,
        charset=label,
    )
    return TransferForm(action, return_target(entry), label, tuple(fields))
