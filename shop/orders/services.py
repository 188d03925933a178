"""Use cases of orders on the customer side: create, place from the cart, list and show.

``create_order`` is the one way an order comes into being, whether from checkout
(``place_order``) or from a purchase order (the cXML intake): it snapshots the lines and
addresses, computes the totals in ``Decimal``, numbers the order from its row id (unique
across any number of workers, no "max + 1") and records the first event. It does not commit:
its caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload, selectinload

from shop.accounts.models import Address, AddressKind, Company, User
from shop.cart.models import CartLine
from shop.cart.services import CartSummary, cart_summary, line_total
from shop.database import utcnow
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.orders.models import Order, OrderEvent, OrderLine, OrderSource, OrderStatus

log = logging.getLogger(__name__)

ORDER_NUMBER_PREFIX = "SO-"
ORDER_NUMBER_OFFSET = 100000  # order 1 is SO-100001: numbers of one length for a long while
LINE_BATCH = 500  # order lines per INSERT statement


class OrderError(ShopError):
    """An order that cannot be placed; the message says what to change."""


@dataclass(frozen=True, slots=True)
class NewOrderLine:
    """One line of an order about to be created (a snapshot: later catalog edits don't matter)."""

    sku: str
    name: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    currency: str
    product_id: int | None = None
    # None: computed as quantity × unit price, rounded to the cent.
    line_total: Decimal | None = None
    # None: numbered 1, 2, 3 … in list order.
    line_number: int | None = None
    requested_delivery_date: dt.date | None = None
    aux_id: str = ""
    accounting: Sequence[Any] = field(default_factory=tuple)
    comments: str = ""


def order_number(order_id: int) -> str:
    """The public number of the order with this row id."""
    return f"{ORDER_NUMBER_PREFIX}{ORDER_NUMBER_OFFSET + order_id}"


def create_order(
    company_id: int,
    user_id: int | None,
    source: OrderSource,
    po_number: str,
    currency: str,
    lines: Sequence[NewOrderLine],
    ship_to: Mapping[str, Any],
    bill_to: Mapping[str, Any],
    *,
    payment_terms: str = "",
    comments: str = "",
    shipping: Decimal = Decimal("0"),
    tax: Decimal = Decimal("0"),
    status: OrderStatus = OrderStatus.PLACED,
    actor: str = "",
    note: str = "",
) -> Order:
    """Add an order with its lines and first event and flush it (no commit).

    The lines are written with Core INSERTs in batches, not as ORM objects: a 5,000-line
    purchase order then costs a few statements and no per-line session state.
    """
    if not lines:
        raise OrderError("An order needs at least one line.")
    if any(line.currency != currency for line in lines):
        raise OrderError("All lines of an order must be in the order's currency.")
    subtotal = sum((_total(line) for line in lines), Decimal("0"))
    order = Order(
        # A unique placeholder until the row id is known (see below).
        number=f"new-{uuid.uuid4().hex}"[:32],
        company_id=company_id, user_id=user_id, source=source, status=status,
        po_number=po_number.strip()[:100], currency=currency,
        subtotal=subtotal, shipping=shipping, tax=tax, total=subtotal + shipping + tax,
        ship_to=dict(ship_to), bill_to=dict(bill_to),
        payment_terms=payment_terms[:200], comments=comments,
        placed_at=utcnow(),
    )
    order.events.append(OrderEvent(status=status, note=note or "Order placed.", actor=actor[:254]))
    db.session.add(order)
    db.session.flush()
    # The row id is unique however many workers insert at once, so the number is too. The
    # UPDATE goes out with the caller's next flush or commit.
    order.number = order_number(order.id)
    insert_lines(order, lines)
    return order


def insert_lines(order: Order, lines: Sequence[NewOrderLine]) -> None:
    """Write an order's lines (numbered 1, 2, 3 … unless they carry their own numbers)."""
    table = OrderLine.__table__
    for start in range(0, len(lines), LINE_BATCH):
        db.session.execute(table.insert(), [
            _line_row(order.id, number, line)
            for number, line in enumerate(lines[start:start + LINE_BATCH], start=start + 1)
        ])
    # The ORM has not seen these rows: the next read of order.lines loads them.
    db.session.expire(order, ["lines"])


def _total(line: NewOrderLine) -> Decimal:
    if line.line_total is not None:
        return line.line_total
    return line_total(line.quantity, line.unit_price)


def _line_row(order_id: int, number: int, line: NewOrderLine) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "line_number": line.line_number if line.line_number is not None else number,
        "product_id": line.product_id, "sku": line.sku[:64], "name": line.name[:400],
        "quantity": line.quantity, "unit": line.unit[:3], "unit_price": line.unit_price,
        "currency": line.currency, "line_total": _total(line),
        "requested_delivery_date": line.requested_delivery_date, "aux_id": line.aux_id[:100],
        "accounting": list(line.accounting), "comments": line.comments,
    }


# ---------- checkout ----------


def cart_fingerprint(summary: CartSummary) -> str:
    """A digest of everything an order would copy from the cart (lines, quantities, prices).

    The checkout page sends it back; a different value at "place order" means the cart or a
    price changed meanwhile, and the buyer must look again before committing to it.
    """
    digest = hashlib.sha256()
    for line in summary.lines:
        product = line.product
        digest.update("|".join((
            str(line.line_id), product.sku, product.name, product.unit, str(product.active),
            f"{line.quantity:f}", f"{line.unit_price:f}", line.currency,
        )).encode())
        digest.update(b"\n")
    return digest.hexdigest()[:32]


def check_cart_can_be_ordered(summary: CartSummary) -> None:
    """OrderError when the cart is empty, has unavailable products or mixes currencies."""
    if summary.is_empty:
        raise OrderError("Your cart is empty: add products before checking out.")
    if summary.unavailable_lines:
        line = summary.unavailable_lines[0]
        raise OrderError(
            f"{line.name} ({line.sku}) is no longer available. "
            "Remove it from your cart to place the order."
        )
    if summary.mixed_currencies:
        currencies = ", ".join(sorted(summary.currencies))
        raise OrderError(
            f"Your cart mixes currencies ({currencies}); one order can only have one. "
            "Remove the lines in the other currency and order them separately."
        )


def checkout_addresses(company_id: int, kind: AddressKind) -> list[Address]:
    """The company's addresses of one kind for the checkout form, the default first."""
    return list(db.session.scalars(
        select(Address).where(Address.company_id == company_id, Address.kind == kind)
        .order_by(Address.is_default.desc(), Address.name, Address.id)
    ))


def payment_terms_text(company: Company) -> str:
    """The "pay on invoice" terms offered to the company."""
    return f"Pay on invoice, {company.payment_terms_days} days net"


def place_order(
    cart_id: int,
    user_id: int,
    ship_to_id: int,
    bill_to_id: int,
    po_number: str,
    comments: str = "",
    expected_fingerprint: str | None = None,
) -> Order:
    """Turn the cart into an order and empty the cart, all in one transaction."""
    user = db.session.get(User, user_id)
    if user is None or user.company is None:
        raise OrderError("Only users of a customer company can place orders.")
    company = user.company
    if not po_number.strip():
        raise OrderError("Enter your purchase-order number.")
    ship_to = _company_address(company.id, ship_to_id, AddressKind.SHIP_TO)
    bill_to = _company_address(company.id, bill_to_id, AddressKind.BILL_TO)
    summary = cart_summary(cart_id, company.id)
    check_cart_can_be_ordered(summary)
    if expected_fingerprint is not None and expected_fingerprint != cart_fingerprint(summary):
        raise OrderError(_CART_CHANGED)
    _take_lines_out_of_cart(cart_id, summary)
    assert summary.currency is not None
    order = create_order(
        company.id, user.id, OrderSource.CHECKOUT, po_number, summary.currency,
        [_line_from_cart(line) for line in summary.lines],
        ship_to.snapshot(), bill_to.snapshot(),
        payment_terms=payment_terms_text(company), comments=comments.strip()[:2000],
        actor=user.email, note="Order placed in the web shop.",
    )
    db.session.commit()
    log.info("order %s placed by user %s (%s lines)", order.number, user.id, len(summary.lines))
    return order


_CART_CHANGED = (
    "Your cart or its prices changed while you were checking out. "
    "Please check the order below and place it again."
)


def _company_address(company_id: int, address_id: int, kind: AddressKind) -> Address:
    address = db.session.get(Address, address_id)
    if address is None or address.company_id != company_id or address.kind != kind:
        label = "delivery" if kind == AddressKind.SHIP_TO else "billing"
        raise OrderError(f"Choose one of your company's {label} addresses.")
    return address


def _take_lines_out_of_cart(cart_id: int, summary: CartSummary) -> None:
    """Delete exactly the lines being ordered, or OrderError when the cart moved meanwhile.

    DELETE … RETURNING runs under the database's write lock: when two checkouts of one cart
    race, the second finds the lines gone and places nothing.
    """
    removed = db.session.execute(
        delete(CartLine).where(CartLine.cart_id == cart_id)
        .returning(CartLine.id, CartLine.quantity)
    ).all()
    expected = {(line.line_id, line.quantity) for line in summary.lines}
    if {(row[0], Decimal(row[1])) for row in removed} != expected:
        db.session.rollback()
        raise OrderError(_CART_CHANGED)


def _line_from_cart(line: Any) -> NewOrderLine:
    return NewOrderLine(
        sku=line.sku, name=line.name, quantity=line.quantity, unit=line.unit,
        unit_price=line.unit_price, currency=line.currency, product_id=line.product.id,
        line_total=line.line_total, aux_id=line.aux_id,
    )


# ---------- reading orders ----------


@dataclass(frozen=True, slots=True)
class OrderListing:
    """A page of orders with the number of lines of each."""

    orders: list[Order]
    line_counts: dict[int, int]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def orders_for_company(company_id: int | None, page: int = 1, per_page: int = 25) -> OrderListing:
    """A company's orders, newest first; ``company_id=None`` lists every company's (staff)."""
    query = select(Order)
    count = select(func.count(Order.id))
    if company_id is not None:
        query = query.where(Order.company_id == company_id)
        count = count.where(Order.company_id == company_id)
    page = max(1, page)
    orders = list(db.session.scalars(
        query.options(joinedload(Order.company), joinedload(Order.user))
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ))
    return OrderListing(orders, _line_counts([order.id for order in orders]),
                        db.session.scalar(count) or 0, page, per_page)


def _line_counts(order_ids: list[int]) -> dict[int, int]:
    if not order_ids:
        return {}
    rows = db.session.execute(
        select(OrderLine.order_id, func.count(OrderLine.id))
        .where(OrderLine.order_id.in_(order_ids)).group_by(OrderLine.order_id)
    )
    return {order_id: count for order_id, count in rows}


def get_order_for_user(number: str, user: User) -> Order:
    """The order with this number when the user may see it (own company, or staff)."""
    order = db.session.scalar(
        select(Order).where(Order.number == number[:32])
        .options(selectinload(Order.lines), selectinload(Order.events),
                 joinedload(Order.company), joinedload(Order.user))
    )
    # Another company's order is "not found", not "forbidden": its existence is no one's business.
    if order is None or not (user.is_staff or order.company_id == user.company_id):
        raise NotFound("No such order.")
    return order


def all_orders() -> list[Order]:
    """Every order, oldest first, with company and lines loaded (command line, exports)."""
    return list(db.session.scalars(
        select(Order).options(joinedload(Order.company), selectinload(Order.lines))
        .order_by(Order.id)
    ))


def order_as_dict(order: Order) -> dict[str, Any]:
    """An order as plain JSON-ready data (amounts as strings, so no precision is lost)."""
    return {
        "number": order.number,
        "company": order.company.name,
        "po_number": order.po_number,
        "status": order.status.value,
        "source": order.source.value,
        "subtotal": f"{order.subtotal:.2f}",
        "total": f"{order.total:.2f}",
        "currency": order.currency,
        "lines": len(order.lines),
        "placed_at": order.placed_at.isoformat(),
    }
