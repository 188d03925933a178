"""Only active staff reach the back office: every admin URL, for every kind of visitor."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from admin_support import csrf_for, forget_user, log_in, make_order
from flask import Blueprint

import shop.admin
from shop.accounts.models import Address, AddressKind, Role
from shop.admin import register_section, staff_only
from shop.catalog.models import ContractPrice
from shop.extensions import db


@pytest.fixture
def world(make_company, make_user, make_product, make_category):
    """One of everything the back office has a page for, and one user per role."""
    acme = make_company("Acme Industries")
    category = make_category("office")
    product = make_product(category=category)
    address = Address(company_id=acme.id, kind=AddressKind.SHIP_TO, name="Dock", street="1 Road",
                      postal_code="1", city="Town", country_code="DE")
    price = ContractPrice(company_id=acme.id, product_id=product.id, price=Decimal("1"))
    db.session.add_all([address, price])
    db.session.commit()
    buyer = make_user("buyer@acme.test", company=acme)
    return {
        "company": acme, "category": category, "product": product, "address": address,
        "price": price, "order": make_order(acme), "buyer": buyer,
        "company_admin": make_user("admin@acme.test", role=Role.COMPANY_ADMIN, company=acme),
        "staff": make_user("staff@northwind.test", role=Role.STAFF),
    }


def admin_urls(w) -> list[tuple[str, str]]:
    c, u = w["company"].id, w["buyer"].id
    p, cat, a = w["product"].id, w["category"].id, w["address"].id
    price, order = w["price"].id, w["order"].id
    return [
        ("GET", "/admin/"),
        ("GET", "/admin/products"),
        ("GET", "/admin/products/new"), ("POST", "/admin/products/new"),
        ("GET", f"/admin/products/{p}/edit"), ("POST", f"/admin/products/{p}/edit"),
        ("POST", f"/admin/products/{p}/deactivate"), ("POST", f"/admin/products/{p}/activate"),
        ("GET", "/admin/categories"),
        ("GET", "/admin/categories/new"), ("POST", "/admin/categories/new"),
        ("GET", f"/admin/categories/{cat}/edit"), ("POST", f"/admin/categories/{cat}/edit"),
        ("POST", f"/admin/categories/{cat}/move"),
        ("GET", "/admin/companies"),
        ("GET", "/admin/companies/new"), ("POST", "/admin/companies/new"),
        ("GET", f"/admin/companies/{c}"),
        ("GET", f"/admin/companies/{c}/edit"), ("POST", f"/admin/companies/{c}/edit"),
        ("GET", f"/admin/companies/{c}/users/new"), ("POST", f"/admin/companies/{c}/users/new"),
        ("POST", f"/admin/companies/{c}/users/{u}/role"),
        ("POST", f"/admin/companies/{c}/users/{u}/deactivate"),
        ("POST", f"/admin/companies/{c}/users/{u}/activate"),
        ("GET", f"/admin/companies/{c}/addresses/new"),
        ("POST", f"/admin/companies/{c}/addresses/new"),
        ("GET", f"/admin/companies/{c}/addresses/{a}/edit"),
        ("POST", f"/admin/companies/{c}/addresses/{a}/edit"),
        ("POST", f"/admin/companies/{c}/addresses/{a}/remove"),
        ("GET", f"/admin/companies/{c}/prices/new"), ("POST", f"/admin/companies/{c}/prices/new"),
        ("GET", f"/admin/companies/{c}/prices/{price}/edit"),
        ("POST", f"/admin/companies/{c}/prices/{price}/edit"),
        ("POST", f"/admin/companies/{c}/prices/{price}/remove"),
        ("GET", "/admin/orders"),
        ("GET", f"/admin/orders/{order}"), ("POST", f"/admin/orders/{order}/status"),
    ]


# Hostile values a non-staff user might post; none of them may change anything.
HOSTILE = {"role": "staff", "status": "cancelled", "active": "", "name": "Pwned",
           "price": "0.01", "direction": "up", "sku": "PEN-001", "email": "x@evil.test",
           "password": "0123456789abc", "currency": "EUR"}


def _request(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": csrf_for(client), **HOSTILE})


def _snapshot():
    """Everything a back-office action could change, to prove nothing did."""
    from shop.accounts.models import Company, User
    from shop.catalog.models import Category, Product
    from shop.orders.models import Order

    db.session.expire_all()
    return (
        [(p.sku, p.name, p.active) for p in db.session.query(Product).order_by(Product.id)],
        [(c.slug, c.position, c.parent_id) for c in db.session.query(Category)],
        [(c.name,) for c in db.session.query(Company)],
        [(u.email, u.role, u.is_active_user) for u in db.session.query(User).order_by(User.id)],
        [(a.id, a.name) for a in db.session.query(Address)],
        [(p.id, p.price) for p in db.session.query(ContractPrice)],
        [(o.status, len(o.events)) for o in db.session.query(Order)],
    )


def test_the_url_list_covers_every_admin_route(app, world):
    covered = {(method, url) for method, url in admin_urls(world)}
    adapter = app.url_map.bind("shop.test")
    endpoints = {adapter.match(url, method=method)[0] for method, url in covered}
    admin_endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                       if rule.endpoint.startswith("admin.")}
    assert admin_endpoints == endpoints


def test_visitors_are_sent_to_login_and_come_back(client, world):
    before = _snapshot()
    for method, url in admin_urls(world):
        response = _request(client, method, url)
        assert response.status_code == 302, (method, url)
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login", (method, url)
        assert parse_qs(location.query)["next"] == [url], (method, url)
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["buyer", "company_admin"])
def test_shop_users_get_a_styled_403_and_change_nothing(client, world, who):
    log_in(client, world[who])
    before = _snapshot()
    for method, url in admin_urls(world):
        response = _request(client, method, url)
        assert response.status_code == 403, (method, url)
        assert "You may not open this page" in response.text
        assert 'href="/static/css/shop.css"' in response.text
    assert _snapshot() == before


def test_staff_reach_every_page(client, world):
    log_in(client, world["staff"])
    for method, url in admin_urls(world):
        response = client.get(url) if method == "GET" else client.post(
            url, data={"csrf_token": csrf_for(client)})
        assert response.status_code in (200, 302), (method, url, response.status_code)


def test_a_deactivated_staff_account_loses_access(client, world):
    staff = world["staff"]
    log_in(client, staff)
    assert client.get("/admin/").status_code == 200
    staff.is_active_user = False
    db.session.commit()
    forget_user()
    # Flask-Login treats an inactive user as logged out: back to the login page.
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_posts_without_a_csrf_token_are_refused(client, world):
    log_in(client, world["staff"])
    response = client.post(f"/admin/products/{world['product'].id}/deactivate")
    assert response.status_code == 400
    db.session.refresh(world["product"])
    assert world["product"].active


def test_unknown_ids_are_404(client, world):
    log_in(client, world["staff"])
    for url in ("/admin/products/999999/edit", "/admin/companies/999999",
                "/admin/orders/999999", "/admin/categories/999999/edit"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.text


# ---------- navigation registry ----------


def test_nav_marks_the_current_section(client, world):
    log_in(client, world["staff"])
    page = client.get(f"/admin/products/{world['product'].id}/edit").text
    assert '<nav class="admin-nav"' in page
    assert '<a href="/admin/products" aria-current="page">Products</a>' in page
    assert '<a href="/admin/" aria-current="page">' not in page
    labels = ["Dashboard", "Products", "Categories", "Companies", "Orders"]
    nav = page[page.index('<nav class="admin-nav"'):]
    positions = [nav.index(f">{label}</a>") for label in labels]
    assert positions == sorted(positions)
    assert '<a href="/admin/" aria-current="page">Dashboard</a>' in client.get("/admin/").text


def test_other_features_add_sections_and_staff_only_pages(app, client, world, monkeypatch):
    monkeypatch.setattr(shop.admin, "_sections", list(shop.admin._sections))
    extra = staff_only(Blueprint("extra", __name__, url_prefix="/admin/extra"))

    @extra.get("/connections")
    def list_connections() -> str:
        from flask import render_template_string

        return render_template_string(
            '{% extends "admin/base.html" %}{% block admin_content %}conn{% endblock %}')

    app.register_blueprint(extra)
    register_section("Buyer connections", "extra.list_connections")
    register_section("Buyer connections", "extra.list_connections")  # idempotent
    register_section("Not installed", "nowhere.list_things")  # skipped: no such endpoint

    anonymous = app.test_client()
    assert anonymous.get("/admin/extra/connections").status_code == 302
    log_in(client, world["buyer"])
    assert client.get("/admin/extra/connections").status_code == 403
    log_in(client, world["staff"])
    page = client.get("/admin/extra/connections").text
    assert page.count(">Buyer connections</a>") == 1
    assert '<a href="/admin/extra/connections" aria-current="page">Buyer connections</a>' in page
    assert "Not installed" not in page
    assert page.index(">Orders</a>") < page.index(">Buyer connections</a>")
