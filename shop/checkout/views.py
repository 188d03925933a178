"""Views of the checkout feature: the checkout page and the order confirmation."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from shop.accounts.models import Address
from shop.cart.services import current_cart_id
from shop.checkout.forms import CheckoutForm
from shop.checkout.services import CheckoutPage, prepare_checkout
from shop.errors import NotFound
from shop.orders import services as orders

log = logging.getLogger(__name__)
bp = Blueprint("checkout", __name__, url_prefix="/checkout")


@bp.route("", methods=["GET", "POST"])
@login_required
def place_order() -> tuple[str, int] | Response:
    """Addresses, PO number and comments, then "Place order" (pay on invoice)."""
    if g.get("punchout_cart_id") is not None:
        # In a PunchOut session the cart goes back to the procurement system instead.
        flash("Transfer your cart to your procurement system to order it.", "info")
        return redirect(url_for("cart.view"))
    try:
        page = prepare_checkout(current_cart_id(), current_user)
    except orders.OrderError as error:
        flash(str(error), "error")
        return redirect(url_for("cart.view"))
    form = CheckoutForm()
    _fill_choices(form, page)
    if form.validate_on_submit():
        try:
            order = orders.place_order(
                page.summary.cart_id or 0, current_user.id,
                form.ship_to.data, form.bill_to.data, form.po_number.data or "",
                form.comments.data or "", expected_fingerprint=form.fingerprint.data or "",
            )
        except orders.OrderError as error:
            flash(str(error), "error")
            try:
                # Show the cart as it is now; the buyer's entries stay in the form.
                page = prepare_checkout(current_cart_id(), current_user)
            except orders.OrderError:
                return redirect(url_for("cart.view"))
            _fill_choices(form, page)
        else:
            return redirect(url_for("checkout.show_confirmation", number=order.number))
    # The digest of exactly what this page shows.
    form.fingerprint.data = page.fingerprint
    status = 400 if form.is_submitted() else 200
    return render_template("checkout/checkout.html", form=form, page=page), status


def _fill_choices(form: CheckoutForm, page: CheckoutPage) -> None:
    form.ship_to.choices = [SelectChoice(str(a.id), _label(a)) for a in page.ship_to]
    form.bill_to.choices = [SelectChoice(str(a.id), _label(a)) for a in page.bill_to]


def _label(address: Address) -> str:
    parts = (address.name, address.street, f"{address.postal_code} {address.city}".strip())
    return ", ".join(part for part in parts if part) + f" ({address.country_code})"


@bp.get("/confirmation/<number>")
@login_required
def show_confirmation(number: str) -> str:
    """Thank-you page after placing an order."""
    try:
        order = orders.get_order_for_user(number, current_user)
    except NotFound:
        abort(404)
    return render_template("checkout/confirmation.html", order=order)
