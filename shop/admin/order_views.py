"""Back-office pages for orders: the list, one order, and changing its status."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from shop.admin import queries
from shop.admin.forms import OrderSearchForm, OrderStatusForm
from shop.admin.services import get_object
from shop.admin.views import bp
from shop.orders import status as order_status
from shop.orders.models import Order, OrderStatus


@bp.get("/orders")
def list_orders() -> str:
    form = OrderSearchForm(request.args)
    form.set_companies(queries.company_choices())
    text, status, company_id = form.filters()
    page = queries.search_orders(text, status, company_id,
                                 queries.page_number(request.args.get("page")))
    return render_template("admin/orders/list.html", form=form, page=page)


@bp.get("/orders/<int:order_id>")
def show_order(order_id: int) -> str:
    order = queries.order_detail(order_id)
    form = OrderStatusForm()
    # A purchase order changes status only through its own actions (with documents).
    po_id = order_status.purchase_order_id(order.id)
    allowed = () if po_id is not None else order_status.allowed_transitions(order.status)
    form.set_statuses([(s.value, order_status.ACTION_LABELS[s]) for s in allowed])
    return render_template("admin/orders/detail.html", order=order, form=form,
                           allowed=allowed, po_id=po_id)


@bp.post("/orders/<int:order_id>/status")
def change_order_status(order_id: int) -> ResponseReturnValue:
    order = get_object(Order, order_id)
    form = OrderStatusForm()
    if not form.validate_on_submit():
        errors = [message for messages in form.errors.values() for message in messages]
        flash(" ".join(errors) or "Choose a new status.", "error")
    else:
        new_status = OrderStatus(form.status.data)
        try:
            order_status.change_status(order, new_status, current_user.email, form.note.data or "")
        except order_status.InvalidTransition as error:
            flash(str(error), "error")
        else:
            flash(f"Order {order.number} is now {new_status.value}.", "success")
    return redirect(url_for(".show_order", order_id=order_id))
