"""Carts and their lines, kept in the database for logged-in users."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalog.models import Product
from shop.database import quantity, utcnow
from shop.extensions import db


class Cart(db.Model):
    """A user's cart. PunchOut sessions get a cart of their own (see ``punchout``)."""

    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One ordinary cart per user; PunchOut carts have no owner row here (user_id is None).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", order_by="CartLine.id", cascade="all, delete-orphan"
    )


class CartLine(db.Model):
    __tablename__ = "cart_lines"
    # One line per product: adding again raises the quantity atomically instead of racing.
    __table_args__ = (UniqueConstraint("cart_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[quantity]
    # The SupplierPartAuxiliaryID a procurement system sent back for this line (PunchOut edit).
    aux_id: Mapped[str] = mapped_column(String(100), default="")
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    def __repr__(self) -> str:
        return f"<CartLine {self.product_id} x {self.quantity}>"



