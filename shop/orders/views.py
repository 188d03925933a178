"""Views of the orders feature, customer side: order history and order detail."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from shop.errors import NotFound
from shop.orders import services

bp = Blueprint("orders", __name__, url_prefix="/orders")


@bp.get("")
@login_required
def list_orders() -> str:
    """The orders of the user's company (every company's for staff), newest first."""
    page = request.args.get("page", 1, type=int) or 1
    if current_user.is_staff:
        listing = services.orders_for_company(None, page=page)
    elif current_user.company_id is not None:
        listing = services.orders_for_company(current_user.company_id, page=page)
    else:  # a user without a company has no orders
        listing = services.OrderListing([], {}, 0, 1, 25)
    return render_template("orders/list.html", listing=listing)


@bp.get("/<number>")
@login_required
def show_order(number: str) -> str:
    """One order with its lines, addresses and status history."""
    try:
        order = services.get_order_for_user(number, current_user)
    except NotFound:
        abort(404)
    return render_template("orders/detail.html", order=order)
