"""Which status an order may move to next, and the one way to move it.

The table and ``allowed_transitions`` are pure. ``record_status_change`` applies a change
inside the caller's transaction (so a caller can write, say, an outbox document in the same
commit); ``change_status`` is the complete use case with its own commit, for the back office
and the command line.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from shop.database import utcnow
from shop.errors import ShopError
from shop.extensions import db
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.orders.po_models import PurchaseOrder

log = logging.getLogger(__name__)

S = OrderStatus
TRANSITIONS: Mapping[OrderStatus, tuple[OrderStatus, ...]] = {
    S.PLACED: (S.CONFIRMED, S.REJECTED, S.CANCELLED),
    S.CONFIRMED: (S.SHIPPED, S.CANCELLED),
    S.SHIPPED: (S.INVOICED,),
    S.REJECTED: (),
    S.INVOICED: (),
    S.CANCELLED: (),
}

# Verbs for buttons and messages ("Confirm order"), so every caller words them alike.
ACTION_LABELS: Mapping[OrderStatus, str] = {
    S.CONFIRMED: "Confirm",
    S.REJECTED: "Reject",
    S.SHIPPED: "Mark as shipped",
    S.INVOICED: "Mark as invoiced",
    S.CANCELLED: "Cancel",
}

MAX_NOTE_LENGTH = 2000
PURCHASE_ORDER_ONLY = ("This order came as a cXML purchase order: confirm, ship, invoice or "
                       "cancel it on its purchase-order page, so that the buyer gets the "
                       "documents.")


class InvalidTransition(ShopError):
    """The order cannot move from its current status to the one asked for."""


def allowed_transitions(status: OrderStatus) -> tuple[OrderStatus, ...]:
    """The statuses an order in ``status`` may move to next (empty when it is final)."""
    return TRANSITIONS[status]


def can_transition(current: OrderStatus, new: OrderStatus) -> bool:
    """True when an order in ``current`` may move to ``new``."""
    return new in TRANSITIONS[current]


def record_status_change(
    order: Order, new_status: OrderStatus, actor: str, note: str = ""
) -> OrderEvent:
    """Move ``order`` to ``new_status`` and add the history entry, without committing.

    The update is conditional on the status the caller saw, so when two people act on the
    same order at once only the first change applies and the second gets InvalidTransition.
    """
    current = order.status
    if not can_transition(current, new_status):
        raise InvalidTransition(_refusal(current, new_status))
    note = note.strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidTransition(f"The note is too long (at most {MAX_NOTE_LENGTH} characters).")
    now = utcnow()
    result = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == current)
        .values(status=new_status, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidTransition(
            f"Order {order.number} was changed by someone else meanwhile; reload and try again."
        )
    # The row is already updated; tell the ORM so that it does not write it a second time.
    set_committed_value(order, "status", new_status)
    set_committed_value(order, "updated_at", now)
    event = OrderEvent(order=order, at=now, status=new_status, note=note, actor=actor)
    db.session.add(event)
    return event


def purchase_order_id(order_id: int) -> int | None:
    """The purchase order behind a shop order, when it came as a cXML OrderRequest."""
    return db.session.scalar(
        select(PurchaseOrder.id).where(PurchaseOrder.shop_order_id == order_id))


def change_status(order: Order, new_status: OrderStatus, actor: str, note: str = "") -> OrderEvent:
    """Move ``order`` to ``new_status``, record who did it and why, and commit.

    Not for an order received as a purchase order: its buyer must get a document for every
    change, so it changes only through confirm, ship, invoice and cancel
    (``shop.orders.fulfilment``), which queue those documents in the same commit.
    """
    if purchase_order_id(order.id) is not None:
        raise InvalidTransition(PURCHASE_ORDER_ONLY)
    try:
        event = record_status_change(order, new_status, actor, note)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    log.info("order %s: %s by %s", order.number, new_status.value, actor)
    return event


def _refusal(current: OrderStatus, new: OrderStatus) -> str:
    if current == new:
        return f"The order is already {current.value}."
    allowed = ", ".join(status.value for status in TRANSITIONS[current])
    if not allowed:
        return f"A {current.value} order cannot change status any more."
    return f"A {current.value} order cannot become {new.value}; it can become: {allowed}."
