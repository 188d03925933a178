"""Orders and their lines: snapshots of what was bought, whether by checkout or purchase order."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.accounts.models import Company, User
from shop.database import enum_column, money, quantity, utcnow
from shop.extensions import db


class OrderStatus(enum.StrEnum):
    PLACED = "placed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    SHIPPED = "shipped"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"


class OrderSource(enum.StrEnum):
    CHECKOUT = "checkout"  # placed in the web shop
    PURCHASE_ORDER = "purchase-order"  # received as a cXML OrderRequest


class Order(db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The shop's own order number, shown to everyone (e.g. "SO-100042").
    number: Mapped[str] = mapped_column(String(32), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    source: Mapped[OrderSource] = mapped_column(
        enum_column(OrderSource), default=OrderSource.CHECKOUT
    )
    status: Mapped[OrderStatus] = mapped_column(
        enum_column(OrderStatus), default=OrderStatus.PLACED, index=True
    )
    # The buyer's purchase-order number (cXML orderID for purchase orders).
    po_number: Mapped[str] = mapped_column(String(100), default="", index=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    subtotal: Mapped[money]
    shipping: Mapped[money] = mapped_column(default=Decimal("0"))
    tax: Mapped[money] = mapped_column(default=Decimal("0"))
    total: Mapped[money]
    ship_to: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    bill_to: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    payment_terms: Mapped[str] = mapped_column(String(200), default="")
    comments: Mapped[str] = mapped_column(Text, default="")
    placed_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    company: Mapped[Company] = relationship()
    user: Mapped[User | None] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.line_number", cascade="all, delete-orphan"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Order {self.number} {self.status}>"


class OrderLine(db.Model):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    line_number: Mapped[int]
    # Snapshot of the product as bought; product_id is kept for links, may be None.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(400))
    quantity: Mapped[quantity]
    unit: Mapped[str] = mapped_column(String(3), default="EA")
    unit_price: Mapped[money]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    line_total: Mapped[money]
    requested_delivery_date: Mapped[dt.date | None]
    # SupplierPartAuxiliaryID, as sent back by the procurement system.
    aux_id: Mapped[str] = mapped_column(String(100), default="")
    accounting: Mapped[list[Any]] = mapped_column(JSON, default=list)
    comments: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderEvent(db.Model):
    """One entry of an order's history: a status change or a note, with who did it."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[OrderStatus | None] = mapped_column(enum_column(OrderStatus))
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(254), default="")

    order: Mapped[Order] = relationship(back_populates="events")
