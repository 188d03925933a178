"""Applying a purchase order to the shop: new, update and delete, with versions and flags.

Runs inside the intake's processing transaction (it never commits). The database decides
the races: the PO row is inserted with ON CONFLICT DO NOTHING on (connection, orderID), so
of two OrderRequests with the same orderID only one creates the order, and the other is
recorded as a duplicate version; updates and deletes lock the PO row first (PostgreSQL; on
SQLite the intake already holds the write lock).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from shop import cxml
from shop.accounts.models import Company
from shop.database import utcnow
from shop.extensions import db
from shop.orders import snapshots
from shop.orders.inbound import dialect_insert
from shop.orders.models import Order, OrderEvent, OrderLine, OrderSource, OrderStatus
from shop.orders.po_checks import CheckedOrder, Finding, IntakeRefused, PoLine, check_order
from shop.orders.po_models import (
    CatalogPolicy,
    Disposition,
    OrderFlag,
    OrderPolicy,
    PurchaseOrder,
    PurchaseOrderVersion,
    VersionType,
)
from shop.orders.services import NewOrderLine, create_order

log = logging.getLogger(__name__)

# An order in one of these states has left the warehouse: the buyer can no longer change it.
FINAL = (OrderStatus.SHIPPED, OrderStatus.INVOICED)


@dataclass(frozen=True, slots=True)
class IntakeContext:
    """Who sent the document and how its orders are checked (plain values, no ORM state)."""

    connection_id: int
    connection_name: str
    company_id: int
    inbound_id: int
    payload_id: str
    policy: CatalogPolicy = CatalogPolicy.FLAG
    tolerance: Decimal = Decimal("0.01")

    @property
    def actor(self) -> str:
        return f"cXML ({self.connection_name})"[:254]


@dataclass(frozen=True, slots=True)
class Applied:
    """What an OrderRequest did: the answer text and the order it concerns."""

    text: str
    purchase_order_id: int | None
    disposition: Disposition | None


def policy_for(connection_id: int) -> tuple[CatalogPolicy, Decimal]:
    row = db.session.scalar(select(OrderPolicy).where(OrderPolicy.connection_id == connection_id))
    if row is None:
        return CatalogPolicy.FLAG, Decimal("0.01")
    return row.catalog_policy, row.price_tolerance


def apply_order_request(ctx: IntakeContext, document: cxml.CXMLDocument,
                        content_sha: str) -> Applied:
    """Create, replace or cancel the order an OrderRequest names; IntakeRefused on 4xx."""
    request = document.payload_as(cxml.OrderRequest)
    head = request.header
    if not head.order_id.strip() or len(head.order_id) > 100:
        raise IntakeRefused(400, "Bad Request: OrderRequestHeader orderID must be 1 to 100 "
                                 "characters")
    if head.type not in ("new", "update", "delete"):
        raise IntakeRefused(400, "Bad Request: OrderRequestHeader type must be new, update "
                                 "or delete")
    existing = _locked_po(ctx.connection_id, head.order_id)
    if head.type == "delete":
        return _delete(ctx, document, existing, content_sha)
    if existing is None:
        return _create(ctx, document, content_sha)
    if head.type == "new" or _same_as_current(existing, content_sha):
        return _duplicate(ctx, document, existing, content_sha)
    return _update(ctx, document, existing, content_sha)


def _locked_po(connection_id: int, order_id: str) -> PurchaseOrder | None:
    return db.session.scalar(
        select(PurchaseOrder)
        .where(PurchaseOrder.connection_id == connection_id, PurchaseOrder.order_id == order_id)
        .with_for_update()
    )


def _same_as_current(po: PurchaseOrder, content_sha: str) -> bool:
    current = db.session.scalar(select(PurchaseOrderVersion.content_sha256).where(
        PurchaseOrderVersion.purchase_order_id == po.id,
        PurchaseOrderVersion.sequence == po.current_version))
    return current == content_sha


def _company_currency(company_id: int) -> str:
    return db.session.scalar(select(Company.currency).where(Company.id == company_id)) or "EUR"


def _checked(ctx: IntakeContext, request: cxml.OrderRequest) -> CheckedOrder:
    checked = check_order(request, ctx.connection_id, ctx.company_id,
                          _company_currency(ctx.company_id), ctx.tolerance)
    if checked.findings and ctx.policy == CatalogPolicy.REJECT:
        problems = "; ".join(f.message for f in checked.findings[:3])
        more = f" (and {len(checked.findings) - 3} more)" if len(checked.findings) > 3 else ""
        raise IntakeRefused(406, f"Not Acceptable: {problems}{more}")
    return checked


# ---------- new ----------


def _create(ctx: IntakeContext, document: cxml.CXMLDocument, content_sha: str) -> Applied:
    request = document.payload_as(cxml.OrderRequest)
    checked = _checked(ctx, request)
    now = utcnow()
    po_id = db.session.execute(
        dialect_insert(PurchaseOrder).values(
            connection_id=ctx.connection_id, order_id=request.header.order_id,
            deployment_mode=document.deployment_mode, payload_id=ctx.payload_id,
            order_date=request.header.order_date, current_version=1, needs_review=False,
            created_at=now, updated_at=now, **snapshots.credentials(document),
        )
        .on_conflict_do_nothing(index_elements=["connection_id", "order_id"])
        .returning(PurchaseOrder.id)
    ).scalar_one_or_none()
    if po_id is None:
        # Another document with this orderID committed first (another worker, just now).
        existing = _locked_po(ctx.connection_id, request.header.order_id)
        assert existing is not None
        return _duplicate(ctx, document, existing, content_sha)
    po = db.session.get(PurchaseOrder, po_id)
    assert po is not None
    order = _new_order(ctx, request, checked)
    po.shop_order_id = order.id
    version = _add_version(po, ctx, document, content_sha, Disposition.APPLIED, checked)
    _add_flags(po, version, checked.findings)
    if request.header.type == "update":
        _add_flags(po, version, [Finding("update_unknown", "An update arrived for an order "
                                         "the shop never received; it was created from it.")])
    log.info("purchase order %s created order %s", request.header.order_id, order.number)
    return Applied(f"OK: order {order.number} created", po.id, Disposition.APPLIED)


def _new_order(ctx: IntakeContext, request: cxml.OrderRequest, checked: CheckedOrder) -> Order:
    head = request.header
    header = snapshots.order_header(head)
    return create_order(
        ctx.company_id, None, OrderSource.PURCHASE_ORDER, head.order_id,
        head.total.currency.upper()[:3], [_new_line(line) for line in checked.lines],
        header["ship_to"], header["bill_to"], payment_terms=header["payment_terms"],
        comments=header["comments"], shipping=_charge(head.shipping),
        tax=_charge(head.tax), actor=ctx.actor,
        note=f"Purchase order {head.order_id} received.",
    )


def _charge(charge: cxml.Charge | None) -> Decimal:
    return charge.money.amount if charge is not None else Decimal("0")


def _new_line(line: PoLine) -> NewOrderLine:
    return NewOrderLine(
        sku=line.sku, name=line.name, quantity=line.quantity, unit=line.unit,
        unit_price=line.unit_price, currency=line.currency, product_id=line.product_id,
        line_total=line.line_total, line_number=line.line_number,
        requested_delivery_date=line.requested_delivery_date, aux_id=line.aux_id,
        accounting=line.accounting, comments=line.comments,
    )


def _order_line(line: PoLine) -> OrderLine:
    return OrderLine(
        line_number=line.line_number, product_id=line.product_id, sku=line.sku, name=line.name,
        quantity=line.quantity, unit=line.unit, unit_price=line.unit_price,
        currency=line.currency, line_total=line.line_total,
        requested_delivery_date=line.requested_delivery_date, aux_id=line.aux_id,
        accounting=line.accounting, comments=line.comments,
    )


# ---------- versions and flags ----------


def _add_version(po: PurchaseOrder, ctx: IntakeContext, document: cxml.CXMLDocument,
                 content_sha: str, disposition: Disposition,
                 checked: CheckedOrder | None = None, note: str = "") -> PurchaseOrderVersion:
    head = document.payload_as(cxml.OrderRequest).header
    sequence = (db.session.scalar(select(func.max(PurchaseOrderVersion.sequence)).where(
        PurchaseOrderVersion.purchase_order_id == po.id)) or 0) + 1
    version = PurchaseOrderVersion(
        purchase_order_id=po.id, sequence=sequence, inbound_document_id=ctx.inbound_id,
        payload_id=ctx.payload_id, type=VersionType(head.type), disposition=disposition,
        order_version=head.order_version, order_date=head.order_date,
        content_sha256=content_sha, total=head.total.amount,
        currency=head.total.currency.upper()[:3], header=snapshots.version_header(head),
        lines=[line.snapshot() for line in checked.lines] if checked else [],
        note=note, received_at=utcnow(),
    )
    db.session.add(version)
    db.session.flush()
    return version


def _add_flags(po: PurchaseOrder, version: PurchaseOrderVersion,
               findings: list[Finding]) -> None:
    for finding in findings:
        db.session.add(OrderFlag(
            purchase_order_id=po.id, version_id=version.id, code=finding.code,
            line_number=finding.line_number, message=finding.message[:500],
        ))
    if findings:
        po.needs_review = True


# ---------- duplicate, update, delete ----------


def _duplicate(ctx: IntakeContext, document: cxml.CXMLDocument, po: PurchaseOrder,
               content_sha: str) -> Applied:
    head = document.payload_as(cxml.OrderRequest).header
    same = _same_as_current(po, content_sha)
    note = ("identical to the current version" if same else
            "differs from the current version: check with the buyer")
    version = _add_version(po, ctx, document, content_sha, Disposition.DUPLICATE, note=note)
    message = (f"Order {head.order_id} was sent again ({head.type}) with another payloadID "
               f"({ctx.payload_id[:80]}); {note}. Nothing was changed.")
    _add_flags(po, version, [Finding("duplicate_order", message)])
    db.session.add(OrderEvent(order_id=po.shop_order_id, actor=ctx.actor, note=message))
    log.info("purchase order %s received again under a new payloadID", head.order_id)
    return Applied(f"OK: order {head.order_id} was already received; recorded as a duplicate",
                   po.id, Disposition.DUPLICATE)


def _refuse_if_shipped(po: PurchaseOrder, what: str) -> Order:
    order = po.order
    shipped = order.status in FINAL or snapshots.has_shipments(order.id)
    if shipped:
        raise IntakeRefused(409, f"Conflict: order {po.order_id} has already shipped; "
                                 f"it can no longer be {what}")
    return order


def _update(ctx: IntakeContext, document: cxml.CXMLDocument, po: PurchaseOrder,
            content_sha: str) -> Applied:
    request = document.payload_as(cxml.OrderRequest)
    order = _refuse_if_shipped(po, "changed")
    if order.status == OrderStatus.CANCELLED:
        raise IntakeRefused(409, f"Conflict: order {po.order_id} is cancelled; send a new "
                                 "order instead")
    checked = _checked(ctx, request)
    order.lines.clear()
    db.session.flush()  # the old line numbers must be gone before the new lines reuse them
    head = request.header
    shipping, tax = _charge(head.shipping), _charge(head.tax)
    for name, value in snapshots.order_header(head).items():
        setattr(order, name, value)
    order.lines.extend(_order_line(line) for line in checked.lines)
    order.currency = head.total.currency.upper()[:3]
    order.subtotal, order.shipping, order.tax = checked.subtotal, shipping, tax
    order.total = checked.subtotal + shipping + tax
    note = f"Purchase order {po.order_id} updated by the buyer"
    if order.status == OrderStatus.CONFIRMED:
        order.status = OrderStatus.PLACED
        note += "; it needs confirming again"
    db.session.add(OrderEvent(order_id=order.id, status=order.status, actor=ctx.actor,
                              note=note + "."))
    version = _add_version(po, ctx, document, content_sha, Disposition.APPLIED, checked)
    _point_at(po, ctx, document, version)
    _add_flags(po, version, checked.findings)
    return Applied(f"OK: order {order.number} updated", po.id, Disposition.APPLIED)


def _point_at(po: PurchaseOrder, ctx: IntakeContext, document: cxml.CXMLDocument,
              version: PurchaseOrderVersion) -> None:
    """Make ``version`` the current one: our documents now refer to its payloadID."""
    po.current_version = version.sequence
    po.payload_id = ctx.payload_id
    po.order_date = version.order_date or po.order_date
    po.deployment_mode = document.deployment_mode
    for name, value in snapshots.credentials(document).items():
        setattr(po, name, value)


def _delete(ctx: IntakeContext, document: cxml.CXMLDocument, po: PurchaseOrder | None,
            content_sha: str) -> Applied:
    head = document.payload_as(cxml.OrderRequest).header
    if po is None:
        return Applied(f"OK: there is no order {head.order_id} to cancel", None, None)
    order = _refuse_if_shipped(po, "cancelled")
    if order.status == OrderStatus.CANCELLED:
        _add_version(po, ctx, document, content_sha, Disposition.DUPLICATE,
                     note="the order was already cancelled")
        return Applied(f"OK: order {order.number} was already cancelled", po.id,
                       Disposition.DUPLICATE)
    order.status = OrderStatus.CANCELLED
    db.session.add(OrderEvent(order_id=order.id, status=OrderStatus.CANCELLED, actor=ctx.actor,
                              note=f"Purchase order {po.order_id} cancelled by the buyer."))
    version = _add_version(po, ctx, document, content_sha, Disposition.APPLIED)
    _point_at(po, ctx, document, version)
    return Applied(f"OK: order {order.number} cancelled", po.id, Disposition.APPLIED)


def record_refusal(ctx: IntakeContext, document: cxml.CXMLDocument, content_sha: str,
                   refused: IntakeRefused) -> None:
    """After a 4xx: keep the refused version in the PO's history and flag it (no commit)."""
    try:
        head = document.payload_as(cxml.OrderRequest).header
    except cxml.CXMLError:
        return
    po = _locked_po(ctx.connection_id, head.order_id)
    if po is None or head.type not in ("new", "update", "delete"):
        return
    version = _add_version(po, ctx, document, content_sha, Disposition.REFUSED,
                           note=refused.text[:500])
    _add_flags(po, version, [Finding("refused", f"An OrderRequest ({head.type}) was refused "
                                     f"with {refused.code}: {refused.text}")])
