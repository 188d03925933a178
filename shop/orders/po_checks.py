"""Reading an OrderRequest's lines into order lines, and checking them against the catalog.

Two kinds of problems, kept apart on purpose:

* *Unreadable* values (a quantity of zero, a unit that is not a UN/CEFACT code, a line number
  used twice, amounts our columns cannot hold) raise ``IntakeRefused(400)``: no order can be
  made from them, whatever the policy.
* *Differences from the catalog* (unknown or inactive SKU, a price other than the contract
  price or the price quoted in the PunchOut cart, a currency mismatch, a total that is not
  the sum of the lines) become ``Finding``s. The connection's policy decides: flag them for
  staff and accept the order (the default), or refuse the whole document with 406.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import load_only

from shop import cxml
from shop.catalog.models import Product
from shop.catalog.pricing import prices_for
from shop.errors import ShopError
from shop.extensions import db
from shop.orders import buyers

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e10")  # Numeric(14, 4): ten digits before the point
MAX_QUANTITY = Decimal("1e11")  # Numeric(14, 3)
MAX_SKU = 64
MAX_AUX_ID = 100


class IntakeRefused(ShopError):
    """An OrderRequest is refused; ``code`` is the cXML Status code (400, 406, 409)."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


@dataclass(frozen=True, slots=True)
class Finding:
    """A difference between the PO and the catalog, for staff (or for a 406)."""

    code: str
    message: str
    line_number: int | None = None


@dataclass(frozen=True, slots=True)
class PoLine:
    """One order line as the PO states it (prices as ordered, not as the catalog says)."""

    line_number: int
    sku: str
    name: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    currency: str
    line_total: Decimal
    product_id: int | None
    requested_delivery_date: dt.date | None
    aux_id: str
    accounting: list[dict[str, Any]]
    comments: str

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready copy for the version history (written out: asdict is slow)."""
        when = self.requested_delivery_date
        return {
            "line_number": self.line_number, "sku": self.sku, "name": self.name,
            "quantity": f"{self.quantity:f}", "unit": self.unit,
            "unit_price": f"{self.unit_price:f}", "currency": self.currency,
            "line_total": f"{self.line_total:f}", "product_id": self.product_id,
            "requested_delivery_date": when.isoformat() if when else None,
            "aux_id": self.aux_id, "accounting": self.accounting, "comments": self.comments,
        }


@dataclass(frozen=True, slots=True)
class CheckedOrder:
    lines: list[PoLine]
    findings: list[Finding]
    subtotal: Decimal


def line_total(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Quantity times unit price, rounded to the cent (half up, as invoices do)."""
    return (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def _refuse(line: int, message: str) -> IntakeRefused:
    return IntakeRefused(400, f"Bad Request: ItemOut lineNumber {line}: {message}")


def _in_range(value: Decimal, low: Decimal, high: Decimal, places: int) -> bool:
    """``low <= value < high`` with at most ``places`` decimals (trailing zeros allowed)."""
    if not value.is_finite() or not low <= value < high:
        return False
    return value == value.quantize(Decimal(1).scaleb(-places))


def read_line(item: cxml.ItemOut, number: int) -> PoLine:
    """An ItemOut as an order line, or IntakeRefused(400) naming what cannot be stored."""
    detail = item.detail
    sku = item.item_id.supplier_part_id.strip()
    if detail is None:
        raise _refuse(number, "ItemDetail (with UnitPrice) is missing")
    if not sku or len(sku) > MAX_SKU:
        raise _refuse(number, f"SupplierPartID must be 1 to {MAX_SKU} characters")
    if not _in_range(item.quantity, Decimal("0"), MAX_QUANTITY, 3) or item.quantity == 0:
        raise _refuse(number, "quantity must be positive, with at most 3 decimals")
    price = detail.unit_price.amount
    if not _in_range(price, Decimal("0"), MAX_AMOUNT, 4):
        raise _refuse(number, "UnitPrice must be zero or positive, with at most 4 decimals")
    unit = detail.unit_of_measure.strip().upper()
    if not 1 <= len(unit) <= 3:
        raise _refuse(number, f"UnitOfMeasure {unit[:20]!r} is not a UN/CEFACT code")
    when = item.requested_delivery_date
    if isinstance(when, dt.datetime):
        when = when.date()
    return PoLine(
        line_number=number, sku=sku, name=(detail.description or sku)[:400],
        quantity=item.quantity, unit=unit, unit_price=price,
        currency=detail.unit_price.currency.upper()[:3],
        line_total=line_total(item.quantity, price), product_id=None,
        requested_delivery_date=when, aux_id=(item.item_id.aux_id or "")[:MAX_AUX_ID],
        accounting=[_distribution(d) for d in item.distributions],
        comments=item.comments or "",
    )


def _distribution(value: cxml.Distribution) -> dict[str, Any]:
    return {
        "name": value.accounting.name,
        "segments": [{"id": s.id, "name": s.name, "description": s.description}
                     for s in value.accounting.segments],
        "charge": None if value.charge is None else
        {"amount": f"{value.charge.amount:f}", "currency": value.charge.currency},
    }


def read_lines(request: cxml.OrderRequest) -> list[PoLine]:
    """Every ItemOut as a line; line numbers must be unique (they are the buyer's keys),
    and every price in the currency of the order's Total (an order has one currency)."""
    if not request.items:
        raise IntakeRefused(400, "Bad Request: OrderRequest: no ItemOut")
    currency = request.header.total.currency.upper()
    lines, seen = [], set()
    for position, item in enumerate(request.items, start=1):
        number = item.line_number if item.line_number is not None else position
        if number in seen:
            raise _refuse(number, "this lineNumber is used twice")
        if not 0 < number < 2**31:
            raise _refuse(number, "lineNumber must be a positive integer")
        seen.add(number)
        line = read_line(item, number)
        if line.currency != currency:
            raise _refuse(number, f"UnitPrice is in {line.currency}, the order Total in "
                                  f"{currency}")
        lines.append(line)
    return lines


def _products(skus: Sequence[str]) -> dict[str, Product]:
    """The products behind these SKUs, with only what the checks and prices read."""
    found: dict[str, Product] = {}
    unique = sorted(set(skus))
    for start in range(0, len(unique), 500):
        for product in db.session.scalars(
                select(Product).where(Product.sku.in_(unique[start:start + 500]))
                .options(load_only(Product.id, Product.sku, Product.active, Product.list_price,
                                   Product.currency))):
            found[product.sku] = product
    return found


def check_order(request: cxml.OrderRequest, connection_id: int, company_id: int,
                currency: str, tolerance: Decimal) -> CheckedOrder:
    """Read the lines and compare them with the catalog, the quotes and the header total."""
    lines = read_lines(request)
    products = _products([line.sku for line in lines])
    prices = prices_for(company_id, products.values())
    quotes = buyers.quotes_for(connection_id, [line.aux_id for line in lines if line.aux_id])
    findings: list[Finding] = []
    total = request.header.total
    checked = []
    for line in lines:
        product = products.get(line.sku)
        if product is None:
            findings.append(Finding("unknown_sku", f"SKU {line.sku} is not in the catalog.",
                                    line.line_number))
        else:
            line = dataclasses.replace(line, product_id=product.id)
            if not product.active:
                findings.append(Finding("inactive_sku", f"SKU {line.sku} is no longer sold.",
                                        line.line_number))
        quote = quotes.get(line.aux_id) if line.aux_id else None
        price = prices.get(product.id) if product is not None else None
        findings.extend(_price_findings(line, quote, price, tolerance))
        checked.append(line)
    subtotal = sum((line.line_total for line in checked), Decimal("0"))
    exact = sum((line.quantity * line.unit_price for line in checked), Decimal("0"))
    if min(abs(total.amount - subtotal), abs(total.amount - exact)) > CENT:
        findings.append(Finding(
            "total_mismatch", f"Order total {total.amount:f} {total.currency} is not the sum "
            f"of the lines ({subtotal:f})."))
    if total.currency.upper() != currency:
        findings.append(Finding("currency_mismatch", f"Order in {total.currency}, but the "
                                f"account is invoiced in {currency}."))
    return CheckedOrder(checked, findings, subtotal)


def _price_findings(line: PoLine, quote: buyers.Quote | None, price: Any,
                    tolerance: Decimal) -> list[Finding]:
    if quote is not None:
        if quote.sku != line.sku:
            return [Finding("quote_mismatch", f"SupplierPartAuxiliaryID {line.aux_id} was "
                            f"quoted for SKU {quote.sku}, not {line.sku}.", line.line_number)]
        if quote.currency != line.currency or abs(quote.unit_price - line.unit_price) > tolerance:
            return [Finding("price_quote", f"Ordered at {line.unit_price:f} {line.currency}, "
                            f"quoted in the PunchOut cart at {quote.unit_price:f} "
                            f"{quote.currency}.", line.line_number)]
        return []
    if price is None:
        return []
    if price.currency != line.currency:
        return [Finding("currency_mismatch", f"Ordered in {line.currency}, priced in "
                        f"{price.currency}.", line.line_number)]
    if abs(price.amount - line.unit_price) > tolerance:
        kind = "contract price" if price.is_contract else "list price"
        return [Finding("price_contract", f"Ordered at {line.unit_price:f} {line.currency}, "
                        f"{kind} is {price.amount:f}.", line.line_number)]
    return []
