"""The soak's own hands inside the shop, through the shop's services (as `flask …` does):
setting up shoppers and the buyer's document URL, staff confirming, shipping and invoicing
purchase orders while traffic runs, and reading the books afterwards.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from bench import documents, prepare
from shop import create_app
from shop.extensions import db

CONNECTION = "Bench Buyer"  # made by bench/prepare.py
SHOPPER_PASSWORD = "soak-shopper-pass-1"  # noqa: S105  (a throwaway test login)
STEPS = ("confirm", "ship", "invoice")

log = logging.getLogger(__name__)


def shop_app(database_url: str, keys: prepare.Secrets) -> Flask:
    return create_app(keys.config(database_url))


def prepare_shop(app: Flask, document_url: str, shoppers: int) -> list[str]:
    """Point the buyer connection's documents at ``document_url``; create shoppers."""
    from shop.accounts.services import create_user
    from shop.orders.buyers import connection_by_name
    from shop.punchout import services

    with app.app_context():
        connection = connection_by_name(CONNECTION)
        services.update_connection(connection.id, services.ConnectionSettings(
            name=CONNECTION, company_name=connection.company.name,
            identities=(documents.BUYER, documents.NETWORK),
            return_url_prefixes=(documents.RETURN_PREFIX,),
            document_url=document_url, outbound_identity=documents.SHOP,
        ), outbound_secret="soak-outbound-secret-7")
        emails = [f"soak-shopper-{n}@acme.test" for n in range(1, shoppers + 1)]
        for email in emails:
            create_user(email, SHOPPER_PASSWORD, "Acme Industries", first_name="Soak")
        db.session.remove()
    return emails


@dataclass
class BackOffice:
    """Staff working through accepted purchase orders: confirm, then ship, then invoice.

    Each action is one of the shop's use cases, which writes the buyer's document to the
    outbox in the same commit. A failure (the database is down) is tried again later.
    """

    app: Flask
    done: dict[str, int] = field(default_factory=dict)  # PO number → steps done
    actions: int = 0
    failures: int = 0

    def run(self, stop: threading.Event, accepted: Any, pause: float = 0.5) -> None:
        """``accepted()`` returns the PO numbers answered 200 so far."""
        while not stop.wait(pause):
            numbers = [n for n in accepted() if self.done.get(n, 0) < len(STEPS)]
            for number in random.sample(numbers, min(3, len(numbers))):
                self.advance(number)

    def advance(self, po_number: str) -> None:
        from shop.orders import fulfilment

        step = STEPS[self.done.get(po_number, 0)]
        with self.app.app_context():
            try:
                order_id = fulfilment.order_id_for(po_number, CONNECTION)
                if step == "confirm":
                    fulfilment.confirm_order(order_id, "soak@northwind.test")
                elif step == "ship":
                    fulfilment.ship_order(order_id, "soak@northwind.test", "UPS", "1Z999")
                else:
                    fulfilment.invoice_order(order_id, "soak@northwind.test", Decimal("19"))
            except Exception as error:  # noqa: BLE001  (the database may be down: retry later)
                self.failures += 1
                log.info("back office: %s %s failed: %s", step, po_number,
                         type(error).__name__)
                return
            finally:
                db.session.remove()
        self.done[po_number] = self.done.get(po_number, 0) + 1
        self.actions += 1


@dataclass(frozen=True)
class Books:
    """What the database holds, read after the soak."""

    orders_by_po: dict[str, int]  # PO number → orders carrying it
    checkout_numbers: dict[str, str]  # order number → its PO number (checkout orders)
    inbound: dict[str, tuple[str, str, int | None]]  # payloadID → sha256, status, answer
    outbox: list[tuple[str, str, str, str]]  # (PO number, payloadID, status, type) by id
    duplicate_versions: int  # PO versions recorded as duplicates


def read_books(app: Flask) -> Books:
    from shop.orders.inbound import InboundDocument
    from shop.orders.models import Order
    from shop.orders.outbox import OutboxMessage
    from shop.orders.po_models import Disposition, PurchaseOrderVersion

    with app.app_context():
        session = db.session
        orders_by_po = dict(session.execute(
            select(Order.po_number, func.count()).where(Order.po_number.like("SOAK-%"))
            .group_by(Order.po_number)).all())
        checkout_numbers = dict(session.execute(
            select(Order.number, Order.po_number)
            .where(Order.po_number.like("SOAK-CO-%"))).all())
        inbound = {row.payload_id: (row.sha256, str(row.status), row.answer_code)
                   for row in session.execute(select(
                       InboundDocument.payload_id, InboundDocument.sha256,
                       InboundDocument.status, InboundDocument.answer_code))}
        outbox = [(po or "", payload, str(status), kind) for po, payload, status, kind in
                  session.execute(select(Order.po_number, OutboxMessage.payload_id,
                                         OutboxMessage.status, OutboxMessage.document_type)
                                  .join(Order, OutboxMessage.order_id == Order.id)
                                  .order_by(OutboxMessage.id))]
        duplicates = session.scalar(
            select(func.count()).select_from(PurchaseOrderVersion)
            .where(PurchaseOrderVersion.disposition == Disposition.DUPLICATE))
        db.session.remove()
    return Books(orders_by_po, checkout_numbers, inbound, outbox, duplicates or 0)


def outbox_waiting(app: Flask) -> int:
    """Outbox documents not delivered yet (pending or being sent)."""
    from shop.orders.outbox import OutboxMessage, OutboxStatus

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING))))
        db.session.remove()
    return count or 0
