"""Back-office use cases for the catalog: products and categories.

One function per use case, explicit typed arguments, one commit each. Inputs arrive as
frozen dataclasses built by the forms, so nothing a request adds on its own can reach a model.
Company, user, address and contract-price use cases live in ``shop.admin.company_services``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shop.accounts.models import AddressKind, Role
from shop.catalog.models import Category, Product
from shop.errors import NotFound, ShopError
from shop.extensions import db

log = logging.getLogger(__name__)
M = TypeVar("M")


class InvalidInput(ShopError):
    """A value breaks a rule only the database can check; ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def commit(field: str | None = None, message: str = "This value is already used.") -> None:
    """Commit; a unique constraint that a concurrent request won becomes InvalidInput."""
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise InvalidInput(message, field) from error


def get_object(model: type[M], object_id: int) -> M:
    """The row with this primary key, or NotFound."""
    found = db.session.get(model, object_id)
    if found is None:
        raise NotFound(f"No {model.__name__.lower()} with id {object_id}.")
    return found


# ---------- inputs ----------


@dataclass(frozen=True, slots=True)
class ProductData:
    sku: str
    name: str
    short_description: str
    description: str
    list_price: Decimal
    currency: str
    unit: str
    unspsc: str
    manufacturer: str
    manufacturer_part_number: str
    lead_time_days: int
    stock_quantity: int
    category_id: int | None
    image_url: str
    active: bool
    featured: bool


@dataclass(frozen=True, slots=True)
class CategoryData:
    name: str
    slug: str
    description: str
    parent_id: int | None
    position: int


@dataclass(frozen=True, slots=True)
class CompanyData:
    name: str
    currency: str
    payment_terms_days: int


@dataclass(frozen=True, slots=True)
class NewUserData:
    email: str
    first_name: str
    last_name: str
    role: Role
    password: str

    def __repr__(self) -> str:  # never show the password in logs or tracebacks
        return f"NewUserData(email={self.email!r}, role={self.role!r})"


@dataclass(frozen=True, slots=True)
class AddressData:
    kind: AddressKind
    code: str
    name: str
    street: str
    postal_code: str
    city: str
    country_code: str
    is_default: bool


@dataclass(frozen=True, slots=True)
class ContractPriceData:
    price: Decimal
    currency: str


# ---------- products ----------


def create_product(data: ProductData) -> Product:
    """Add a product to the catalog."""
    _check_product(data, product_id=None)
    product = Product()
    _apply_product(product, data)
    db.session.add(product)
    commit("sku", f"SKU {data.sku} is already used by another product.")
    log.info("product %s created", product.sku)
    return product


def update_product(product_id: int, data: ProductData) -> Product:
    """Change every editable field of a product; the SKU stays what it was created with."""
    product = get_object(Product, product_id)
    if data.sku != product.sku:
        # Requisitions, purchase orders and OCI carts name the product by its SKU: renamed,
        # their lines would point at nothing (or, later, at another product).
        raise InvalidInput(f"The SKU stays {product.sku}: buyers' requisitions and purchase "
                           "orders refer to it. To sell under a new SKU, add a product and "
                           "deactivate this one.", "sku")
    _check_product(data, product_id=product.id)
    _apply_product(product, data)
    commit("sku", f"SKU {data.sku} is already used by another product.")
    log.info("product %s updated", product.sku)
    return product


def set_product_active(product_id: int, active: bool) -> Product:
    """Show or hide a product in the shop. Products are never deleted: orders refer to them."""
    product = get_object(Product, product_id)
    product.active = active
    commit()
    log.info("product %s %s", product.sku, "reactivated" if active else "deactivated")
    return product


def _check_product(data: ProductData, product_id: int | None) -> None:
    taken = db.session.scalar(select(Product.id).where(Product.sku == data.sku))
    if taken is not None and taken != product_id:
        raise InvalidInput(f"SKU {data.sku} is already used by another product.", "sku")
    if data.category_id is not None and db.session.get(Category, data.category_id) is None:
        raise InvalidInput("Choose an existing category.", "category_id")


def _apply_product(product: Product, data: ProductData) -> None:
    product.sku = data.sku
    product.name = data.name
    product.short_description = data.short_description
    product.description = data.description
    product.list_price = data.list_price
    product.currency = data.currency
    product.unit = data.unit
    product.unspsc = data.unspsc
    product.manufacturer = data.manufacturer
    product.manufacturer_part_number = data.manufacturer_part_number
    product.lead_time_days = data.lead_time_days
    product.stock_quantity = data.stock_quantity
    product.category_id = data.category_id
    product.image_url = data.image_url
    product.active = data.active
    product.featured = data.featured


# ---------- categories ----------


def create_category(data: CategoryData) -> Category:
    """Add a category, at the top level or under a parent."""
    _check_category(data, category_id=None)
    category = Category(name=data.name, slug=data.slug, description=data.description,
                        parent_id=data.parent_id, position=data.position)
    db.session.add(category)
    commit("slug", f"The slug {data.slug} is already used.")
    log.info("category %s created", category.slug)
    return category


def update_category(category_id: int, data: CategoryData) -> Category:
    """Rename, describe, move or reposition a category; refuses to make a cycle."""
    category = get_object(Category, category_id)
    _check_category(data, category_id=category.id)
    category.name = data.name
    category.slug = data.slug
    category.description = data.description
    category.parent_id = data.parent_id
    category.position = data.position
    commit("slug", f"The slug {data.slug} is already used.")
    log.info("category %s updated", category.slug)
    return category


def descendant_ids(category_id: int) -> set[int]:
    """The ids of a category's children, grandchildren and so on (one query)."""
    children: dict[int | None, list[int]] = {}
    for cid, parent_id in db.session.execute(select(Category.id, Category.parent_id)):
        children.setdefault(parent_id, []).append(cid)
    found: set[int] = set()
    stack = list(children.get(category_id, []))
    while stack:
        cid = stack.pop()
        if cid not in found:
            found.add(cid)
            stack.extend(children.get(cid, []))
    return found


def _check_category(data: CategoryData, category_id: int | None) -> None:
    taken = db.session.scalar(select(Category.id).where(Category.slug == data.slug))
    if taken is not None and taken != category_id:
        raise InvalidInput(f"The slug {data.slug} is already used.", "slug")
    if data.parent_id is None:
        return
    if db.session.get(Category, data.parent_id) is None:
        raise InvalidInput("Choose an existing parent category.", "parent_id")
    if category_id is not None and (
        data.parent_id == category_id or data.parent_id in descendant_ids(category_id)
    ):
        raise InvalidInput("A category cannot be placed under itself or one of its "
                           "subcategories.", "parent_id")


def move_category(category_id: int, offset: int) -> Category:
    """Move a category up (-1) or down (+1) among its siblings; positions become 0, 1, 2…"""
    category = get_object(Category, category_id)
    siblings = list(db.session.scalars(
        select(Category).where(_same_parent(category.parent_id))
        .order_by(Category.position, Category.name, Category.id)
    ))
    index = siblings.index(category)
    target = index + offset
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    commit()
    return category


def _same_parent(parent_id: int | None):  # type: ignore[no-untyped-def]
    return Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id


def next_position(parent_id: int | None) -> int:
    """The position that puts a new category last among its siblings."""
    highest = db.session.scalar(select(func.max(Category.position)).where(_same_parent(parent_id)))
    return 0 if highest is None else highest + 1
