"""Back-office reads: dashboard figures, lists with search and pagination, detail pages.

Every list issues a constant number of queries whatever its length (related rows are loaded
eagerly) and searches only by prefix on indexed columns, so lists stay fast with 100,000
products: ``column >= 'abc' AND column < 'abd'`` is a range scan of the column's index on
SQLite and on PostgreSQL alike, where ``LIKE '%abc%'`` would read the whole table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from shop.accounts.models import Company, User
from shop.admin.services import get_object
from shop.catalog.models import Category, ContractPrice, Product
from shop.extensions import db
from shop.orders.models import Order, OrderStatus

T = TypeVar("T")
PER_PAGE = 50
MAX_PAGE = 10_000


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list; ``has_next`` comes from fetching one row more, not from a COUNT."""

    items: Sequence[T]
    number: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.number > 1


def page_number(raw: str | None) -> int:
    """The page asked for in the query string; anything odd means page 1."""
    if raw is None or not raw.isdigit():
        return 1
    return max(1, min(int(raw), MAX_PAGE))


def paginate(query: Select[Any], number: int, per_page: int = PER_PAGE) -> Page[Any]:
    rows = list(db.session.scalars(query.limit(per_page + 1).offset((number - 1) * per_page))
                .unique())
    return Page(items=rows[:per_page], number=number, has_next=len(rows) > per_page)


def _after(prefix: str) -> str:
    """The smallest string greater than every string that starts with ``prefix``."""
    while prefix:
        code = ord(prefix[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be stored; skip past them
            code = 0xE000
        if code <= 0x10FFFF:
            return prefix[:-1] + chr(code)
        prefix = prefix[:-1]
    return "\U0010ffff"


def prefix_match(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` starts with ``text`` as typed, in UPPER, lower or Capitalised form.

    Range comparisons use the column's index (LIKE on SQLite does not). Trying four spellings
    finds "pen-001" for PEN-001 and "ballpoint" for "Ballpoint pen" while staying indexable.
    """
    spellings = {text, text.upper(), text.lower(), text[:1].upper() + text[1:]}
    return or_(*(and_(column >= s, column < _after(s)) for s in sorted(spellings)))


# ---------- dashboard ----------


@dataclass(frozen=True, slots=True)
class Dashboard:
    active_products: int
    inactive_products: int
    companies: int
    orders_by_status: dict[OrderStatus, int]
    latest_orders: Sequence[Order]


def dashboard(latest: int = 10) -> Dashboard:
    """The figures on the back-office home page (four queries)."""
    products = dict(db.session.execute(
        select(Product.active, func.count()).group_by(Product.active)).all())
    by_status = dict(db.session.execute(
        select(Order.status, func.count()).group_by(Order.status)).all())
    latest_orders = db.session.scalars(
        select(Order).options(joinedload(Order.company))
        .order_by(Order.placed_at.desc(), Order.id.desc()).limit(latest)
    ).all()
    return Dashboard(
        active_products=products.get(True, 0), inactive_products=products.get(False, 0),
        companies=db.session.scalar(select(func.count()).select_from(Company)) or 0,
        orders_by_status={status: by_status.get(status, 0) for status in OrderStatus},
        latest_orders=latest_orders,
    )


# ---------- catalog ----------


def search_products(text: str, status: str, number: int) -> Page[Product]:
    """Products by SKU or name prefix, optionally only active or inactive ones, by SKU."""
    return paginate(product_search(text, status), number)


def product_search(text: str, status: str) -> Select[tuple[Product]]:
    """The query behind ``search_products``, every page of it."""
    query = select(Product).options(joinedload(Product.category)).order_by(Product.sku)
    if text:
        # The matches are collected first, through the SKU and name indexes. Left to itself,
        # the planner walks the whole SKU index in order instead, hoping to fill the page
        # early, and reads all 100,000 products when few or none match.
        matches = (
            select(Product.id)
            .where(or_(prefix_match(Product.sku, text), prefix_match(Product.name, text)))
            .cte("matches").prefix_with("MATERIALIZED")
        )
        query = query.join(matches, matches.c.id == Product.id)
    if status in ("active", "inactive"):
        query = query.where(Product.active.is_(status == "active"))
    return query


@dataclass(frozen=True, slots=True)
class TreeRow:
    category: Category
    depth: int
    product_count: int
    first: bool  # first among its siblings (no "move up")
    last: bool


def category_tree() -> list[TreeRow]:
    """Every category in tree order with its depth and product count (two queries)."""
    categories = db.session.scalars(
        select(Category).order_by(Category.position, Category.name, Category.id)).all()
    counts = dict(db.session.execute(
        select(Product.category_id, func.count()).group_by(Product.category_id)).all())
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    rows: list[TreeRow] = []

    def walk(parent_id: int | None, depth: int, seen: set[int]) -> None:
        siblings = children.get(parent_id, [])
        for index, category in enumerate(siblings):
            if category.id in seen:  # a cycle from bad data must not hang the page
                continue
            rows.append(TreeRow(category, depth, counts.get(category.id, 0),
                                index == 0, index == len(siblings) - 1))
            walk(category.id, depth + 1, seen | {category.id})

    walk(None, 0, set())
    return rows


def category_choices(exclude: set[int] | None = None) -> list[tuple[int, str]]:
    """(id, "Parent › Child") for select boxes, in tree order, leaving out ``exclude``."""
    exclude = exclude or set()
    labels: dict[int, str] = {}
    choices = []
    for row in category_tree():
        parent = labels.get(row.category.parent_id or 0)
        labels[row.category.id] = f"{parent} › {row.category.name}" if parent else row.category.name
        if row.category.id not in exclude:
            choices.append((row.category.id, labels[row.category.id]))
    return choices


# ---------- companies ----------


@dataclass(frozen=True, slots=True)
class CompanyRow:
    company: Company
    users: int
    contract_prices: int


def search_companies(text: str, number: int) -> Page[CompanyRow]:
    """Companies by name prefix, with their numbers of users and contract prices."""
    users = (select(User.company_id, func.count().label("n")).group_by(User.company_id)
             .subquery())
    prices = (select(ContractPrice.company_id, func.count().label("n"))
              .group_by(ContractPrice.company_id).subquery())
    query = (
        select(Company, func.coalesce(users.c.n, 0), func.coalesce(prices.c.n, 0))
        .outerjoin(users, users.c.company_id == Company.id)
        .outerjoin(prices, prices.c.company_id == Company.id)
        .order_by(Company.name)
    )
    if text:
        query = query.where(prefix_match(Company.name, text))
    rows = db.session.execute(query.limit(PER_PAGE + 1).offset((number - 1) * PER_PAGE)).all()
    items = [CompanyRow(company, n_users, n_prices) for company, n_users, n_prices in rows]
    return Page(items=items[:PER_PAGE], number=number, has_next=len(items) > PER_PAGE)


def company_choices() -> list[tuple[int, str]]:
    return [(cid, name) for cid, name in
            db.session.execute(select(Company.id, Company.name).order_by(Company.name))]


@dataclass(frozen=True, slots=True)
class CompanyDetail:
    company: Company
    users: Sequence[User]
    prices: Page[ContractPrice]


def company_detail(company_id: int, prices_page: int) -> CompanyDetail:
    """A company with its users, addresses and one page of contract prices."""
    company = get_object(Company, company_id)
    users = db.session.scalars(select(User).where(User.company_id == company.id)
                               .order_by(User.email)).all()
    company.addresses  # noqa: B018  (loaded here, not while the template renders)
    prices = paginate(
        select(ContractPrice).join(ContractPrice.product)
        .options(contains_eager(ContractPrice.product))
        .where(ContractPrice.company_id == company.id).order_by(Product.sku),
        prices_page,
    )
    return CompanyDetail(company=company, users=users, prices=prices)


# ---------- orders ----------


def search_orders(text: str, status: str, company_id: int, number: int) -> Page[Order]:
    """Orders, newest first, by order- or PO-number prefix, status and company."""
    query = (select(Order).options(joinedload(Order.company))
             .order_by(Order.placed_at.desc(), Order.id.desc()))
    if text:
        query = query.where(or_(prefix_match(Order.number, text),
                                prefix_match(Order.po_number, text)))
    if status in {s.value for s in OrderStatus}:
        query = query.where(Order.status == OrderStatus(status))
    if company_id:
        query = query.where(Order.company_id == company_id)
    return paginate(query, number)


def order_detail(order_id: int) -> Order:
    """An order with its lines, history, company and user loaded."""
    order = db.session.scalar(
        select(Order).where(Order.id == order_id).options(
            joinedload(Order.company), joinedload(Order.user),
            selectinload(Order.lines), selectinload(Order.events))
    )
    if order is None:
        return get_object(Order, order_id)  # raises NotFound with the usual message
    return order
