"""What the shop did with an order after receiving it: confirmations, shipments, invoices.

Each row is the record of one action and of the document it sent (``outbox_message_id``);
the quantities confirmed, shipped and invoiced per line are computed from them.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.database import money, quantity, utcnow
from shop.extensions import db
from shop.orders.models import Order, OrderLine


class LineDecision(enum.StrEnum):
    """What the shop says about (part of) an order line."""

    ACCEPT = "accept"
    REJECT = "reject"
    BACKORDER = "backordered"


class Confirmation(db.Model):
    """An order confirmation (or rejection) as sent to the buyer."""

    __tablename__ = "order_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    confirm_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(20))  # accept, reject or detail
    # [{"line_number", "decisions": [{"type", "quantity", "delivery_date"}]}]
    lines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    comments: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))

    order: Mapped[Order] = relationship()

    def accepted_quantities(self) -> dict[int, Decimal]:
        """Per line number, the quantity to be delivered (accepted or backordered)."""
        result: dict[int, Decimal] = {}
        for line in self.lines:
            wanted = sum((Decimal(d["quantity"]) for d in line["decisions"]
                          if d["type"] != LineDecision.REJECT), Decimal("0"))
            result[int(line["line_number"])] = wanted
        return result


class Shipment(db.Model):
    """One parcel (or pallet): carrier, tracking number and the quantities in it."""

    __tablename__ = "order_shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    shipment_id: Mapped[str] = mapped_column(String(64), unique=True)
    carrier: Mapped[str] = mapped_column(String(100))
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    shipped_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    complete: Mapped[bool] = mapped_column(default=False)  # the last shipment of the order
    actor: Mapped[str] = mapped_column(String(254), default="")
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))

    order: Mapped[Order] = relationship()
    lines: Mapped[list[ShipmentLine]] = relationship(
        back_populates="shipment", order_by="ShipmentLine.line_number",
        cascade="all, delete-orphan",
    )


class ShipmentLine(db.Model):
    __tablename__ = "order_shipment_lines"
    __table_args__ = (UniqueConstraint("shipment_id", "order_line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(
        ForeignKey("order_shipments.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    line_number: Mapped[int]
    quantity: Mapped[quantity]

    shipment: Mapped[Shipment] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()


class Invoice(db.Model):
    """An invoice for shipped quantities, with its tax and payment terms."""

    __tablename__ = "order_invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    invoice_id: Mapped[str] = mapped_column(String(64), unique=True)
    invoice_date: Mapped[dt.datetime] = mapped_column(default=utcnow)
    currency: Mapped[str] = mapped_column(String(3))
    # Percent, e.g. 19.
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(7, 4), default=Decimal("0"))
    pay_in_days: Mapped[int] = mapped_column(default=30)
    subtotal: Mapped[money]
    shipping: Mapped[money] = mapped_column(default=Decimal("0"))
    tax: Mapped[money]
    net: Mapped[money]
    actor: Mapped[str] = mapped_column(String(254), default="")
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))

    order: Mapped[Order] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.line_number",
        cascade="all, delete-orphan",
    )


class InvoiceLine(db.Model):
    __tablename__ = "order_invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "order_line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("order_invoices.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    line_number: Mapped[int]
    quantity: Mapped[quantity]
    unit_price: Mapped[money]
    amount: Mapped[money]

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()
