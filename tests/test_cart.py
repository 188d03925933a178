"""The cart: which cart a request uses, adding with validation, changing, removing, totals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import g
from sqlalchemy import event

from shop.cart import services
from shop.cart.models import Cart, CartLine
from shop.extensions import db
from tests.conftest import csrf_token
from tests.shopper_helpers import cart_lines, contract_price, fill_cart


@pytest.fixture
def buyer(make_user):
    return make_user()


@pytest.fixture
def pen(make_product):
    return make_product("PEN-001", "Ballpoint pen, blue", "1.20")


@pytest.fixture
def buyer_client(client, auth, buyer):
    auth.login()
    return client


def _add(client, **data):
    token = csrf_token(client.get("/login").text)
    return client.post("/cart/add", data={"csrf_token": token} | data)


# ---------- visitors ----------


def test_cart_page_sends_visitors_to_login_and_back(client):
    response = client.get("/cart")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fcart"


def test_visitor_adding_is_sent_to_login_with_next(client, pen):
    response = _add(client, sku="PEN-001", quantity="1", next="/products/PEN-001")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/products/PEN-001"
    assert db.session.query(CartLine).count() == 0


# ---------- adding ----------


def test_add_creates_the_cart_and_a_line(buyer_client, buyer, pen):
    response = _add(buyer_client, sku="PEN-001", quantity="3")
    assert response.status_code == 302 and response.headers["Location"] == "/cart"
    assert cart_lines(buyer) == {"PEN-001": Decimal(3)}
    page = buyer_client.get("/cart").text
    assert "Added 3 × Ballpoint pen, blue to your cart." in page
    assert 'aria-label="1 line"' in page


def test_adding_again_raises_the_quantity(buyer_client, buyer, pen):
    _add(buyer_client, sku="PEN-001", quantity="3")
    _add(buyer_client, sku="PEN-001", quantity="2")
    assert cart_lines(buyer) == {"PEN-001": Decimal(5)}
    assert db.session.query(Cart).count() == 1


def test_add_goes_back_to_next_on_this_site_only(buyer_client, pen):
    ok = _add(buyer_client, sku="PEN-001", quantity="1", next="/products/PEN-001")
    assert ok.headers["Location"] == "/products/PEN-001"
    for evil in ("//evil.test", "https://evil.test/x", "/\\evil.test", "javascript:alert(1)"):
        response = _add(buyer_client, sku="PEN-001", quantity="1", next=evil)
        assert response.headers["Location"] == "/cart", evil


def test_a_price_in_the_form_is_ignored(buyer_client, buyer, pen):
    _add(buyer_client, sku="PEN-001", quantity="2", price="0.01", unit_price="0.01")
    page = buyer_client.get("/cart").text
    assert "€1.20" in page and "€2.40" in page and "0.01" not in page


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("abc", "Enter the quantity as a number"),
        ("", "Enter the quantity as a number"),
        ("NaN", "Enter the quantity as a number"),
        ("Infinity", "Enter the quantity as a number"),
        ("1" * 40, "Enter the quantity as a number"),
        ("0", "Enter a quantity of at least 1."),
        ("-3", "Enter a quantity of at least 1."),
        ("1.5", "sold by the piece (EA): enter a whole number"),
        ("100001", "At most 100,000 per line"),
        ("1e9", "At most 100,000 per line"),
    ],
)
def test_bad_quantities_are_refused_with_a_clear_message(buyer_client, buyer, pen, quantity,
                                                         message):
    response = _add(buyer_client, sku="PEN-001", quantity=quantity)
    assert response.status_code == 302
    assert message in buyer_client.get("/cart").text
    assert cart_lines(buyer) == {}


def test_fractions_for_measured_units(buyer_client, buyer, make_product):
    make_product("CABLE-M", "Installation cable", "0.80", unit="MTR")
    _add(buyer_client, sku="CABLE-M", quantity="2.5")
    assert cart_lines(buyer) == {"CABLE-M": Decimal("2.5")}
    _add(buyer_client, sku="CABLE-M", quantity="0.0001")
    assert "at most 3 decimals" in buyer_client.get("/cart").text
    assert cart_lines(buyer) == {"CABLE-M": Decimal("2.5")}


@pytest.mark.parametrize(
    ("sku", "message"),
    [("NOPE-1", "We have no product with the SKU NOPE-1."), ("", "Choose a product to add.")],
)
def test_unknown_sku_is_refused(buyer_client, buyer, sku, message):
    _add(buyer_client, sku=sku, quantity="1")
    assert message in buyer_client.get("/cart").text
    assert cart_lines(buyer) == {}


def test_inactive_product_is_refused(buyer_client, buyer, make_product):
    make_product("OLD-1", "Fax paper", "3.00", active=False)
    _add(buyer_client, sku="OLD-1", quantity="1")
    assert "Fax paper (OLD-1) is no longer available." in buyer_client.get("/cart").text
    assert cart_lines(buyer) == {}


def test_the_line_limit_counts_what_is_already_in_the_cart(buyer_client, buyer, pen):
    _add(buyer_client, sku="PEN-001", quantity="100000")
    _add(buyer_client, sku="PEN-001", quantity="1")
    assert "At most 100,000 of Ballpoint pen, blue per line." in buyer_client.get("/cart").text
    assert cart_lines(buyer) == {"PEN-001": Decimal(100000)}


def test_add_without_csrf_token_is_refused(buyer_client, buyer, pen):
    response = buyer_client.post("/cart/add", data={"sku": "PEN-001", "quantity": "1"})
    assert response.status_code == 400
    assert cart_lines(buyer) == {}


# ---------- the cart page ----------


def test_cart_page_shows_contract_prices_line_totals_and_subtotal(buyer_client, buyer, pen,
                                                                  make_product):
    paper = make_product("PAP-A4", "Copy paper A4, 500 sheets", "4.99", unit="PK")
    contract_price(buyer.company, pen, "0.95")
    fill_cart(buyer, (pen, "10"), (paper, "3"))
    page = buyer_client.get("/cart")
    assert page.status_code == 200
    text = page.text
    assert "€0.95" in text and "Your contract price" in text and "€1.20" in text
    assert "€9.50" in text and "€14.97" in text  # line totals
    assert "€24.47" in text  # subtotal
    assert 'href="/checkout"' in text


def test_empty_cart_page(buyer_client):
    page = buyer_client.get("/cart")
    assert page.status_code == 200 and "Your cart is empty" in page.text
    assert 'href="/checkout"' not in page.text


def test_cart_page_query_count_does_not_grow_with_lines(app, buyer_client, buyer, make_product):
    products = [make_product(f"SKU-{n}", f"Product {n}", "2.00") for n in range(12)]
    fill_cart(buyer, (products[0], "1"))

    def count_queries() -> int:
        statements: list[str] = []

        def record(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert buyer_client.get("/cart").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    one_line = count_queries()
    fill_cart(buyer, *[(product, "2") for product in products[1:]])
    assert count_queries() == one_line


def test_update_quantity_and_remove_by_zero(buyer_client, buyer, pen):
    cart_id = fill_cart(buyer, (pen, "2"))
    line_id = db.session.scalar(db.select(CartLine.id).filter_by(cart_id=cart_id))
    token = csrf_token(buyer_client.get("/cart").text)
    response = buyer_client.post(f"/cart/lines/{line_id}", data={"quantity": "7",
                                                                 "csrf_token": token})
    assert response.status_code == 302
    assert cart_lines(buyer) == {"PEN-001": Decimal(7)}
    bad = buyer_client.post(f"/cart/lines/{line_id}", data={"quantity": "-1",
                                                            "csrf_token": token},
                            follow_redirects=True)
    assert "Enter a quantity of at least 1." in bad.text
    assert cart_lines(buyer) == {"PEN-001": Decimal(7)}
    buyer_client.post(f"/cart/lines/{line_id}", data={"quantity": "0", "csrf_token": token})
    assert cart_lines(buyer) == {}


def test_remove_line_and_clear(buyer_client, buyer, pen, make_product):
    paper = make_product("PAP-A4", "Copy paper", "4.99")
    cart_id = fill_cart(buyer, (pen, "1"), (paper, "1"))
    line_id = db.session.scalar(db.select(CartLine.id).filter_by(cart_id=cart_id,
                                                                 product_id=pen.id))
    token = csrf_token(buyer_client.get("/cart").text)
    buyer_client.post(f"/cart/lines/{line_id}/remove", data={"csrf_token": token})
    assert cart_lines(buyer) == {"PAP-A4": Decimal(1)}
    again = buyer_client.post(f"/cart/lines/{line_id}/remove", data={"csrf_token": token},
                              follow_redirects=True)
    assert "That line is no longer in your cart." in again.text
    buyer_client.post("/cart/clear", data={"csrf_token": token})
    assert cart_lines(buyer) == {}
    assert buyer_client.post("/cart/clear").status_code == 400  # no CSRF token


def test_nobody_can_change_another_users_cart(client, auth, buyer, make_user, pen):
    cart_id = fill_cart(buyer, (pen, "2"))
    line_id = db.session.scalar(db.select(CartLine.id).filter_by(cart_id=cart_id))
    make_user("other@acme.test")
    auth.login("other@acme.test")
    token = csrf_token(client.get("/cart").text)
    client.post(f"/cart/lines/{line_id}", data={"quantity": "99", "csrf_token": token})
    client.post(f"/cart/lines/{line_id}/remove", data={"csrf_token": token})
    assert cart_lines(buyer) == {"PEN-001": Decimal(2)}
    assert "Ballpoint pen" not in client.get("/cart").text


# ---------- services ----------


def test_cart_summary(app, buyer, pen, make_product):
    make_product("USB-C", "USB-C cable", "9.99", currency="USD")
    contract_price(buyer.company, pen, "0.95")
    cart_id = fill_cart(buyer, (pen, "3"))
    summary = services.cart_summary(cart_id, buyer.company_id)
    (line,) = summary.lines
    assert (line.sku, line.quantity, line.unit_price, line.line_total, line.currency) == (
        "PEN-001", Decimal(3), Decimal("0.95"), Decimal("2.85"), "EUR")
    assert line.list_price == Decimal("1.20") and line.product.unspsc == "44121704"
    assert summary.subtotal == Decimal("2.85") and summary.currency == "EUR"
    assert summary.line_count == 1 and not summary.mixed_currencies

    services.add_to_cart(cart_id, "USB-C", 1)
    mixed = services.cart_summary(cart_id, buyer.company_id)
    assert mixed.mixed_currencies and mixed.currency is None
    assert services.cart_summary(None, None).is_empty


def test_line_totals_round_half_up_to_the_cent():
    assert services.line_total(Decimal(3), Decimal("0.3350")) == Decimal("1.01")
    assert services.line_total(Decimal("2.5"), Decimal("1.10")) == Decimal("2.75")


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [("3", "EA", Decimal(3)), (" 12 ", "BX", Decimal(12)), ("2.5", "KGM", Decimal("2.5")),
     ("1.250", "MTR", Decimal("1.25")), ("4.0", "EA", Decimal(4)), (7, "EA", Decimal(7))],
)
def test_parse_quantity_accepts(app, raw, unit, expected):
    assert services.parse_quantity(raw, unit) == expected


def test_current_cart_prefers_the_punchout_cart(app, buyer, make_user):
    from flask_login import login_user

    own_cart = services.get_or_create_user_cart(buyer.id)
    punchout_cart = Cart(user_id=None)
    db.session.add(punchout_cart)
    db.session.commit()
    with app.test_request_context("/cart"):
        assert services.current_cart_id() is None  # a visitor
        login_user(buyer)
        assert services.current_cart_id() == own_cart
        g.punchout_cart_id = punchout_cart.id
        assert services.current_cart_id() == punchout_cart.id
        assert not services.cart_is_read_only()
        g.punchout_read_only = True
        assert services.cart_is_read_only()


def test_views_use_the_punchout_cart_when_one_is_set(app, buyer, pen):
    punchout_cart = Cart(user_id=None)
    db.session.add(punchout_cart)
    db.session.commit()
    cart_id = punchout_cart.id
    state = {"read_only": False}

    @app.before_request
    def pretend_punchout() -> None:  # what the punchout feature does for its sessions
        g.punchout_cart_id = cart_id
        g.punchout_read_only = state["read_only"]

    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    client.post("/login", data={"email": "buyer@acme.test", "password": "correct horse",
                                "csrf_token": token})
    token = csrf_token(client.get("/login").text)  # login starts a new session
    client.post("/cart/add", data={"sku": "PEN-001", "quantity": "4", "csrf_token": token})
    assert cart_lines(buyer) == {}  # not the user's own cart
    summary = services.cart_summary(cart_id, buyer.company_id)
    assert [(line.sku, line.quantity) for line in summary.lines] == [("PEN-001", Decimal(4))]
    page = client.get("/cart").text
    assert "Ballpoint pen, blue" in page and 'href="/checkout"' not in page
    assert 'href="/orders"' not in page  # no account or order links in procurement mode
    assert client.get("/checkout").headers["Location"] == "/cart"

    state["read_only"] = True
    client.post("/cart/add", data={"sku": "PEN-001", "quantity": "1", "csrf_token": token})
    assert services.cart_summary(cart_id, None).lines[0].quantity == Decimal(4)
    assert "cannot be changed" in client.get("/cart").text


def test_header_counts_cart_lines_in_one_query(app, buyer_client, buyer, pen, make_product):
    fill_cart(buyer, (pen, "1"), (make_product("PAP-A4", "Copy paper", "4.99"), "2"))
    statements: list[str] = []

    def record(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = buyer_client.get("/").text
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert 'aria-label="2 lines"' in page
    assert sum("carts" in statement or "cart_lines" in statement for statement in statements) == 1
