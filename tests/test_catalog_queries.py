"""Catalog pages cost a fixed number of SQL statements, and listings read the right indexes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, true

from shop.catalog.models import Product
from shop.catalog.queries import SORTS
from shop.extensions import db
from tests.catalog_support import add_contract_price, add_products, count_queries, login_as


@pytest.fixture(autouse=True)
def _render_every_time(app):
    # These tests count what rendering a page costs; served from the page cache
    # (test_catalog_page_cache.py) a page would cost no query at all.
    app.config["PAGE_CACHE_BYTES"] = 0


@pytest.fixture
def catalog(make_category):
    office = make_category("office", "Office")
    pens = make_category("pens", "Pens", parent_id=office.id)
    paper = make_category("paper", "Paper", parent_id=office.id)
    return office, pens, paper


def queries_for(client, url: str) -> list[str]:
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements


def test_category_page_costs_the_same_for_few_and_many_products(client, catalog):
    office, pens, paper = catalog
    add_products(pens, 2, prefix="FEW")
    few = queries_for(client, "/categories/pens")
    add_products(paper, 60, prefix="MANY")
    many = queries_for(client, "/categories/paper?page=2&sort=-price")
    parent = queries_for(client, "/categories/office?page=3&sort=newest")
    assert len(few) == len(many) == len(parent)
    assert len(few) <= 4  # tree, count, page of products (prices of visitors need none)


def test_logged_in_pages_add_only_the_user_and_one_price_lookup(client, catalog, make_user,
                                                                make_company):
    office, pens, paper = catalog
    products = add_products(pens, 30, prefix="PEN")
    acme = make_company("Acme Industries")
    for product in products[::3]:
        add_contract_price(acme, product, "0.99")
    visitor = queries_for(client, "/categories/pens")
    login_as(client, make_user(company=acme))
    buyer = queries_for(client, "/categories/pens")
    # The user, the contract prices of the whole page, and the cart badge in the header.
    assert len(buyer) == len(visitor) + 3
    assert sum("contract_prices" in statement for statement in buyer) == 1


def test_home_and_product_and_search_pages_are_constant(client, catalog, make_product):
    office, pens, paper = catalog
    add_products(pens, 5, prefix="A", featured=True)
    home_small = queries_for(client, "/")
    search_small = queries_for(client, "/search?q=product")
    add_products(paper, 40, prefix="B", featured=True)
    assert len(queries_for(client, "/")) == len(home_small)
    assert len(queries_for(client, "/search?q=product&page=2")) == len(search_small)
    assert len(queries_for(client, "/products/B-0007")) <= 3  # product, tree (+ user)
    assert len(queries_for(client, "/products/B-0007/image.svg")) <= 2


def test_home_counts_are_cached_between_requests(client, catalog):
    add_products(catalog[1], 3)
    first = queries_for(client, "/")
    second = queries_for(client, "/")
    assert any("GROUP BY" in statement for statement in first)
    assert not any("GROUP BY" in statement for statement in second)


def _plan(statement) -> str:
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # Tiny test tables make a sequential scan cheapest; ask whether the index *can*
            # answer the query on its own, as it will on a real catalog.
            conn.execute(text("SET enable_seqscan = off"))
            rows = conn.execute(text(f"EXPLAIN {compiled}")).scalars()
        else:
            rows = (row[-1] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        return "\n".join(rows)


@pytest.mark.parametrize(
    ("sort", "index"),
    [("name", "ix_products_listing_name"), ("price", "ix_products_listing_price"),
     ("-price", "ix_products_listing_price"), ("newest", "ix_products_listing_newest")],
)
def test_deep_pages_skip_through_a_covering_index(app, catalog, sort, index):
    """Page 200 skips index entries only: no table rows, no sort (see queries._listing)."""
    add_products(catalog[1], 3)
    page_ids = (
        select(Product.id)
        .where(Product.category_id.in_([catalog[1].id]), Product.active == true())
        .order_by(*SORTS[sort]).limit(24).offset(199 * 24)
    )
    plan = _plan(page_ids)
    assert index in plan
    if db.engine.dialect.name == "postgresql":
        assert "Index Only Scan" in plan and "Sort" not in plan
    else:
        assert "COVERING INDEX" in plan and "TEMP B-TREE" not in plan


def test_category_count_reads_only_an_index(app, catalog):
    add_products(catalog[1], 3)
    count = select(func.count()).select_from(Product).where(
        Product.category_id.in_([catalog[1].id]), Product.active == true())
    plan = _plan(count)
    assert "Index Only Scan" in plan or "COVERING INDEX" in plan


def test_featured_products_are_found_by_index(app, catalog):
    add_products(catalog[1], 3, featured=True)
    plan = _plan(select(Product.id).where(Product.featured == true(), Product.active == true()))
    assert "ix_products_featured" in plan


def test_search_counts_inside_the_full_text_index(app, catalog):
    from shop.catalog.search import _fts, _PostgresSearch, _SqliteSearch

    add_products(catalog[1], 3, description="Paper clips")
    if db.engine.dialect.name == "postgresql":
        where = _PostgresSearch(["paper"], []).where
        plan = _plan(select(func.count()).select_from(Product).where(*where))
        assert "ix_products_search" in plan and "Seq Scan" not in plan
    else:
        where = _SqliteSearch(["paper"], []).where
        plan = _plan(select(func.count()).select_from(_fts).where(*where))
        assert "VIRTUAL TABLE INDEX" in plan and "products " not in plan.replace("products_fts", "")
