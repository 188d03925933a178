"""Categories, products and per-company contract prices."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.database import money, utcnow
from shop.extensions import db


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="Category.position, Category.name"
    )

    def __repr__(self) -> str:
        return f"<Category {self.slug!r}>"


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        # Category listings sorted by name or price read only this index (no table scan).
        Index("ix_products_listing_name", "category_id", "active", "name", "id"),
        Index("ix_products_listing_price", "category_id", "active", "list_price", "id"),
        # "Newest first" listings, page 200 included, read this index only (see catalog.queries).
        Index("ix_products_listing_newest", "category_id", "active", "created_at", "id"),
        # The home page's featured products: a handful of rows, found without a table scan.
        Index("ix_products_featured", "featured", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    # Indexed for the back office's name-prefix search (admin.queries.search_products).
    name: Mapped[str] = mapped_column(String(200), index=True)
    short_description: Mapped[str] = mapped_column(String(400), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    list_price: Mapped[money]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # UN/CEFACT Recommendation 20 code: EA, BX, PK, KGM, MTR, ...
    unit: Mapped[str] = mapped_column(String(3), default="EA")
    unspsc: Mapped[str] = mapped_column(String(16), default="")
    manufacturer: Mapped[str] = mapped_column(String(120), default="")
    manufacturer_part_number: Mapped[str] = mapped_column(String(64), default="", index=True)
    lead_time_days: Mapped[int] = mapped_column(default=3)
    stock_quantity: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    featured: Mapped[bool] = mapped_column(default=False)
    # An uploaded image's URL; empty means the generated SVG drawing is used.
    image_url: Mapped[str] = mapped_column(String(500), default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()

    def __repr__(self) -> str:
        return f"<Product {self.sku!r}>"


class ContractPrice(db.Model):
    """A company's negotiated price for one product; it overrides the list price."""

    __tablename__ = "contract_prices"
    __table_args__ = (UniqueConstraint("company_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    price: Mapped[money]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")

    product: Mapped[Product] = relationship()


class CatalogVersion(db.Model):
    """One row whose number goes up in every transaction that changes products or categories.

    Every worker and host reads it (at most once per PAGE_CACHE_CHECK_SECONDS) to know
    whether the catalog pages it keeps rendered are still current (``catalog.page_cache``).
    Writers update the same row, so they take turns and the number rises in commit order.
    """

    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    version: Mapped[int] = mapped_column(default=0)
