"""Staff use cases around purchase orders: catalog policies, flags, processing again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from shop.database import utcnow
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.orders import buyers, documents, inbound, intake
from shop.orders.inbound import Answer
from shop.orders.po_models import CatalogPolicy, OrderFlag, OrderPolicy, PurchaseOrder

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PolicyRow:
    connection_id: int
    connection_name: str
    policy: CatalogPolicy
    tolerance: Decimal


def policies() -> list[PolicyRow]:
    """Every cXML buyer connection with its catalog policy (the default when none is set)."""
    stored = {row.connection_id: row for row in db.session.scalars(select(OrderPolicy))}
    rows = []
    for connection in db.session.scalars(
            select(buyers.BuyerConnection).order_by(buyers.BuyerConnection.name)):
        policy = stored.get(connection.id)
        rows.append(PolicyRow(connection.id, connection.name,
                              policy.catalog_policy if policy else CatalogPolicy.FLAG,
                              policy.price_tolerance if policy else Decimal("0.01")))
    return rows


def set_policy(connection_id: int, policy: str, tolerance: Decimal | None) -> OrderPolicy:
    """Choose flag (accept) or reject (406) for a connection's catalog differences."""
    buyers.get_connection(connection_id)
    try:
        chosen = CatalogPolicy(policy)
    except ValueError:
        raise ShopError("Choose flag or reject.") from None
    if tolerance is None or not Decimal("0") <= tolerance <= Decimal("1000"):
        raise ShopError("The price tolerance is between 0 and 1000.")
    row = db.session.scalar(select(OrderPolicy).where(OrderPolicy.connection_id == connection_id))
    if row is None:
        row = OrderPolicy(connection_id=connection_id)
        db.session.add(row)
    row.catalog_policy, row.price_tolerance = chosen, tolerance
    db.session.commit()
    log.info("catalog policy of connection %s: %s (±%s)", connection_id, chosen, tolerance)
    return row


def resolve_flag(po_id: int, flag_id: int, actor: str) -> OrderFlag:
    """Mark a flag as dealt with; the PO leaves the review list when none is left open."""
    flag = db.session.get(OrderFlag, flag_id)
    if flag is None or flag.purchase_order_id != po_id:
        raise NotFound("No such flag.")
    if flag.resolved_at is None:
        flag.resolved_at, flag.resolved_by = utcnow(), actor[:254]
        po = db.session.get(PurchaseOrder, po_id)
        assert po is not None
        db.session.flush()
        po.needs_review = bool(po.open_flags)
        db.session.commit()
    return flag


def process_again(document_id: int) -> Answer:
    """Process a stored document that failed (after staff fixed the cause)."""
    token = inbound.claim_for_worker(document_id, current_app.config["INTAKE_CLAIM_LEASE"])
    if token is None:
        raise ShopError("This document is processed already, or being processed right now.")
    return intake.process_stored(document_id, token, documents.payload_host())
