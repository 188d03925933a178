"""Catalog pages kept rendered for anonymous visitors: served again only while they are right.

Another worker or host is played by a second app on the same database: it has its own page
cache and learns about changes only through the catalog version row.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from shop import create_app
from shop.catalog.models import CatalogVersion, Product
from shop.catalog.page_cache import page_cache, read_version
from shop.catalog.services import seed_demo_shop
from shop.extensions import db
from tests.catalog_support import add_contract_price, count_queries, login_as
from tests.conftest import csrf_token


@pytest.fixture
def pen(make_category, make_product):
    office = make_category("office", "Office")
    return make_product("PEN-001", "Ballpoint pen, blue", "1.20", category_id=office.id)


def test_second_visit_is_served_without_a_query(client, pen):
    first = client.get("/products/PEN-001")
    with count_queries() as statements:
        second = client.get("/products/PEN-001")
    assert second.status_code == 200
    assert statements == []
    assert "Ballpoint pen, blue" in second.text
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_a_change_shows_at_once_in_the_worker_that_made_it(client, pen):
    assert "Ballpoint pen, blue" in client.get("/products/PEN-001").text
    assert "Ballpoint pen, blue" in client.get("/categories/office").text
    pen.name = "Ballpoint pen, red"
    pen.list_price = Decimal("2.40")
    db.session.commit()
    page = client.get("/products/PEN-001").text
    assert "Ballpoint pen, red" in page and "2.40" in page
    assert "Ballpoint pen, red" in client.get("/categories/office").text


def test_other_workers_see_a_change_once_they_read_the_version(app, client, pen, database_url):
    app.config["PAGE_CACHE_CHECK_SECONDS"] = 3600  # this worker re-reads the version rarely
    assert "Ballpoint pen, blue" in client.get("/search?q=ballpoint").text
    other = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                        "SQLALCHEMY_DATABASE_URI": database_url})
    with other.app_context():
        product = db.session.scalar(select(Product).where(Product.sku == "PEN-001"))
        product.name = "Ballpoint pen, green"
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    db.session.remove()
    # Within the check interval the old page may still be served (bounded staleness) ...
    assert "Ballpoint pen, blue" in client.get("/search?q=ballpoint").text
    # ... and as soon as the worker reads the version again, the change shows.
    app.config["PAGE_CACHE_CHECK_SECONDS"] = 0
    assert "Ballpoint pen, green" in client.get("/search?q=ballpoint").text


def test_logged_in_buyers_always_get_their_own_prices(client, pen, make_user):
    buyer = make_user()
    add_contract_price(buyer.company, pen, "0.95")
    assert "1.20" in client.get("/products/PEN-001").text  # cached for visitors
    login_as(client, buyer)
    page = client.get("/products/PEN-001").text
    assert "0.95" in page
    client.get("/")  # nothing rendered for the buyer is kept ...
    with client.session_transaction() as session:
        session.clear()
    assert "0.95" not in app_page(client, "/products/PEN-001")  # ... or shown to visitors


def app_page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.text


def test_a_page_with_a_waiting_message_is_neither_served_nor_kept(app, pen):
    visitor, other = app.test_client(), app.test_client()
    token = csrf_token(app_page(visitor, "/login"))  # a visitor's product page has no form
    visitor.post("/cart/add", data={"sku": "PEN-001", "quantity": "1", "csrf_token": token})
    message = "Please log in to add products to your cart."
    assert message in app_page(visitor, "/products/PEN-001")
    assert message not in app_page(other, "/products/PEN-001")
    assert message not in app_page(visitor, "/products/PEN-001")  # shown once only


def test_a_kept_page_holds_nothing_personal_and_sets_no_cookie(app, pen, make_user):
    first, second = app.test_client(), app.test_client()
    rendered = first.get("/products/PEN-001")
    kept = second.get("/products/PEN-001")
    assert kept.text == rendered.text
    for response in (rendered, kept):
        assert "Set-Cookie" not in response.headers
        assert "csrf_token" not in response.text and "Log in to order" in response.text
    buyer = app.test_client()
    login_as(buyer, make_user())
    own = buyer.get("/products/PEN-001").text
    assert 'name="csrf_token"' in own and csrf_token(own) not in kept.text


def test_missing_pages_are_not_kept(client, make_product):
    assert client.get("/products/NEW-1").status_code == 404
    make_product("NEW-1", "Stapler")
    assert client.get("/products/NEW-1").status_code == 200


def test_bulk_seeding_raises_the_version(app):
    before = read_version()
    seed_demo_shop(products=400)
    assert read_version() > before


def test_a_rolled_back_change_leaves_the_version(client, pen):
    client.get("/products/PEN-001")
    before = read_version()
    pen.name = "Never saved"
    db.session.flush()
    db.session.rollback()
    assert read_version() == before
    assert "Ballpoint pen, blue" in client.get("/products/PEN-001").text
    assert db.session.get(CatalogVersion, 1).version == before


def test_the_cache_keeps_to_its_size(app, make_product):
    app.config["PAGE_CACHE_BYTES"] = 20_000  # three or four product pages
    client = app.test_client()
    for n in range(12):
        make_product(f"P-{n}", f"Product {n}")
    for n in range(12):
        app_page(client, f"/products/P-{n}")
    cache = page_cache()
    assert 0 < len(cache) < 12
    assert cache.size <= 20_000


def test_a_visitor_without_cookies_gets_the_kept_page_as_others_do(app, pen):
    usual = app.test_client().get("/categories/office")  # rendered and kept
    with count_queries() as statements:
        kept = app.test_client().get("/categories/office")
    assert statements == []
    assert kept.status_code == 200 and kept.text == usual.text
    assert kept.headers["Content-Security-Policy"] == usual.headers["Content-Security-Policy"]
    assert kept.headers["X-Content-Type-Options"] == "nosniff"
    # A shared cache must not hand the visitors' page to a logged-in buyer.
    assert "Cookie" in kept.headers["Vary"] and "Cookie" in usual.headers["Vary"]
    assert "Set-Cookie" not in kept.headers


def test_a_buyer_with_a_session_is_never_given_the_visitors_page(app, pen, make_user):
    buyer = make_user()
    add_contract_price(buyer.company, pen, "0.95")
    assert "1.20" in app_page(app.test_client(), "/categories/office")  # kept for visitors
    client = app.test_client()
    login_as(client, buyer)
    page = app_page(client, "/categories/office")
    assert "0.95" in page  # the buyer's contract price (the list price may show beside it)
