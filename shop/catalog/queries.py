"""Read side of the catalog: home page, category listings, product pages, image data.

Every page costs a fixed number of queries whatever its size: products are loaded in one
query, prices in one (``pricing.prices_for``), the category tree in one (``tree``).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, event, func, select, true
from sqlalchemy.orm import Session, load_only

from shop.catalog.models import Category, Product
from shop.catalog.pricing import Price, price_for, prices_for
from shop.catalog.tree import CategoryNode, CategoryTree, category_tree
from shop.errors import NotFound
from shop.extensions import db

# ?sort= values. Each order ends with the id so that pages never overlap or skip, and each
# matches an index on (category_id, active, <column>, id): see Product.__table_args__.
SORTS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "name": (Product.name.asc(), Product.id.asc()),
    "price": (Product.list_price.asc(), Product.id.asc()),
    "-price": (Product.list_price.desc(), Product.id.desc()),
    "newest": (Product.created_at.desc(), Product.id.desc()),
}
SORT_LABELS = {"name": "Name", "price": "Price: low to high", "-price": "Price: high to low",
               "newest": "Newest first"}
DEFAULT_SORT = "name"
FEATURED_LIMIT = 8
MAX_KEY_LENGTH = 120  # longer slugs or SKUs cannot exist (column sizes); no query needed

# What a product card shows; the long description stays in the database.
CARD_COLUMNS = load_only(
    Product.id, Product.sku, Product.name, Product.unit, Product.list_price, Product.currency,
    Product.stock_quantity, Product.lead_time_days, Product.image_url, Product.updated_at,
    Product.category_id, Product.manufacturer, Product.manufacturer_part_number, Product.active,
)


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of product cards with the viewer's prices."""

    products: Sequence[Product]
    prices: dict[int, Price]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.products) - 1 if self.total else 0


@dataclass(frozen=True, slots=True)
class CategoryPage:
    category: CategoryNode
    listing: Listing
    sort: str
    tree: CategoryTree


@dataclass(frozen=True, slots=True)
class ProductPage:
    product: Product
    price: Price
    category: CategoryNode | None


@dataclass(frozen=True, slots=True)
class HomePage:
    categories: list[tuple[CategoryNode, int]]  # top level with active product counts
    featured: Listing


def valid_key(value: str) -> bool:
    """Whether a slug or SKU from a URL can name anything (NUL bytes break PostgreSQL)."""
    return 0 < len(value) <= MAX_KEY_LENGTH and "\x00" not in value


def page_count(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


# ---------- category listings ----------


def category_page(slug: str, page: int, sort: str, company_id: int | None,
                  per_page: int) -> CategoryPage:
    """A page of a category's active products (a parent shows its subcategories' too)."""
    tree = category_tree()
    node = tree.get(slug) if valid_key(slug) else None
    if node is None:
        raise NotFound("There is no such category.")
    sort = sort if sort in SORTS else DEFAULT_SORT
    listing = _listing(node.subtree_ids(), sort, page, per_page, company_id)
    return CategoryPage(node, listing, sort, tree)


def _listing(category_ids: list[int], sort: str, page: int, per_page: int,
             company_id: int | None) -> Listing:
    where = (Product.category_id.in_(category_ids), Product.active == true())
    total = db.session.scalar(select(func.count()).select_from(Product).where(*where)) or 0
    if page < 1 or page > page_count(total, per_page):
        raise NotFound("There is no such page.")
    order = SORTS[sort]
    # Deep pages: the inner query walks the covering index (category_id, active, <sort>, id)
    # and skips `offset` entries without touching the table; only the 24 rows of the page
    # are then read. Skipping 5,000 index entries costs well under a millisecond, so page
    # numbers (?page=200, linkable, with a page count) beat keyset cursors here; keyset
    # seeks would only pay off at offsets in the hundreds of thousands. A parent category
    # reads one index range per subcategory and sorts the entries it skips (SQLite's top-N
    # sorter): still no table rows, but its deep pages cost more than a leaf's.
    page_ids = (
        select(Product.id).where(*where).order_by(*order)
        .limit(per_page).offset((page - 1) * per_page).subquery()
    )
    products = db.session.scalars(
        select(Product).options(CARD_COLUMNS)
        .join(page_ids, Product.id == page_ids.c.id).order_by(*order)
    ).all()
    return Listing(products, prices_for(company_id, products), page, per_page, total)


# ---------- product pages ----------


def product_page(sku: str, company_id: int | None) -> ProductPage:
    """An active product with the viewer's price and its place in the tree."""
    product = db.session.scalar(
        select(Product).where(Product.sku == sku, Product.active == true())
    ) if valid_key(sku) else None
    if product is None:
        raise NotFound("There is no such product.")
    return ProductPage(product, price_for(company_id, product),
                       category_tree().node(product.category_id))


@dataclass(frozen=True, slots=True)
class ImageData:
    """What the generated product image draws, and what its cache validator is made of."""

    sku: str
    name: str
    manufacturer: str
    unit: str
    theme: str  # the top-level category's slug: picks the colour and the pictogram
    version: str


def product_image_data(sku: str) -> ImageData:
    """Data for a product's generated image (inactive products too: old orders show them)."""
    row = db.session.execute(
        select(Product.sku, Product.name, Product.manufacturer, Product.unit,
               Product.category_id, Product.updated_at).where(Product.sku == sku)
    ).first() if valid_key(sku) else None
    if row is None:
        raise NotFound("There is no such product.")
    category: CategoryNode | None = None
    if row.category_id is not None:
        category = category_tree().node(row.category_id)
    return ImageData(
        sku=row.sku, name=row.name, manufacturer=row.manufacturer, unit=row.unit,
        theme=category.root.slug if category else "",
        version=row.updated_at.isoformat(),
    )


# ---------- home page ----------


def home_page(company_id: int | None) -> HomePage:
    """Top-level categories with product counts, and featured products."""
    tree = category_tree()
    direct = active_counts_by_category()
    categories = [
        (root, sum(direct.get(category_id, 0) for category_id in root.subtree_ids()))
        for root in tree.roots
    ]
    featured = _featured(tree)
    listing = Listing(featured, prices_for(company_id, featured), 1, FEATURED_LIMIT,
                      len(featured))
    return HomePage(categories, listing)


def _featured(tree: CategoryTree) -> list[Product]:
    """Featured products, taking turns between departments so the home page shows a mix."""
    candidates = db.session.scalars(
        select(Product).options(CARD_COLUMNS)
        .where(Product.featured == true(), Product.active == true())
        .order_by(Product.name).limit(FEATURED_LIMIT * 8)
    ).all()
    queues: dict[int, list[Product]] = {}
    for product in candidates:
        node = tree.node(product.category_id)
        queues.setdefault(node.root.id if node else 0, []).append(product)
    chosen: list[Product] = []
    while len(chosen) < FEATURED_LIMIT and any(queues.values()):
        for queue in queues.values():
            if queue and len(chosen) < FEATURED_LIMIT:
                chosen.append(queue.pop(0))
    return chosen


# ---------- cached counts ----------


class TimedCache:
    """Values computed at most once per ``ttl`` seconds per process (thread-safe)."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, ttl: float, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._values.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = compute()
        with self._lock:
            self._values[key] = (now + ttl, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def catalog_cache() -> TimedCache:
    """The current app's catalog cache (one per app, so tests never share one)."""
    cache: TimedCache = current_app.extensions.setdefault("catalog_cache", TimedCache())
    return cache


def active_counts_by_category() -> dict[int, int]:
    """Active products per category (not rolled up), cached for CATALOG_CACHE_SECONDS.

    Counting 100,000 products takes milliseconds, too slow for every home page view. The
    cache is cleared at once in the process that changes the catalog through the ORM;
    other processes and hosts see the change within the TTL: a product count on a category
    card may lag by that much, never a price or a listing.
    """
    def compute() -> dict[int, int]:
        rows = db.session.execute(
            select(Product.category_id, func.count()).where(Product.active == true())
            .group_by(Product.category_id)
        )
        return {category_id: count for category_id, count in rows if category_id is not None}

    ttl = current_app.config["CATALOG_CACHE_SECONDS"]
    counts: dict[int, int] = catalog_cache().get("counts", ttl, compute)
    return counts


@event.listens_for(Session, "after_flush")
def _note_catalog_change(session: Session, flush_context: Any) -> None:
    changed = session.new | session.dirty | session.deleted
    if any(isinstance(obj, (Product, Category)) for obj in changed):
        session.info["catalog_changed"] = True


@event.listens_for(Session, "after_commit")
def _clear_after_commit(session: Session) -> None:
    if session.info.pop("catalog_changed", False) and has_app_context():
        catalog_cache().clear()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("catalog_changed", None)
