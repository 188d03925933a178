"""What real procurement systems reject in a returned cXML cart, checked independently.

The lint walks the document's own elements (parsed by the one hardened door,
``shop.cxml.parse_xml``) instead of trusting the typed reader or anything the shop computed,
so a shop whose own code paths are broken (a missing BuyerCookie, totals that do not add up,
a line without classification) is caught here. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from shop.cxml import CXMLError, parse_xml

ERROR = "error"
WARNING = "warning"

# UN/CEFACT Recommendation 20 codes that procurement systems commonly have mapped, plus the
# ISO codes SAP systems keep (PCE). A code outside this list is refused by many buyers.
KNOWN_UNITS = frozenset({
    "EA", "C62", "H87", "PCE", "BX", "PK", "PA", "CS", "CT", "CA", "DZN", "PR", "RM", "SET",
    "RO", "BG", "BO", "TU", "KT", "LO", "PL", "KGM", "GRM", "MGM", "TNE", "MTR", "CMT", "MMT",
    "KMT", "MTK", "MTQ", "LTR", "MLT", "HUR", "MIN", "DAY", "WEE", "MON", "ANN", "KWH", "E48",
})
_AMOUNT = re.compile(r"-?\d+(\.\d+)?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
_UNSPSC = re.compile(r"\d{8}(\d{2})?")
_CENT = Decimal("0.01")
MAX_AUX_ID = 100


@dataclass(frozen=True)
class Finding:
    """One problem: an error a buyer would reject, or a warning worth a look."""

    level: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{self.level}: {where}{self.message}"


@dataclass(frozen=True)
class LintResult:
    """The findings plus what the lint saw: line count, total and currencies."""

    findings: tuple[Finding, ...]
    lines: int = 0
    total: Decimal | None = None
    currencies: tuple[str, ...] = ()

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == WARNING]

    @property
    def passed(self) -> bool:
        return not self.errors


@dataclass
class _Lint:
    findings: list[Finding] = field(default_factory=list)
    currencies: list[str] = field(default_factory=list)

    def error(self, message: str, line: int | None = None) -> None:
        self.findings.append(Finding(ERROR, message, line))

    def warn(self, message: str, line: int | None = None) -> None:
        self.findings.append(Finding(WARNING, message, line))

    def money(self, element: Any, what: str, line: int | None = None) -> Decimal | None:
        """The amount of a ``<Money>`` child, checking its format and currency."""
        money = element.find("Money") if element is not None else None
        if money is None:
            self.error(f"{what} has no Money", line)
            return None
        currency = (money.get("currency") or "").strip()
        if not _CURRENCY.fullmatch(currency):
            self.error(f"{what} currency {currency[:10]!r} is not an ISO 4217 code", line)
        else:
            self.currencies.append(currency)
        text = (money.text or "").strip()
        if not _AMOUNT.fullmatch(text):
            self.error(f"{what} {text[:20]!r} is not a plain decimal (digits and a dot)", line)
            return None
        return Decimal(text)


def _text(element: Any, path: str) -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def lint_order_message(
    body: bytes,
    *,
    buyer_cookie: str | None,
    buyer_credentials: Iterable[tuple[str, str]] = (),
    sent_items: Mapping[str, str] | None = None,
) -> LintResult:
    """Check a returned PunchOutOrderMessage as a strict procurement system would.

    ``sent_items`` maps SupplierPartID to the SupplierPartAuxiliaryID of the lines an edit
    or inspect request carried.
    """
    lint = _Lint()
    try:
        root = parse_xml(body)
    except CXMLError as error:
        lint.error(f"the cart is not readable XML: {error}")
        return LintResult(tuple(lint.findings))
    if root.tag != "cXML":
        lint.error(f"the root element is <{str(root.tag)[:30]}>, not <cXML>")
        return LintResult(tuple(lint.findings))
    _envelope(lint, root, list(buyer_credentials))
    message = root.find("Message/PunchOutOrderMessage")
    if message is None:
        inner = root.find("Message/*") if root.find("Message") is not None else root.find("*[2]")
        got = inner.tag if inner is not None else "nothing"
        lint.error(f"expected a Message with a PunchOutOrderMessage, got {str(got)[:40]}")
        return LintResult(tuple(lint.findings))
    _buyer_cookie(lint, message, buyer_cookie)
    total, charges = _message_header(lint, message)
    lines_sum, count = _items(lint, message, sent_items or {})
    _totals(lint, total, lines_sum, charges, count)
    currencies = tuple(dict.fromkeys(lint.currencies))
    if len(currencies) > 1:
        lint.error(f"currencies are mixed ({', '.join(currencies)}): a requisition has one")
    return LintResult(tuple(lint.findings), count, total, currencies)


def _envelope(lint: _Lint, root: Any, buyer: list[tuple[str, str]]) -> None:
    if not root.get("payloadID"):
        lint.error("the cXML element has no payloadID")
    stamp = root.get("timestamp") or ""
    if not _TIMESTAMP.fullmatch(stamp):
        lint.warn(f"timestamp {stamp[:40]!r} is not ISO 8601 with a time zone offset")
    header = root.find("Header")
    if header is None:
        lint.error("the Header (From, To, Sender) is missing")
        return
    for part in ("From", "To", "Sender"):
        if header.find(f"{part}/Credential/Identity") is None:
            lint.error(f"Header {part} has no Credential with an Identity")
    to = {((c.get("domain") or "").lower(), _text(c, "Identity"))
          for c in header.findall("To/Credential")}
    if buyer and not to & {(domain.lower(), identity) for domain, identity in buyer}:
        names = ", ".join(f"{d}:{i}" for d, i in buyer)
        lint.error(f"Header To does not name the buyer (expected one of {names})")
    if header.find("Sender/Credential/SharedSecret") is not None:
        lint.warn("the cart carries a SharedSecret: the browser (and the user) can read it")


def _buyer_cookie(lint: _Lint, message: Any, expected: str | None) -> None:
    cookie = message.find("BuyerCookie")
    if cookie is None:
        lint.error("BuyerCookie is missing: the buyer cannot match the cart to its requisition")
    elif expected is not None and (cookie.text or "") != expected:
        got = (cookie.text or "")[:60]
        lint.error(f"BuyerCookie {got!r} is not the one the buyer sent ({expected[:60]!r})")


def _message_header(lint: _Lint, message: Any) -> tuple[Decimal | None, list[Decimal]]:
    head = message.find("PunchOutOrderMessageHeader")
    if head is None:
        lint.error("PunchOutOrderMessageHeader is missing")
        return None, []
    allowed = head.get("operationAllowed")
    if allowed not in ("create", "edit", "inspect"):
        lint.error(f"operationAllowed {str(allowed)[:20]!r} is not create, edit or inspect")
    total_element = head.find("Total")
    total = lint.money(total_element, "Total") if total_element is not None else None
    if total_element is None:
        lint.error("the header Total is missing")
    charges = []
    for name in ("Shipping", "Tax"):
        element = head.find(name)
        if element is not None and (amount := lint.money(element, name)) is not None:
            charges.append(amount)
    return total, charges


def _items(lint: _Lint, message: Any, sent_items: Mapping[str, str]) -> tuple[Decimal, int]:
    lines_sum = Decimal(0)
    items = message.findall("ItemIn")
    for number, item in enumerate(items, start=1):
        line = _line_number(item, number)
        quantity = _quantity(lint, item, line)
        price = _item_detail(lint, item, line)
        _item_id(lint, item, line, sent_items)
        if quantity is not None and price is not None:
            lines_sum += quantity * price
    if not items:
        lint.warn("the cart has no lines (the user cancelled, or the shop lost the cart)")
    return lines_sum, len(items)


def _line_number(item: Any, position: int) -> int:
    try:
        return int(item.get("lineNumber") or position)
    except ValueError:
        return position


def _quantity(lint: _Lint, item: Any, line: int) -> Decimal | None:
    text = (item.get("quantity") or "").strip()
    try:
        quantity = Decimal(text)
    except InvalidOperation:
        lint.error(f"quantity {text[:20]!r} is not a number", line)
        return None
    if not quantity.is_finite() or quantity <= 0:
        lint.error(f"quantity {text[:20]!r} is not more than zero", line)
        return None
    return quantity


def _item_id(lint: _Lint, item: Any, line: int, sent_items: Mapping[str, str]) -> None:
    part = _text(item, "ItemID/SupplierPartID")
    if not part:
        lint.error("SupplierPartID is missing or empty", line)
    aux = _text(item, "ItemID/SupplierPartAuxiliaryID")
    if len(aux) > MAX_AUX_ID:
        lint.warn(f"SupplierPartAuxiliaryID is {len(aux)} characters; buyers keep {MAX_AUX_ID}",
                  line)
    # A new SupplierPartAuxiliaryID after an edit is fine (the requisition takes the lines as
    # returned; this shop gives every transferred line a key of its own), but an edit that
    # drops it leaves the shop unable to tell which configuration or quote a PO line means.
    sent = sent_items.get(part)
    if sent and not aux:
        lint.warn(f"SupplierPartAuxiliaryID {sent[:40]!r} came back empty after the edit: "
                  "purchase orders for this line can no longer be matched to the quote", line)


def _item_detail(lint: _Lint, item: Any, line: int) -> Decimal | None:
    detail = item.find("ItemDetail")
    if detail is None:
        lint.error("ItemDetail is missing", line)
        return None
    price = lint.money(detail.find("UnitPrice"), "UnitPrice", line)
    if price is not None and price < 0:
        lint.error("the unit price is negative", line)
    if not _text(detail, "Description") and not _text(detail, "Description/ShortName"):
        lint.error("Description is missing or empty", line)
    unit = _text(detail, "UnitOfMeasure")
    if not unit:
        lint.error("UnitOfMeasure is missing", line)
    elif unit not in KNOWN_UNITS:
        lint.error(f"unit of measure {unit[:10]!r} is not a known UN/CEFACT code", line)
    _classification(lint, detail, line)
    return price


def _classification(lint: _Lint, detail: Any, line: int) -> None:
    classifications = detail.findall("Classification")
    codes = [(c.get("domain") or "", (c.text or "").strip()) for c in classifications]
    if not any(code for _, code in codes):
        lint.error("missing classification (a UNSPSC code is required)", line)
        return
    for domain, code in codes:
        if domain.upper() == "UNSPSC" and not _UNSPSC.fullmatch(code):
            lint.warn(f"UNSPSC code {code[:20]!r} is not 8 digits", line)


def _totals(lint: _Lint, total: Decimal | None, lines_sum: Decimal,
            charges: list[Decimal], count: int) -> None:
    if total is None:
        return
    expected = lines_sum.quantize(_CENT)
    with_charges = (lines_sum + sum(charges, Decimal(0))).quantize(_CENT)
    if total.quantize(_CENT) not in (expected, with_charges):
        lint.error(f"Total {total} does not add up: the lines come to {expected}"
                   + (f" ({with_charges} with shipping and tax)" if charges else ""))
    elif count and total <= 0:
        lint.warn("the Total is zero although the cart has lines")
