"""Purchase orders received as cXML: the PO behind a shop order, its versions and its flags.

A ``PurchaseOrder`` exists once per (buyer connection, orderID): the unique constraint is what
keeps a PO from being created twice, whichever worker or database receives it. Every
OrderRequest that names the PO becomes a ``PurchaseOrderVersion`` (applied, or recorded as a
duplicate, or refused), so the history of a PO is the list of its versions.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.database import enum_column, money, utcnow
from shop.extensions import db
from shop.orders.models import Order


class CatalogPolicy(enum.StrEnum):
    """What to do when a PO does not match the catalog (unknown SKU, price, currency, total)."""

    FLAG = "flag"  # accept the order and flag the differences for staff (the default)
    REJECT = "reject"  # refuse the whole OrderRequest with cXML status 406


class VersionType(enum.StrEnum):
    NEW = "new"
    UPDATE = "update"
    DELETE = "delete"


class Disposition(enum.StrEnum):
    """What an OrderRequest did to its PO."""

    APPLIED = "applied"  # created, replaced or cancelled the order
    DUPLICATE = "duplicate"  # the same orderID again with another payloadID: recorded only
    REFUSED = "refused"  # answered 4xx (e.g. an update after shipment): recorded only


class PurchaseOrder(db.Model):
    """A buyer's purchase order (orderID) and the shop order it became."""

    __tablename__ = "purchase_orders"
    __table_args__ = (
        # The business key: one PO per orderID and connection, enforced by the database so
        # that concurrent deliveries on several workers cannot create it twice.
        UniqueConstraint("connection_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("buyer_connections.id"), index=True)
    order_id: Mapped[str] = mapped_column(String(100))
    # Set in the same transaction that inserts the row (never NULL once committed).
    shop_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), unique=True)
    deployment_mode: Mapped[str] = mapped_column(String(16), default="production")
    # Header credentials of the latest applied version: documents go back with them swapped.
    buyer_credentials: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    shop_credentials: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    # payloadID of the latest applied OrderRequest: what our documents refer to.
    payload_id: Mapped[str] = mapped_column(String(255))
    order_date: Mapped[dt.datetime | None]
    current_version: Mapped[int] = mapped_column(default=1)
    needs_review: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship()
    versions: Mapped[list[PurchaseOrderVersion]] = relationship(
        back_populates="purchase_order", order_by="PurchaseOrderVersion.sequence",
        cascade="all, delete-orphan",
    )
    flags: Mapped[list[OrderFlag]] = relationship(
        back_populates="purchase_order", order_by="OrderFlag.id", cascade="all, delete-orphan"
    )

    @property
    def open_flags(self) -> list[OrderFlag]:
        return [flag for flag in self.flags if flag.resolved_at is None]

    def __repr__(self) -> str:
        return f"<PurchaseOrder {self.order_id} v{self.current_version}>"


class PurchaseOrderVersion(db.Model):
    """One OrderRequest about a PO, with a snapshot of its header and lines."""

    __tablename__ = "purchase_order_versions"
    __table_args__ = (UniqueConstraint("purchase_order_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int]  # 1, 2, 3 … in the order the shop received them
    # One version per stored document: a replayed payloadID never adds a version.
    inbound_document_id: Mapped[int] = mapped_column(
        ForeignKey("inbound_documents.id"), unique=True
    )
    payload_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[VersionType] = mapped_column(enum_column(VersionType))
    disposition: Mapped[Disposition] = mapped_column(enum_column(Disposition))
    order_version: Mapped[int | None]  # OrderRequestHeader@orderVersion, as sent
    order_date: Mapped[dt.datetime | None]
    # sha256 of the canonical OrderRequest element (without envelope and Header): tells an
    # identical resend under a new payloadID from a genuine change.
    content_sha256: Mapped[str] = mapped_column(String(64))
    total: Mapped[money]
    currency: Mapped[str] = mapped_column(String(3))
    header: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="versions")


class OrderFlag(db.Model):
    """Something about a PO that staff should look at: a price, an unknown SKU, a duplicate."""

    __tablename__ = "purchase_order_flags"
    __table_args__ = (Index("ix_purchase_order_flags_open", "purchase_order_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_orders.id", ondelete="CASCADE")
    )
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchase_order_versions.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(String(40))
    line_number: Mapped[int | None]
    message: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[str] = mapped_column(String(254), default="")

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="flags")


class OrderPolicy(db.Model):
    """How purchase orders of one buyer connection are checked against the catalog."""

    __tablename__ = "purchase_order_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("buyer_connections.id"), unique=True)
    catalog_policy: Mapped[CatalogPolicy] = mapped_column(
        enum_column(CatalogPolicy), default=CatalogPolicy.FLAG
    )
    # A unit price within this much of the expected one is the same price (rounding).
    price_tolerance: Mapped[money] = mapped_column(default=Decimal("0.01"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
