"""Companies (buyer organisations), their users and addresses."""

from __future__ import annotations

import datetime as dt
import enum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.database import enum_column, utcnow
from shop.extensions import db


class Role(enum.StrEnum):
    BUYER = "buyer"
    COMPANY_ADMIN = "company-admin"
    STAFF = "staff"


class AddressKind(enum.StrEnum):
    SHIP_TO = "ship-to"
    BILL_TO = "bill-to"


class Company(db.Model):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # "Pay on invoice" terms offered at checkout, in days.
    payment_terms_days: Mapped[int] = mapped_column(default=30)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="company", order_by="User.email")
    addresses: Mapped[list[Address]] = relationship(
        back_populates="company", order_by="Address.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Company {self.name!r}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Always stored lower-case, so that look-ups need no function index.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # None for users created by PunchOut, who never log in with a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.BUYER)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    is_active_user: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    company: Mapped[Company | None] = relationship(back_populates="users")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_user

    @property
    def is_staff(self) -> bool:
        return self.role == Role.STAFF

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email

    def __repr__(self) -> str:
        return f"<User {self.email!r} {self.role}>"


class Address(db.Model):
    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    kind: Mapped[AddressKind] = mapped_column(enum_column(AddressKind))
    # The buyer's own key for this address (cXML Address@addressID), when known.
    code: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(100))
    country_code: Mapped[str] = mapped_column(String(2))
    is_default: Mapped[bool] = mapped_column(default=False)

    company: Mapped[Company] = relationship(back_populates="addresses")

    def snapshot(self) -> dict[str, str]:
        """The address as plain data, copied into orders so later edits do not change them."""
        return {
            "code": self.code,
            "name": self.name,
            "street": self.street,
            "postal_code": self.postal_code,
            "city": self.city,
            "country_code": self.country_code,
        }
