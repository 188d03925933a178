"""seed_catalog.py and the demo data: a realistic shop, idempotent, bulk-loaded at scale."""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select
from werkzeug.security import check_password_hash

from shop import create_app
from shop.accounts.models import Address, AddressKind, Company, Role, User
from shop.catalog import demo_data
from shop.catalog.models import Category, ContractPrice, Product
from shop.catalog.search import search_products
from shop.catalog.services import SeedReport, prepare_schema, seed_demo_shop
from shop.catalog.units import UNIT_NAMES
from shop.extensions import db

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDED_TABLES = (Category, Product, Company, Address, User, ContractPrice)


def checksum() -> str:
    """A digest of every column of every row the seed writes."""
    digest = hashlib.sha256()
    for model in SEEDED_TABLES:
        table = model.__table__
        for row in db.session.execute(select(table).order_by(table.c.id)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def counts() -> dict[str, int]:
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in SEEDED_TABLES}


def test_demo_shop_is_realistic(app):
    report = seed_demo_shop()
    products = db.session.scalars(select(Product)).all()
    categories = db.session.scalars(select(Category)).all()
    assert report.total_products == len(products) >= 300
    assert len(categories) >= 12
    tops = [category for category in categories if category.parent_id is None]
    assert len(tops) >= 10 and all(top.children for top in tops)
    leaf_ids = {category.id for category in categories if not category.children}
    assert all(product.category_id in leaf_ids for product in products)
    assert len({product.sku for product in products}) == len(products)
    assert {product.unit for product in products} <= set(UNIT_NAMES)
    assert {"EA", "BX", "PK", "KGM", "MTR", "LTR", "PR", "RM", "SET"} <= {p.unit for p in products}
    for product in products:
        assert len(product.unspsc) == 8 and product.unspsc.isdigit()
        assert product.manufacturer and product.manufacturer_part_number
        assert product.description.count("\n\n") == 1 and product.list_price > 0
        assert product.lead_time_days > 0 and product.currency == "EUR"
    assert 8 <= sum(product.featured for product in products) <= 40
    assert any(product.stock_quantity == 0 for product in products)


def test_demo_companies_have_addresses_contract_prices_and_logins(app):
    seed_demo_shop()
    for name in ("Acme Industries", "Globex Laboratories", "Initech Facilities"):
        company = db.session.scalar(select(Company).filter_by(name=name))
        kinds = collections.Counter(address.kind for address in company.addresses)
        assert kinds[AddressKind.SHIP_TO] >= 1 and kinds[AddressKind.BILL_TO] >= 1
        assert sum(address.is_default for address in company.addresses) == len(kinds)
        prices = db.session.scalars(select(ContractPrice).filter_by(company_id=company.id)).all()
        assert len(prices) >= 10
        assert all(price.price < price.product.list_price for price in prices)
    for spec in demo_data.DEMO_USERS:
        user = db.session.scalar(select(User).filter_by(email=spec.email))
        assert check_password_hash(user.password_hash, spec.password)
        assert user.role == Role(spec.role)
        assert (user.company.name if user.company else None) == spec.company
    emails = {user.email for user in demo_data.DEMO_USERS}
    assert {"staff@northwind.test", "buyer@acme.test", "admin@acme.test",
            "buyer@globex.test"} <= emails


def test_seeding_twice_changes_nothing(app):
    first = seed_demo_shop(products=500)
    before = (counts(), checksum())
    second = seed_demo_shop(products=500)
    assert set(second.added.values()) == {0}
    assert (counts(), checksum()) == before
    assert first.added["products"] == 500


def test_larger_catalogs_add_only_the_difference(app):
    seed_demo_shop(products=400)
    report = seed_demo_shop(products=650)
    assert report.added["products"] == 250 and report.total_products == 650
    assert seed_demo_shop().added["products"] == 0  # no --products: nothing is removed either


def test_synthetic_products_are_searchable_and_listed(app, client):
    seed_demo_shop(products=600)
    synthetic = db.session.scalar(select(Product).where(Product.sku.like("%-S%")).limit(1))
    assert search_products(synthetic.sku).listing.products[0].sku == synthetic.sku
    assert search_products("nitrile gloves").listing.total >= 4
    # Products added after a bulk load are still indexed (the insert trigger is back).
    db.session.add(Product(sku="AFTER-1", name="Zebra stripe tape", list_price=1))
    db.session.commit()
    assert [p.sku for p in search_products("zebra").listing.products] == ["AFTER-1"]
    category = synthetic.category.slug
    assert client.get(f"/categories/{category}").status_code == 200


def test_largest_category_of_a_100k_catalog_has_200_pages():
    per_leaf = collections.Counter(demo_data.synthetic_leaf(n)[1].slug for n in range(100_000))
    slug, size = per_leaf.most_common(1)[0]
    assert slug == demo_data.BIG_LEAF and size >= 5_000


def test_synthetic_product_n_does_not_depend_on_the_catalog_size():
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    short = list(demo_data.synthetic_products(0, 50, now))
    long = list(demo_data.synthetic_products(0, 80, now))
    assert long[:50] == short
    assert len({row["sku"] for row in long}) == 80


def test_prepare_schema_creates_and_stamps_an_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        assert prepare_schema() == "created"
        tables = set(inspect(db.engine).get_table_names())
        assert {"products", "alembic_version", "products_fts"} <= tables
        assert prepare_schema() == "migrated"  # a later run leaves the schema to migrations
        db.engine.dispose()


def test_prepare_schema_completes_an_unversioned_schema(app):
    assert prepare_schema() == "existing"


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_redraws_on_a_terminal_and_logs_lines_elsewhere():
    from seed_catalog import ProgressBar

    terminal, log = FakeTerminal(), io.StringIO()
    for stream in (terminal, log):
        bar = ProgressBar(stream, width=10)
        bar(5_000, 20_000)
        bar(20_000, 20_000)
    assert terminal.getvalue().startswith("\rproducts [##........]     5,000/20,000  25%")
    assert terminal.getvalue().endswith("\n") and terminal.getvalue().count("\n") == 1
    assert log.getvalue().splitlines()[1].startswith("products [##########]    20,000/20,000 100%")


def test_the_summary_says_what_was_added_or_that_nothing_was():
    from seed_catalog import summary

    again = SeedReport(added={"categories": 0, "products": 0, "users": 0}, total_products=315)
    assert summary("migrated", again, 0.5) == (
        "Schema: migrated. Nothing added: the demo data was all there.\n"
        "The catalog has 315 products.")
    topped_up = SeedReport(added={"categories": 0, "products": 99_685}, total_products=100_000)
    assert summary("migrated", topped_up, 12.34) == (
        "Schema: migrated. Added: 99,685 products.\n"
        "The catalog has 100,000 products (seeded in 12.3 s).")


def run_seed(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{database}",
                   "SECRET_KEY": "seed-test"}
    return subprocess.run([sys.executable, "seed_catalog.py", *args], cwd=PROJECT_ROOT,
                          env=environment, capture_output=True, text=True, timeout=240)


def test_seed_script_end_to_end(tmp_path):
    database = tmp_path / "demo.db"
    first = run_seed(database, "--products", "450")
    assert first.returncode == 0, first.stderr
    assert "products [" in first.stderr and "450/450" in first.stderr
    assert "The catalog has 450 products" in first.stdout
    for user in demo_data.DEMO_USERS:
        assert user.email in first.stdout and user.password in first.stdout

    second = run_seed(database, "--products", "450")
    assert second.returncode == 0, second.stderr
    assert "Nothing added: the demo data was all there." in second.stdout
    assert "seeded in" not in second.stdout
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Product)) == 450
    engine.dispose()


@pytest.mark.parametrize("args", [["--products", "-1"], ["--products", "many"]])
def test_seed_script_refuses_bad_arguments(tmp_path, args):
    result = run_seed(tmp_path / "bad.db", *args)
    assert result.returncode == 2 and "--products" in result.stderr


def test_seed_adds_a_missing_search_index_to_a_migrated_database(tmp_path):
    from flask_migrate import upgrade

    from shop.catalog.search_index import drop_search_index, has_search_index
    from shop.schema_migrations import bind_migrate

    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        bind_migrate(app)
        upgrade()
        with db.engine.begin() as connection:
            drop_search_index(connection)  # as a migration without search would leave it
        assert prepare_schema() == "migrated"
        with db.engine.connect() as connection:
            assert has_search_index(connection)
        db.engine.dispose()
