"""Use cases of the catalog that write: preparing the schema and seeding the demo shop."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import func, insert, inspect, select

from shop.accounts.models import Address, AddressKind, Company, Role, User
from shop.accounts.passwords import hash_password
from shop.catalog import demo_data
from shop.catalog.models import Category, ContractPrice, Product
from shop.catalog.page_cache import bump_version
from shop.catalog.search_index import (
    create_search_index,
    deferred_search_index,
    has_search_index,
)
from shop.database import utcnow
from shop.extensions import db
from shop.schema_migrations import bind_migrate

log = logging.getLogger(__name__)

BATCH_SIZE = 5_000
Progress = Callable[[int, int], None]


@dataclass
class SeedReport:
    """What one run of the seed added (all zero on a second run) and the catalog's size."""

    added: dict[str, int] = field(default_factory=dict)
    total_products: int = 0


def prepare_schema() -> str:
    """Create the tables when the database has none; a migrated database is left alone
    (except for the search index, added when missing)."""
    tables = set(inspect(db.engine).get_table_names())
    if "alembic_version" in tables:
        # A migration that predates search would leave it out: add it (once) then.
        with db.engine.begin() as connection:
            if not has_search_index(connection):
                create_search_index(connection)
        return "migrated"
    db.create_all()
    if tables:
        return "existing"
    # Mark the new schema as migrated, so that a later `flask db upgrade` starts from here.
    bind_migrate(current_app)
    from flask_migrate import stamp  # Alembic only when a schema is created

    stamp()
    return "created"


def seed_demo_shop(products: int = 0, progress: Progress | None = None) -> SeedReport:
    """Add whatever is missing of the demo shop; ``products`` tops the catalog up to that size.

    Idempotent: existing rows are never changed, so a second run adds nothing.
    """
    report = SeedReport()
    now = utcnow()
    categories = _seed_categories(report)
    existing = set(db.session.scalars(select(Product.sku)))
    demo_rows = list(demo_data.demo_products(now))
    extra = max(0, products - len(demo_rows))
    rows = _chain(
        (row for row in demo_rows if row["sku"] not in existing),
        (row for row in demo_data.synthetic_products(0, extra, now) if row["sku"] not in existing),
    )
    wanted = len(demo_rows) + extra
    report.added["products"] = _insert_products(rows, categories, len(existing), wanted, progress)
    if report.added["products"]:
        bump_version(db.session.connection())  # Core inserts: no ORM flush raised it
    _seed_companies(report)
    _seed_contract_prices(report, demo_rows)
    _seed_users(report)
    db.session.commit()
    report.total_products = db.session.scalar(select(func.count(Product.id))) or 0
    log.info("demo shop seeded: %s", report.added)
    return report


def _chain(*iterables: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for iterable in iterables:
        yield from iterable


def _seed_categories(report: SeedReport) -> dict[str, int]:
    by_slug = {slug: id_ for id_, slug in db.session.execute(select(Category.id, Category.slug))}
    added = 0
    for spec in demo_data.category_specs():
        if spec.slug in by_slug:
            continue
        category = Category(slug=spec.slug, name=spec.name, description=spec.description,
                            parent_id=by_slug.get(spec.parent_slug or ""), position=spec.position)
        db.session.add(category)
        db.session.flush()
        by_slug[spec.slug] = category.id
        added += 1
    report.added["categories"] = added
    return by_slug


def _insert_products(rows: Iterator[dict[str, Any]], categories: dict[str, int], done: int,
                     wanted: int, progress: Progress | None) -> int:
    """Bulk-insert rows in batches: one executemany per batch, no ORM objects."""
    statement = insert(Product.__table__)
    added = 0
    batch: list[dict[str, Any]] = []
    connection = db.session.connection()
    with deferred_search_index(connection):
        for row in rows:
            values = dict(row)  # the caller's rows stay as they were (contract prices read them)
            values["category_id"] = categories[values.pop("category_slug")]
            del values["department_slug"]
            batch.append(values)
            if len(batch) == BATCH_SIZE:
                connection.execute(statement, batch)
                added += len(batch)
                batch = []
                if progress:
                    progress(done + added, wanted)
        if batch:
            connection.execute(statement, batch)
            added += len(batch)
    if progress and (added == 0 or added % BATCH_SIZE):  # a full last batch was reported
        progress(done + added, max(wanted, done + added))
    return added


def _seed_companies(report: SeedReport) -> None:
    existing = {company.name: company for company in db.session.scalars(select(Company))}
    added_companies = added_addresses = 0
    for spec in demo_data.DEMO_COMPANIES:
        company = existing.get(spec.name)
        if company is None:
            company = Company(name=spec.name, payment_terms_days=spec.payment_terms_days)
            db.session.add(company)
            added_companies += 1
        if company.addresses:
            continue  # addresses are the company's own once it has any
        seen_kinds: set[str] = set()
        for address in spec.addresses:
            company.addresses.append(Address(
                kind=AddressKind(address.kind), code=address.code, name=address.name,
                street=address.street, postal_code=address.postal_code, city=address.city,
                country_code=address.country_code, is_default=address.kind not in seen_kinds,
            ))
            seen_kinds.add(address.kind)
            added_addresses += 1
    db.session.flush()
    report.added["companies"] = added_companies
    report.added["addresses"] = added_addresses


def _seed_contract_prices(report: SeedReport, demo_rows: list[dict[str, Any]]) -> None:
    companies = {name: id_ for id_, name in db.session.execute(select(Company.id, Company.name))}
    skus = [row["sku"] for row in demo_rows]
    product_ids = dict(db.session.execute(select(Product.sku, Product.id)
                                          .where(Product.sku.in_(skus))).all())
    existing = set(db.session.execute(select(ContractPrice.company_id, ContractPrice.product_id)))
    new_rows = []
    for spec in demo_data.DEMO_COMPANIES:
        company_id = companies[spec.name]
        for number, row in enumerate(demo_rows):
            price = demo_data.contract_price(spec, row.get("department_slug", ""), number,
                                             row["list_price"])
            product_id = product_ids.get(row["sku"])
            if price is None or product_id is None or (company_id, product_id) in existing:
                continue
            new_rows.append({"company_id": company_id, "product_id": product_id,
                             "price": price, "currency": row["currency"]})
    if new_rows:
        db.session.execute(insert(ContractPrice.__table__), new_rows)
    report.added["contract_prices"] = len(new_rows)


def _seed_users(report: SeedReport) -> None:
    companies = {company.name: company for company in db.session.scalars(select(Company))}
    existing = set(db.session.scalars(select(User.email)))
    added = 0
    for spec in demo_data.DEMO_USERS:
        if spec.email in existing:
            continue
        db.session.add(User(
            email=spec.email, password_hash=hash_password(spec.password),
            role=Role(spec.role), company=companies.get(spec.company or ""),
            first_name=spec.first_name, last_name=spec.last_name,
        ))
        added += 1
    report.added["users"] = added
    db.session.flush()
