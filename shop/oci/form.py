"""OCI forms as HTML: reading NEW_ITEM fields back into lines, and writing a cart form.

The reader is tolerant where real catalogs differ (field-name case, gaps in the line
numbers, the LONGTEXT spellings ``LONGTEXT_n:132[]``, ``LONGTEXT_n:132[n]`` and
``LONGTEXT[n]``, zero-padded numbers such as ``00000001730.900``) and strict where SAP would
misread a value (a decimal comma, a fractional PRICEUNIT, a missing QUANTITY).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from html import escape
from html.parser import HTMLParser
from typing import Any

from .errors import FormError
from .fields import KEY_FIELDS, TEXT_FIELDS, OCIItem
from .transfer import TransferForm

MAX_FORM_LENGTH = 10_000_000  # characters of HTML
MAX_FIELDS = 200_000
MAX_INDEX = 99_999  # PARENT_ID has 5 digits, so no line number can be larger
MAX_NUMBER_LENGTH = 40

_ITEM_FIELD = re.compile(r"NEW_ITEM-([A-Z0-9_]+)\[(\d+)\]", re.IGNORECASE)
_LONGTEXT = re.compile(r"NEW_ITEM-LONGTEXT_(\d+):\d+\[\d*\]", re.IGNORECASE)
_NUMBER = re.compile(r"\+?(\d+(\.\d*)?|\.\d+)")


class _InputCollector(HTMLParser):
    """Collects (name, value) of every enabled ``<input>`` and ``<textarea>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        name = attributes.get("name")
        if not name or "disabled" in attributes:
            return
        if tag == "input":
            self.pairs.append((name, attributes.get("value") or ""))
        elif tag == "textarea":
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            self.pairs.append((self._textarea, "".join(self._text)))
            self._textarea = None


def read_form_fields(html: str) -> list[tuple[str, str]]:
    """Every (name, value) an HTML page would post, entities decoded, in document order."""
    if not isinstance(html, str):
        raise FormError("The form must be given as text.")
    if len(html) > MAX_FORM_LENGTH:
        raise FormError(f"The page is larger than {MAX_FORM_LENGTH} characters.")
    collector = _InputCollector()
    try:
        collector.feed(html)
        collector.close()
    except (AssertionError, ValueError, IndexError) as error:  # html.parser's own failures
        raise FormError(f"The page is not readable HTML: {error}") from None
    return collector.pairs


def parse_oci_form(source: str | Iterable[tuple[str, str]]) -> list[OCIItem]:
    """The cart lines of an OCI form, ordered by line number.

    ``source`` is an HTML page or the posted (name, value) pairs. Field names are matched
    without regard to case; fields other than ``NEW_ITEM-*`` are ignored; for a field sent
    twice the last value wins; several LONGTEXT values of one line are joined by line
    breaks. Gaps in line numbers are closed, and PARENT_ID is renumbered to the position of
    the parent in the returned list. Raises :class:`FormError` for a value SAP would refuse.
    """
    pairs = read_form_fields(source) if isinstance(source, str) else source
    lines, long_texts = _group(pairs)
    order = sorted(lines.keys() | long_texts.keys())
    position = {index: number for number, index in enumerate(order, start=1)}
    return [
        _item(index, lines.get(index, {}), long_texts.get(index, []), position) for index in order
    ]


def _group(
    pairs: Iterable[tuple[str, str]],
) -> tuple[dict[int, dict[str, str]], dict[int, list[str]]]:
    lines: dict[int, dict[str, str]] = {}
    long_texts: dict[int, list[str]] = {}
    for count, pair in enumerate(pairs, start=1):
        if count > MAX_FIELDS:
            raise FormError(f"The form has more than {MAX_FIELDS} fields.")
        name, value = _checked_pair(pair)
        if match := _LONGTEXT.fullmatch(name):
            long_texts.setdefault(_index(match.group(1)), []).append(value)
        elif match := _ITEM_FIELD.fullmatch(name):
            field, index = match.group(1).upper(), _index(match.group(2))
            if field == "LONGTEXT":
                long_texts.setdefault(index, []).append(value)
            else:
                lines.setdefault(index, {})[field] = value
    return lines, long_texts


def _checked_pair(pair: object) -> tuple[str, str]:
    if not (isinstance(pair, tuple) and len(pair) == 2):
        raise FormError("Form fields must be (name, value) pairs.")
    name, value = pair
    if not isinstance(name, str) or not isinstance(value, str):
        raise FormError("Form field names and values must be text.")
    return name.strip(), value


def _index(digits: str) -> int:
    if len(digits) > 5 or int(digits) > MAX_INDEX:
        raise FormError(f"Line number {digits[:12]} is larger than {MAX_INDEX}.")
    return int(digits)


def _item(
    index: int, fields: dict[str, str], long_text: list[str], position: dict[int, int]
) -> OCIItem:
    fields = dict(fields)
    values: dict[str, Any] = {
        attribute: fields.pop(name, "") for name, attribute in {**TEXT_FIELDS, **KEY_FIELDS}.items()
    }
    quantity = _number(index, "QUANTITY", fields.pop("QUANTITY", ""))
    if quantity is None:
        raise FormError(f"Line {index}: NEW_ITEM-QUANTITY is missing.")
    values["price"] = _number(index, "PRICE", fields.pop("PRICE", ""))
    values["price_unit"] = _whole(index, "PRICEUNIT", fields.pop("PRICEUNIT", ""), minimum=1) or 1
    values["lead_time"] = _whole(index, "LEADTIME", fields.pop("LEADTIME", ""))
    values["service"] = fields.pop("SERVICE", "").strip().upper() == "X"
    parent = _whole(index, "PARENT_ID", fields.pop("PARENT_ID", ""))
    if parent is not None and parent not in position:
        raise FormError(f"Line {index}: PARENT_ID {parent} names no line of this form.")
    values["parent_id"] = None if parent is None else position[parent]
    values["long_text"] = "\n".join(long_text).replace("\r\n", "\n")
    return OCIItem(quantity=quantity, extra=tuple(fields.items()), **values)


def _number(index: int, field: str, value: str) -> Decimal | None:
    text = value.strip()
    if not text:
        return None
    if len(text) > MAX_NUMBER_LENGTH or not _NUMBER.fullmatch(text):
        raise FormError(
            f"Line {index}: NEW_ITEM-{field} {text[:20]!r} is not a number"
            " (digits with a decimal point, no thousands separators)."
        )
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        raise FormError(f"Line {index}: NEW_ITEM-{field} is not a number.") from None


def _whole(index: int, field: str, value: str, *, minimum: int = 0) -> int | None:
    number = _number(index, field, value)
    if number is None:
        return None
    if number != number.to_integral_value() or number < minimum:
        raise FormError(f"Line {index}: NEW_ITEM-{field} {value.strip()!r} is not a whole number.")
    return int(number)


def render_form(
    form: TransferForm, *, form_id: str = "oci-transfer", submit_label: str | None = None
) -> str:
    """The ``<form>`` element posting ``form`` to the buyer, every value HTML-escaped.

    The page around it must be served in ``form.charset``; values were transliterated for
    it, and anything else on the page (the action URL, labels) should be encoded with
    character references for what the charset lacks.
    """
    attributes = (
        f'id="{escape(form_id)}" method="post" action="{escape(form.action)}"'
        f' target="{escape(form.target)}" accept-charset="{escape(form.charset)}"'
    )
    inputs = [
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in form.fields
    ]
    if submit_label is not None:
        inputs.append(f'<button type="submit" class="button">{escape(submit_label)}</button>')
    return f"<form {attributes}>\n" + "\n".join(inputs) + "\n</form>"
