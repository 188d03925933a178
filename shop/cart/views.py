"""Views of the cart feature: the cart page, adding, changing and removing lines.

Which cart a request works on is decided by ``services.current_cart_id`` only (a PunchOut
session's cart or the user's own), never here.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from shop.accounts.next_url import safe_next
from shop.cart import services
from shop.cart.forms import AddToCartForm, CartActionForm, LineQuantityForm
from shop.extensions import db
from shop.formatting import format_quantity

log = logging.getLogger(__name__)
bp = Blueprint("cart", __name__, url_prefix="/cart")

READ_ONLY_MESSAGE = "This cart can only be viewed; it cannot be changed."


@bp.app_context_processor
def inject_cart_line_count() -> dict[str, object]:
    """``cart_line_count()`` in every template (queried only when a template calls it)."""
    return {"cart_line_count": header_line_count}


def header_line_count() -> int:
    """Lines in the request's cart, for the header; 0 when the database does not answer."""
    try:
        return services.current_cart_line_count()
    except SQLAlchemyError:
        # The header is also drawn on error pages; a database outage must not break them.
        db.session.rollback()
        return 0


@bp.get("")
@login_required
def view() -> str:
    """The cart with the company's prices, line totals and the subtotal."""
    summary = services.cart_summary(services.current_cart_id(), current_user.company_id)
    return render_template(
        "cart/cart.html", summary=summary, line_form=LineQuantityForm(),
        action_form=CartActionForm(), read_only=services.cart_is_read_only(),
    )


@bp.post("/add")
def add() -> Response:
    """Add a product (fields ``sku``, ``quantity``, optional ``next``); prices are never read."""
    form = AddToCartForm()
    back = safe_next(form.next.data)
    if not current_user.is_authenticated:
        flash("Please log in to add products to your cart.", "info")
        return redirect(url_for("accounts.login", next=back or url_for("cart.view")))
    if services.cart_is_read_only():
        flash(READ_ONLY_MESSAGE, "error")
        return redirect(url_for("cart.view"))
    try:
        cart_id = services.current_cart_id(create=True)
        assert cart_id is not None
        added = services.add_to_cart(cart_id, form.sku.data or "", form.quantity.data or "")
    except services.CartError as error:
        flash(str(error), "error")
        return redirect(back or url_for("cart.view"))
    flash(f"Added {format_quantity(added.added)} × {added.product.name} to your cart.", "success")
    return redirect(back or url_for("cart.view"))


@bp.post("/lines/<int:line_id>")
@login_required
def update_line(line_id: int) -> Response:
    """Change a line's quantity (0 removes it)."""
    form = LineQuantityForm()
    if not form.validate_on_submit():
        abort(400)
    if services.cart_is_read_only():
        flash(READ_ONLY_MESSAGE, "error")
        return redirect(url_for("cart.view"))
    try:
        quantity = services.set_line_quantity(_cart_id(), line_id, form.quantity.data or "")
    except services.CartError as error:
        flash(str(error), "error")
    else:
        flash("The line is removed." if quantity == 0 else "The quantity is updated.", "success")
    return redirect(url_for("cart.view"))


@bp.post("/lines/<int:line_id>/remove")
@login_required
def remove_line(line_id: int) -> Response:
    """Remove one line."""
    if not CartActionForm().validate_on_submit():
        abort(400)
    if services.cart_is_read_only():
        flash(READ_ONLY_MESSAGE, "error")
        return redirect(url_for("cart.view"))
    try:
        services.remove_line(_cart_id(), line_id)
    except services.CartError as error:
        flash(str(error), "error")
    else:
        flash("The line is removed.", "success")
    return redirect(url_for("cart.view"))


@bp.post("/clear")
@login_required
def clear() -> Response:
    """Remove every line."""
    if not CartActionForm().validate_on_submit():
        abort(400)
    if services.cart_is_read_only():
        flash(READ_ONLY_MESSAGE, "error")
        return redirect(url_for("cart.view"))
    services.clear_cart(_cart_id())
    flash("Your cart is empty now.", "success")
    return redirect(url_for("cart.view"))


def _cart_id() -> int:
    cart_id = services.current_cart_id(create=True)
    assert cart_id is not None  # login_required guarantees a user
    return cart_id
