"""Applying a purchase order to the shop: new, update and delete, with versions and flags.

``prepare`` reads the lines and compares them with the catalog *before* the processing
transaction begins: on SQLite that transaction holds the database's only write lock, so it
should hold it for writes, not for reads of the catalog. ``apply_order_request`` then runs
inside the intake's processing transaction (it never commits). The database decides
the races: the PO row is inserted with ON CONFLICT DO NOTHING on (connection, orderID), so
of two OrderRequests with the same orderID only one creates the order, and the other is
recorded as a duplicate version; updates and deletes lock the PO row first (PostgreSQL; on
SQLite the intake already holds the write lock).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, func, select, update

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
from shop.orders.services import NewOrderLine, create_order, insert_lines

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
    currency: str = "EUR"  # the company's: what its orders should be in

    @property
    def actor(self) -> str:
        return f"cXML ({self.connection_name})"[:254]


@dataclass(frozen=True, slots=True)
class Applied:
    """What an OrderRequest did: the answer text and the order it concerns."""

    text: str
    purchase_order_id: int | None
    disposition: Disposition | None


def intake_context(connection_id: int, connection_name: str, company_id: int,
                   inbound_id: int, payload_id: str) -> IntakeContext:
    """The context of one document: its connection's policy and its company's currency,
    read in one query."""
    row = db.session.execute(
        select(Company.currency, OrderPolicy.catalog_policy, OrderPolicy.price_tolerance)
        .select_from(Company)
        .outerjoin(OrderPolicy, OrderPolicy.connection_id == connection_id)
        .where(Company.id == company_id)
    ).first()
    currency, policy, tolerance = row if row is not None else (None, None, None)
    return IntakeContext(
        connection_id=connection_id, connection_name=connection_name, company_id=company_id,
        inbound_id=inbound_id, payload_id=payload_id,
        policy=policy or CatalogPolicy.FLAG,
        tolerance=tolerance if tolerance is not None else Decimal("0.01"),
        currency=currency or "EUR",
    )


# What ``prepare`` found: the checked lines, or the refusal to raise once the PO's state has
# been looked at (a 409 for an order already shipped comes before a 400 or a 406 about lines).
Prepared = CheckedOrder | IntakeRefused | None


def prepare(ctx: IntakeContext, document: cxml.CXMLDocument) -> Prepared:
    """Read and check the lines of a new or updated order against the catalog (reads only)."""
    try:
        request = document.payload_as(cxml.OrderRequest)
    except cxml.CXMLError:
        return None  # apply_order_request says so
    if request.header.type not in ("new", "update"):
        return None
    try:
        return _checked(ctx, request)
    except IntakeRefused as refused:
        return refused


def apply_order_request(ctx: IntakeContext, document: cxml.CXMLDocument,
                        content_sha: str, prepared: Prepared = None) -> Applied:
    """Create, replace or cancel the order an OrderRequest names; IntakeRefused on 4xx.

    ``prepared``: what ``prepare`` returned for this document (checked here when None).
    """
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
        return _create(ctx, document, content_sha, _ready(ctx, request, prepared))
    if head.type == "new" or _same_as_current(existing, content_sha):
        return _duplicate(ctx, document, existing, content_sha)
    return _update(ctx, document, existing, content_sha, prepared)


def _ready(ctx: IntakeContext, request: cxml.OrderRequest, prepared: Prepared) -> CheckedOrder:
    """The checked lines, or the refusal ``prepare`` kept for this moment."""
    if isinstance(prepared, IntakeRefused):
        raise prepared
    return prepared if prepared is not None else _checked(ctx, request)


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


def _checked(ctx: IntakeContext, request: cxml.OrderRequest) -> CheckedOrder:
    checked = check_order(request, ctx.connection_id, ctx.company_id,
                          ctx.currency, ctx.tolerance)
    if checked.findings and ctx.policy == CatalogPolicy.REJECT:
        problems = "; ".join(f.message for f in checked.findings[:3])
        more = f" (and {len(checked.findings) - 3} more)" if len(checked.findings) > 3 else ""
        raise IntakeRefused(406, f"Not Acceptable: {problems}{more}")
    return checked


# ---------- new ----------


def _create(ctx: IntakeContext, document: cxml.CXMLDocument, content_sha: str,
            checked: CheckedOrder) -> Applied:
    request = document.payload_as(cxml.OrderRequest)
    findings = list(checked.findings)
    if request.header.type == "update":
        findings.append(Finding("update_unknown", "An update arrived for an order the shop "
                                "never received; it was created from it."))
    now = utcnow()
    po_id = db.session.execute(
        dialect_insert(PurchaseOrder.__table__)
        .on_conflict_do_nothing(index_elements=["connection_id", "order_id"])
        .returning(PurchaseOrder.id),
        {"connection_id": ctx.connection_id, "order_id": request.header.order_id,
         "deployment_mode": document.deployment_mode, "payload_id": ctx.payload_id,
         "order_date": request.header.order_date, "current_version": 1,
         "needs_review": bool(findings), "created_at": now, "updated_at": now,
         **snapshots.credentials(document)},
    ).scalar_one_or_none()
    if po_id is None:
        # Another document with this orderID committed first (another worker, just now).
        existing = _locked_po(ctx.connection_id, request.header.order_id)
        assert existing is not None
        return _duplicate(ctx, document, existing, content_sha)
    order = _new_order(ctx, request, checked)
    db.session.execute(update(PurchaseOrder).where(PurchaseOrder.id == po_id)
                       .values(shop_order_id=order.id)
                       .execution_options(synchronize_session=False))
    version = _add_version(po_id, ctx, document, content_sha, Disposition.APPLIED, checked,
                           sequence=1)
    _add_flags(po_id, version, findings, review_set=True)
    log.info("purchase order %s created order %s", request.header.order_id, order.number)
    return Applied(f"OK: order {order.number} created", po_id, Disposition.APPLIED)


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


# ---------- versions and flags ----------


def _add_version(po_id: int, ctx: IntakeContext, document: cxml.CXMLDocument,
                 content_sha: str, disposition: Disposition,
                 checked: CheckedOrder | None = None, note: str = "",
                 sequence: int | None = None) -> PurchaseOrderVersion:
    """Add the version (flushed only when flags must point at it, or by the commit)."""
    head = document.payload_as(cxml.OrderRequest).header
    if sequence is None:
        sequence = (db.session.scalar(select(func.max(PurchaseOrderVersion.sequence)).where(
            PurchaseOrderVersion.purchase_order_id == po_id)) or 0) + 1
    version = PurchaseOrderVersion(
        purchase_order_id=po_id, sequence=sequence, inbound_document_id=ctx.inbound_id,
        payload_id=ctx.payload_id, type=VersionType(head.type), disposition=disposition,
        order_version=head.order_version, order_date=head.order_date,
        content_sha256=content_sha, total=head.total.amount,
        currency=head.total.currency.upper()[:3], header=snapshots.version_header(head),
        lines=[line.snapshot() for line in checked.lines] if checked else [],
        note=note, received_at=utcnow(),
    )
    db.session.add(version)
    return version


def _add_flags(po_id: int, version: PurchaseOrderVersion, findings: list[Finding],
               review_set: bool = False) -> None:
    """Flag the findings for staff; ``review_set``: the PO row already says it needs review."""
    if not findings:
        return
    db.session.flush()  # the version's id
    db.session.execute(OrderFlag.__table__.insert(), [{
        "purchase_order_id": po_id, "version_id": version.id, "code": finding.code,
        "line_number": finding.line_number, "message": finding.message[:500],
        "created_at": utcnow(), "resolved_by": "",
    } for finding in findings])
    if not review_set:
        db.session.execute(update(PurchaseOrder).where(PurchaseOrder.id == po_id)
                           .values(needs_review=True)
                           .execution_options(synchronize_session=False))


# ---------- duplicate, update, delete ----------


def _duplicate(ctx: IntakeContext, document: cxml.CXMLDocument, po: PurchaseOrder,
               content_sha: str) -> Applied:
    head = document.payload_as(cxml.OrderRequest).header
    same = _same_as_current(po, content_sha)
    note = ("identical to the current version" if same else
            "differs from the current version: check with the buyer")
    version = _add_version(po.id, ctx, document, content_sha, Disposition.DUPLICATE, note=note)
    message = (f"Order {head.order_id} was sent again ({head.type}) with another payloadID "
               f"({ctx.payload_id[:80]}); {note}. Nothing was changed.")
    _add_flags(po.id, version, [Finding("duplicate_order", message)])
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
            content_sha: str, prepared: Prepared) -> Applied:
    request = document.payload_as(cxml.OrderRequest)
    order = _refuse_if_shipped(po, "changed")
    if order.status == OrderStatus.CANCELLED:
        raise IntakeRefused(409, f"Conflict: order {po.order_id} is cancelled; send a new "
                                 "order instead")
    checked = _ready(ctx, request, prepared)
    # Core statements, not ORM collections: no session object per line, however many.
    db.session.execute(delete(OrderLine).where(OrderLine.order_id == order.id)
                       .execution_options(synchronize_session=False))
    insert_lines(order, [_new_line(line) for line in checked.lines])
    head = request.header
    shipping, tax = _charge(head.shipping), _charge(head.tax)
    for name, value in snapshots.order_header(head).items():
        setattr(order, name, value)
    order.currency = head.total.currency.upper()[:3]
    order.subtotal, order.shipping, order.tax = checked.subtotal, shipping, tax
    order.total = checked.subtotal + shipping + tax
    note = f"Purchase order {po.order_id} updated by the buyer"
    if order.status == OrderStatus.CONFIRMED:
        order.status = OrderStatus.PLACED
        note += "; it needs confirming again"
    db.session.add(OrderEvent(order_id=order.id, status=order.status, actor=ctx.actor,
                              note=note + "."))
    version = _add_version(po.id, ctx, document, content_sha, Disposition.APPLIED, checked)
    _point_at(po, ctx, document, version)
    _add_flags(po.id, version, checked.findings)
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
        _add_version(po.id, ctx, document, content_sha, Disposition.DUPLICATE,
                     note="the order was already cancelled")
        return Applied(f"OK: order {order.number} was already cancelled", po.id,
                       Disposition.DUPLICATE)
    order.status = OrderStatus.CANCELLED
    db.session.add(OrderEvent(order_id=order.id, status=OrderStatus.CANCELLED, actor=ctx.actor,
                              note=f"Purchase order {po.order_id} cancelled by the buyer."))
    version = _add_version(po.id, ctx, document, content_sha, Disposition.APPLIED)
    _point_at(po, ctx, document, version)
    return Applied(f"OK: order {order.number} cancelled", po.id, Disposition.APPLIED)


def record_refusal(ctx: IntakeContext, document: cxml.CXMLDocument, content_sha: str,
                   refused: IntakeRefused) -> bool:
    """After a 4xx: keep the refused version in the PO's history and flag it (no commit).

    False when there is no PO with this orderID (nothing to record it on).
    """
    try:
        head = document.payload_as(cxml.OrderRequest).header
    except cxml.CXMLError:
        return False
    po = _locked_po(ctx.connection_id, head.order_id)
    if po is None or head.type not in ("new", "update", "delete"):
        return po is not None
    version = _add_version(po.id, ctx, document, content_sha, Disposition.REFUSED,
                           note=refused.text[:500])
    _add_flags(po.id, version, [Finding("refused", f"An OrderRequest ({head.type}) was refused "
                                     f"with {refused.code}: {refused.text}")])
    return True
