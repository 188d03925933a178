"""Back office for purchase orders: incoming POs and documents, actions, timeline, outbox.

Staff only (``shop.admin.staff_only``); the pages extend ``admin/base.html`` and appear in
the back-office navigation through ``register_section``.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from shop.admin import register_section, staff_only
from shop.errors import NotFound, ShopError
from shop.orders import fulfilment, outbox, po_policies, po_queries
from shop.orders.inbound import InboundStatus
from shop.orders.outbox import OutboxStatus
from shop.orders.po_forms import (
    DECISIONS,
    CancelForm,
    ConfirmForm,
    InvoiceForm,
    PolicyForm,
    ShipForm,
    decisions_from,
    quantities_from,
)

bp = staff_only(Blueprint("po_admin", __name__, url_prefix="/admin"))

register_section("Purchase orders", "po_admin.list_purchase_orders", order=55)
register_section("Incoming documents", "po_admin.list_documents", order=56)
register_section("Outbox", "po_admin.list_outbox", order=57)


@bp.errorhandler(NotFound)
def _not_found(error: NotFound) -> tuple[str, int]:
    return render_template("errors/404.html", error=error), 404


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


@bp.get("/purchase-orders")
def list_purchase_orders() -> str:
    review = request.args.get("review") == "1"
    return render_template("orders/admin/purchase_orders.html", review=review,
                           page=po_queries.list_purchase_orders(review, _page()))


@bp.get("/purchase-orders/<int:po_id>")
def show_purchase_order(po_id: int) -> str:
    po = po_queries.get_purchase_order(po_id)
    return render_template(
        "orders/admin/purchase_order.html", po=po, order=po.order,
        progress=po_queries.progress(po.order), records=po_queries.records(po.order.id),
        messages=outbox.list_messages(order_id=po.order.id),
        connection=po_queries.connection_names([po.order.id]).get(po.order.id, ""),
        decisions=DECISIONS, confirm_form=ConfirmForm(), ship_form=ShipForm(),
        invoice_form=InvoiceForm(), cancel_form=CancelForm(),
    )


@bp.get("/purchase-orders/<int:po_id>/timeline")
def show_timeline(po_id: int) -> str:
    po = po_queries.get_purchase_order(po_id)
    return render_template("orders/admin/timeline.html", po=po, order=po.order,
                           entries=po_queries.timeline(po))


# ---------- actions ----------
# A purchase order's status changes only through these four actions: each one records what
# was done and queues the document that tells the buyer, in one commit. (The generic status
# form of the back office refuses orders that came as purchase orders.)


def _act(po_id: int, action: Callable[[int, list[int], str], str]) -> Response:
    """Run one back-office action on a PO's order, flash its outcome, go back to the PO."""
    po = po_queries.get_purchase_order(po_id)
    order = po.order
    numbers = [line.line_number for line in order.lines]
    try:
        message = action(order.id, numbers, current_user.email)
    except ShopError as error:
        flash(str(error), "error")
    else:
        flash(message, "success")
    return redirect(url_for(".show_purchase_order", po_id=po_id))


def _require(valid: bool, form: object) -> None:
    if not valid:
        errors = [m for messages in form.errors.values() for m in messages]  # type: ignore[attr-defined]
        raise ShopError(" ".join(errors) or "The form could not be read; please try again.")


@bp.post("/purchase-orders/<int:po_id>/confirm")
def confirm_purchase_order(po_id: int) -> ResponseReturnValue:
    """Accept or reject the order, whole or per line: a ConfirmationRequest."""

    def confirm(order_id: int, numbers: list[int], actor: str) -> str:
        form = ConfirmForm()
        _require(form.validate_on_submit(), form)
        reject = request.form.get("reject_all") == "1"
        confirmation = fulfilment.confirm_order(
            order_id, actor, reject=reject, comments=form.comments.data or "",
            lines=[] if reject else decisions_from(request.form, numbers))
        return f"Confirmation {confirmation.confirm_id} ({confirmation.type}) queued."

    return _act(po_id, confirm)


@bp.post("/purchase-orders/<int:po_id>/ship")
def ship_purchase_order(po_id: int) -> ResponseReturnValue:
    """Ship all that is left, or the quantities entered: a ShipNoticeRequest."""

    def ship(order_id: int, numbers: list[int], actor: str) -> str:
        form = ShipForm()
        _require(form.validate_on_submit(), form)
        shipment = fulfilment.ship_order(order_id, actor, form.carrier.data or "",
                                         form.tracking.data or "",
                                         quantities_from(request.form, numbers))
        return f"Shipment {shipment.shipment_id} queued for the buyer."

    return _act(po_id, ship)


@bp.post("/purchase-orders/<int:po_id>/invoice")
def invoice_purchase_order(po_id: int) -> ResponseReturnValue:
    """Invoice what was shipped: an InvoiceDetailRequest."""

    def invoice(order_id: int, numbers: list[int], actor: str) -> str:
        form = InvoiceForm()
        _require(form.validate_on_submit(), form)
        done = fulfilment.invoice_order(order_id, actor, form.tax_rate.data,
                                        form.pay_in_days.data)
        return f"Invoice {done.invoice_id} queued for the buyer."

    return _act(po_id, invoice)


@bp.post("/purchase-orders/<int:po_id>/cancel")
def cancel_purchase_order(po_id: int) -> ResponseReturnValue:
    """Cancel an order not shipped yet: a rejecting ConfirmationRequest."""

    def cancel(order_id: int, numbers: list[int], actor: str) -> str:
        form = CancelForm()
        _require(form.validate_on_submit(), form)
        fulfilment.cancel_order(order_id, actor, form.reason.data or "")
        return "Order cancelled; the buyer will be told."

    return _act(po_id, cancel)


@bp.post("/purchase-orders/<int:po_id>/flags/<int:flag_id>/resolve")
def resolve_flag(po_id: int, flag_id: int) -> ResponseReturnValue:
    po_policies.resolve_flag(po_id, flag_id, current_user.email)
    flash("Flag marked as resolved.", "success")
    return redirect(url_for(".show_purchase_order", po_id=po_id))


# ---------- incoming documents ----------


@bp.get("/purchase-orders/documents")
def list_documents() -> str:
    status = request.args.get("status", "")
    wanted = InboundStatus(status) if status in {s.value for s in InboundStatus} else None
    page = _page()
    documents = po_queries.list_documents(wanted, limit=50, offset=(page - 1) * 50)
    return render_template("orders/admin/documents.html", documents=documents, status=status,
                           statuses=list(InboundStatus), page=page)


@bp.get("/purchase-orders/documents/<int:document_id>")
def show_document(document_id: int) -> str:
    return render_template("orders/admin/document.html",
                           document=po_queries.get_document(document_id))


@bp.post("/purchase-orders/documents/<int:document_id>/process")
def process_document(document_id: int) -> ResponseReturnValue:
    try:
        answer = po_policies.process_again(document_id)
    except ShopError as error:
        flash(str(error), "error")
    else:
        flash(f"Processed: {answer.code} {answer.text}", "success")
    return redirect(url_for(".show_document", document_id=document_id))


# ---------- outbox ----------


@bp.get("/outbox")
def list_outbox() -> str:
    status = request.args.get("status", "")
    wanted = OutboxStatus(status) if status in {s.value for s in OutboxStatus} else None
    page = _page()
    messages = outbox.list_messages(wanted, limit=50, offset=(page - 1) * 50)
    return render_template("orders/admin/outbox.html", messages=messages, status=status,
                           statuses=list(OutboxStatus), page=page)


@bp.get("/outbox/<int:message_id>")
def show_message(message_id: int) -> str:
    return render_template("orders/admin/message.html", message=outbox.get_message(message_id))


@bp.post("/outbox/<int:message_id>/resend")
def resend_message(message_id: int) -> ResponseReturnValue:
    try:
        outbox.resend(message_id, current_user.email)
    except ShopError as error:
        flash(str(error), "error")
    else:
        flash("The document will be sent again (same payloadID).", "success")
    return redirect(url_for(".show_message", message_id=message_id))


# ---------- policies ----------


@bp.get("/purchase-orders/policies")
def list_policies() -> str:
    return render_template("orders/admin/policies.html", rows=po_policies.policies(),
                           form=PolicyForm())


@bp.post("/purchase-orders/policies/<int:connection_id>")
def save_policy(connection_id: int) -> ResponseReturnValue:
    form = PolicyForm()
    try:
        _require(form.validate_on_submit(), form)
        po_policies.set_policy(connection_id, form.catalog_policy.data or "flag",
                               form.price_tolerance.data)
    except ShopError as error:
        flash(str(error), "error")
    else:
        flash("Policy saved.", "success")
    return redirect(url_for(".list_policies"))
