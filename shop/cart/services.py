"""Use cases of the cart: which cart a request uses, adding, changing, removing, summing up.

Every service takes a ``cart_id``; only ``current_cart_id`` looks at the request, so a
PunchOut session (which sets ``g.punchout_cart_id``) and an ordinary login share all the rest.

Concurrent requests on one cart lose nothing: a cart is created with an insert that does
nothing when the user's cart already exists (unique ``user_id``), and adding a product is one
atomic upsert that raises the quantity in the database (unique ``cart_id, product_id``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from flask import current_app, g
from flask_login import current_user
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from shop.cart.models import Cart, CartLine
from shop.catalog.models import Product
from shop.catalog.pricing import prices_for
from shop.database import utcnow
from shop.errors import ShopError
from shop.extensions import db

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
QUANTITY_PLACES = 3  # the cart_lines.quantity column keeps three decimals
# UN/CEFACT units that are measured rather than counted: only these take fractions.
DIVISIBLE_UNITS = frozenset({
    "KGM", "GRM", "MGM", "TNE", "LBR", "ONZ",  # mass
    "LTR", "MLT", "MTQ", "GLL",  # volume
    "MTR", "CMT", "MMT", "KMT", "FOT", "INH", "YRD",  # length
    "MTK", "FTK",  # area
    "HUR", "MIN", "DAY",  # time (services)
})


class CartError(ShopError):
    """A cart request that cannot be carried out; the message says what to do."""


# ---------- which cart ----------


def current_cart_id(create: bool = False) -> int | None:
    """The cart of this request: the PunchOut session's cart, else the user's own cart.

    PunchOut puts its session's cart in ``g.punchout_cart_id`` before the view runs; every
    cart page, the header's line count and checkout go through this function (or, for the
    count, ``current_cart_line_count``, which resolves the cart the same way). Visitors have
    no cart (None). With ``create``, a logged-in user without a cart gets one.
    """
    punchout_cart_id = _punchout_cart_id()
    if punchout_cart_id is not None:
        return punchout_cart_id
    if not current_user.is_authenticated:
        return None
    if create:
        return get_or_create_user_cart(current_user.id)
    return user_cart_id(current_user.id)


def current_cart_line_count() -> int:
    """How many lines the request's cart has, in one query (none for visitors)."""
    punchout_cart_id = _punchout_cart_id()
    if punchout_cart_id is not None:
        return cart_line_count(punchout_cart_id)
    if not current_user.is_authenticated:
        return 0
    return db.session.scalar(
        select(func.count(CartLine.id)).join(Cart, CartLine.cart_id == Cart.id)
        .where(Cart.user_id == current_user.id)
    ) or 0


def _punchout_cart_id() -> int | None:
    # The one place that knows where PunchOut leaves its cart for this request.
    cart_id = g.get("punchout_cart_id")
    return int(cart_id) if cart_id is not None else None


def cart_is_read_only() -> bool:
    """True when the request's cart may only be looked at (PunchOut ``inspect``)."""
    return bool(g.get("punchout_read_only", False))


def user_cart_id(user_id: int) -> int | None:
    """The id of the user's own cart, or None when they have none yet."""
    return db.session.scalar(select(Cart.id).where(Cart.user_id == user_id))


def get_or_create_user_cart(user_id: int) -> int:
    """The user's cart id, creating the cart when missing (safe when two requests race)."""
    cart_id = user_cart_id(user_id)
    if cart_id is not None:
        return cart_id
    now = utcnow()
    db.session.execute(
        _dialect_insert(Cart)
        .values(user_id=user_id, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    db.session.commit()
    cart_id = user_cart_id(user_id)
    assert cart_id is not None
    return cart_id


def _dialect_insert(model: type[Any]) -> Any:
    """An INSERT with ON CONFLICT support for the database in use (SQLite or PostgreSQL)."""
    name = db.session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the shop supports these two databases
        raise RuntimeError(f"no upsert for database {name!r}")
    return insert(model)


# ---------- quantities ----------


def max_line_quantity() -> Decimal:
    return Decimal(current_app.config["MAX_LINE_QUANTITY"])


def parse_quantity(raw: str | Decimal | int | None, unit: str, allow_zero: bool = False) -> Decimal:
    """A quantity typed by a user, checked against the unit and the per-line limit."""
    text = str(raw if raw is not None else "").strip()
    try:
        value = Decimal(text) if 0 < len(text) <= 24 else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise CartError("Enter the quantity as a number, for example 1 or 12.")
    if value < 0 or (value == 0 and not allow_zero):
        raise CartError("Enter a quantity of at least 1.")
    limit = max_line_quantity()
    if value > limit:
        raise CartError(f"At most {limit:,} per line. For larger quantities, please contact us.")
    if unit not in DIVISIBLE_UNITS and value != value.to_integral_value():
        raise CartError(f"This product is sold by the piece ({unit}): enter a whole number.")
    if value != value.quantize(Decimal(1).scaleb(-QUANTITY_PLACES)):
        raise CartError(f"Enter the quantity with at most {QUANTITY_PLACES} decimals.")
    return value


# ---------- changing the cart ----------


@dataclass(frozen=True, slots=True)
class AddedLine:
    """What ``add_to_cart`` did: the product, the quantity added and the line's new quantity."""

    product: Product
    added: Decimal
    line_quantity: Decimal


def find_product_for_cart(sku: str) -> Product:
    """The active product with this SKU, or CartError saying why it cannot be bought."""
    cleaned = (sku or "").strip()
    if not cleaned:
        raise CartError("Choose a product to add.")
    product = db.session.scalar(select(Product).where(Product.sku == cleaned[:64]))
    if product is None:
        raise CartError(f"We have no product with the SKU {cleaned[:64]}.")
    if not product.active:
        raise CartError(f"{product.name} ({product.sku}) is no longer available.")
    return product


def add_to_cart(cart_id: int, sku: str, quantity: str | Decimal | int, *,
                aux_id: str = "") -> AddedLine:
    """Add a product; when it is already in the cart, its line grows by ``quantity``.

    One statement does it (INSERT … ON CONFLICT DO UPDATE), so two requests adding at the
    same moment both count. The per-line limit is checked in the same statement.
    """
    product = find_product_for_cart(sku)
    amount = parse_quantity(quantity, product.unit)
    lines = CartLine.__table__
    insert = _dialect_insert(CartLine).values(
        cart_id=cart_id, product_id=product.id, quantity=amount, aux_id=aux_id[:100],
        added_at=utcnow(),
    )
    new_quantity = lines.c.quantity + insert.excluded.quantity
    statement = insert.on_conflict_do_update(
        index_elements=["cart_id", "product_id"],
        set_={"quantity": new_quantity},
        where=new_quantity <= max_line_quantity(),
    ).returning(lines.c.quantity)
    row = db.session.execute(statement).first()
    if row is None:
        db.session.rollback()
        raise CartError(
            f"At most {max_line_quantity():,} of {product.name} per line. "
            "For larger quantities, please contact us."
        )
    _touch(cart_id)
    db.session.commit()
    log.debug("cart %s: added %s x %s", cart_id, amount, product.sku)
    return AddedLine(product=product, added=amount, line_quantity=Decimal(row[0]))


def set_line_quantity(cart_id: int, line_id: int, quantity: str | Decimal | int) -> Decimal:
    """Set a line's quantity (0 removes the line); returns the new quantity."""
    line = db.session.scalar(
        select(CartLine).where(CartLine.id == line_id, CartLine.cart_id == cart_id)
        .options(joinedload(CartLine.product))
    )
    if line is None:
        raise CartError("That line is no longer in your cart.")
    amount = parse_quantity(quantity, line.product.unit, allow_zero=True)
    if amount == 0:
        db.session.delete(line)
    else:
        line.quantity = amount
    _touch(cart_id)
    db.session.commit()
    return amount


def remove_line(cart_id: int, line_id: int) -> None:
    """Remove one line from the cart."""
    result = db.session.execute(
        delete(CartLine).where(CartLine.id == line_id, CartLine.cart_id == cart_id)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        db.session.rollback()
        raise CartError("That line is no longer in your cart.")
    _touch(cart_id)
    db.session.commit()


def clear_cart(cart_id: int) -> None:
    """Remove every line."""
    db.session.execute(delete(CartLine).where(CartLine.cart_id == cart_id))
    _touch(cart_id)
    db.session.commit()


def _touch(cart_id: int) -> None:
    db.session.execute(update(Cart).where(Cart.id == cart_id).values(updated_at=utcnow()))


# ---------- reading the cart ----------


@dataclass(frozen=True, slots=True)
class CartSummaryLine:
    """One cart line priced for a company."""

    line_id: int
    product: Product
    quantity: Decimal
    unit_price: Decimal
    currency: str
    line_total: Decimal
    # The list price when a contract price applies (to show the saving), else None.
    list_price: Decimal | None
    aux_id: str

    @property
    def sku(self) -> str:
        return self.product.sku

    @property
    def name(self) -> str:
        return self.product.name

    @property
    def unit(self) -> str:
        return self.product.unit

    @property
    def available(self) -> bool:
        return self.product.active


@dataclass(frozen=True, slots=True)
class CartSummary:
    """A cart with the company's prices, line totals and the subtotal."""

    cart_id: int | None
    lines: tuple[CartSummaryLine, ...]
    subtotal: Decimal
    # The cart's currency; None when it is empty or (an error to fix) mixes currencies.
    currency: str | None
    currencies: frozenset[str]

    @property
    def line_count(self) -> int:
        return len(self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def mixed_currencies(self) -> bool:
        return len(self.currencies) > 1

    @property
    def unavailable_lines(self) -> tuple[CartSummaryLine, ...]:
        return tuple(line for line in self.lines if not line.available)


def line_total(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Quantity times unit price, rounded to the cent (half up, as invoices do)."""
    return (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def cart_summary(cart_id: int | None, company_id: int | None) -> CartSummary:
    """The cart's lines with the company's prices (two queries, whatever the cart's size)."""
    if cart_id is None:
        return CartSummary(None, (), Decimal("0.00"), None, frozenset())
    lines = db.session.scalars(
        select(CartLine).where(CartLine.cart_id == cart_id)
        .options(joinedload(CartLine.product)).order_by(CartLine.id)
    ).all()
    prices = prices_for(company_id, [line.product for line in lines])
    summary_lines = []
    for line in lines:
        price = prices[line.product_id]
        summary_lines.append(CartSummaryLine(
            line_id=line.id, product=line.product, quantity=line.quantity,
            unit_price=price.amount, currency=price.currency,
            line_total=line_total(line.quantity, price.amount),
            list_price=price.list_amount, aux_id=line.aux_id,
        ))
    currencies = frozenset(line.currency for line in summary_lines)
    currency = next(iter(currencies)) if len(currencies) == 1 else None
    subtotal = sum((line.line_total for line in summary_lines), Decimal("0.00"))
    return CartSummary(cart_id, tuple(summary_lines), subtotal, currency, currencies)


def cart_line_count(cart_id: int | None) -> int:
    """How many lines the cart has (for the header)."""
    if cart_id is None:
        return 0
    return db.session.scalar(
        select(func.count(CartLine.id)).where(CartLine.cart_id == cart_id)
    ) or 0
