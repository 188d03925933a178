"""Checkout: from the cart to a placed order, in one transaction, and the refusals."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from shop.accounts.models import AddressKind, Role
from shop.catalog.models import Product
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Order, OrderSource, OrderStatus
from tests.conftest import csrf_token
from tests.shopper_helpers import (
    add_address,
    cart_lines,
    contract_price,
    fill_cart,
    give_addresses,
    logged_in_client,
)
from tests.test_cart_concurrency import run_together

FINGERPRINT = re.compile(r'name="fingerprint" type="hidden" value="([^"]*)"')


@pytest.fixture
def buyer(make_user):
    return make_user(first_name="Bea", last_name="Buyer")


@pytest.fixture
def addresses(buyer):
    return give_addresses(buyer.company)


@pytest.fixture
def pen(make_product):
    return make_product("PEN-001", "Ballpoint pen, blue", "1.20")


@pytest.fixture
def paper(make_product):
    return make_product("PAP-A4", "Copy paper A4", "4.99", unit="PK")


@pytest.fixture
def buyer_client(client, auth, buyer):
    auth.login()
    return client


def _form(client, **fields):
    page = client.get("/checkout")
    assert page.status_code == 200, page.text
    data = {"csrf_token": csrf_token(page.text), "fingerprint": FINGERPRINT.search(page.text)[1],
            "po_number": "PO-4711", "comments": "Gate 3, ask for Sam."}
    return data | fields


def test_checkout_needs_login(client):
    response = client.get("/checkout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fcheckout"


def test_empty_cart_cannot_check_out(buyer_client):
    response = buyer_client.get("/checkout", follow_redirects=True)
    assert "Your cart is empty: add products before checking out." in response.text
    assert response.request.path == "/cart"


def test_checkout_page(buyer_client, buyer, addresses, pen, paper):
    contract_price(buyer.company, pen, "0.95")
    fill_cart(buyer, (pen, "10"), (paper, "2"))
    page = buyer_client.get("/checkout")
    assert page.status_code == 200
    text = page.text
    assert "Acme Receiving" in text and "Acme Accounts Payable" in text
    assert '<label for="po_number">Purchase-order number <span class="required-mark"' in text
    assert "Pay on invoice, 30 days net" in text
    assert "€9.50" in text and "€9.98" in text and "€19.48" in text


def test_checkout_without_addresses_explains_what_to_do(buyer_client, buyer, pen):
    fill_cart(buyer, (pen, "1"))
    page = buyer_client.get("/checkout")
    assert "needs a delivery (ship-to) and a billing (bill-to) address" in page.text
    assert "ask your company administrator" in page.text
    assert 'name="po_number"' not in page.text


def test_place_order(buyer_client, buyer, addresses, pen, paper):
    ship_to, bill_to = addresses
    contract_price(buyer.company, pen, "0.95")
    fill_cart(buyer, (pen, "10"), (paper, "3"))
    response = buyer_client.post("/checkout", data=_form(
        buyer_client, ship_to=ship_to.id, bill_to=bill_to.id, price="0.01"))
    assert response.status_code == 302

    order = db.session.scalar(db.select(Order))
    assert response.headers["Location"] == f"/checkout/confirmation/{order.number}"
    assert re.fullmatch(r"SO-1\d{5}", order.number)
    assert (order.source, order.status, order.po_number) == (
        OrderSource.CHECKOUT, OrderStatus.PLACED, "PO-4711")
    assert (order.company_id, order.user_id, order.currency) == (
        buyer.company_id, buyer.id, "EUR")
    assert order.subtotal == order.total == Decimal("24.47")
    assert order.ship_to == ship_to.snapshot() and order.bill_to == bill_to.snapshot()
    assert order.payment_terms == "Pay on invoice, 30 days net"
    assert order.comments == "Gate 3, ask for Sam."
    snapshot = [(line.line_number, line.sku, line.name, line.unit, line.quantity,
                 line.unit_price, line.line_total) for line in order.lines]
    assert snapshot == [
        (1, "PEN-001", "Ballpoint pen, blue", "EA", Decimal(10), Decimal("0.95"), Decimal("9.50")),
        (2, "PAP-A4", "Copy paper A4", "PK", Decimal(3), Decimal("4.99"), Decimal("14.97")),
    ]
    assert [(e.status, e.actor) for e in order.events] == [(OrderStatus.PLACED, buyer.email)]
    assert cart_lines(buyer) == {}

    confirmation = buyer_client.get(response.headers["Location"])
    assert confirmation.status_code == 200
    assert f"Your order {order.number} is placed." in confirmation.text
    assert "€24.47" in confirmation.text and "Acme Receiving" in confirmation.text
    assert 'aria-label="0 lines"' in confirmation.text


def test_orders_keep_their_snapshot_when_the_catalog_changes(buyer_client, buyer, addresses,
                                                            pen):
    fill_cart(buyer, (pen, "2"))
    buyer_client.post("/checkout", data=_form(buyer_client, ship_to=addresses[0].id,
                                              bill_to=addresses[1].id))
    pen.name, pen.list_price = "Renamed pen", Decimal("9.99")
    addresses[0].street = "Elsewhere 1"
    db.session.commit()
    order = db.session.scalar(db.select(Order))
    db.session.refresh(order)
    assert order.lines[0].name == "Ballpoint pen, blue"
    assert order.lines[0].unit_price == Decimal("1.20")
    assert order.ship_to["street"] == "Industriestr. 5"


@pytest.mark.parametrize(("fields", "message"), [
    ({"po_number": ""}, "Enter your purchase-order number."),
    ({"po_number": "x" * 101}, "Use at most 100 characters."),
    ({"ship_to": "999999"}, "Choose one of your delivery addresses."),
    ({"ship_to": "abc"}, "Choose one of your delivery addresses."),
    ({"bill_to": ""}, "Choose a billing address."),
])
def test_bad_checkout_input_keeps_the_cart(buyer_client, buyer, addresses, pen, fields, message):
    fill_cart(buyer, (pen, "2"))
    data = _form(buyer_client, ship_to=addresses[0].id, bill_to=addresses[1].id) | fields
    response = buyer_client.post("/checkout", data=data)
    assert response.status_code == 400
    assert message in response.text
    assert db.session.query(Order).count() == 0
    assert cart_lines(buyer) == {"PEN-001": Decimal(2)}


def test_addresses_of_another_company_or_kind_are_refused(app, buyer, addresses, pen,
                                                          make_company):
    other = add_address(make_company("Globex"), AddressKind.SHIP_TO, "Globex Dock")
    cart_id = fill_cart(buyer, (pen, "1"))
    with pytest.raises(orders.OrderError, match="delivery addresses"):
        orders.place_order(cart_id, buyer.id, other.id, addresses[1].id, "PO-1")
    with pytest.raises(orders.OrderError, match="billing addresses"):
        orders.place_order(cart_id, buyer.id, addresses[0].id, addresses[0].id, "PO-1")
    assert db.session.query(Order).count() == 0


def test_checkout_without_csrf_token_is_refused(buyer_client, buyer, addresses, pen):
    fill_cart(buyer, (pen, "1"))
    data = _form(buyer_client, ship_to=addresses[0].id, bill_to=addresses[1].id)
    del data["csrf_token"]
    assert buyer_client.post("/checkout", data=data).status_code == 400
    assert db.session.query(Order).count() == 0


def test_inactive_product_is_refused_and_the_cart_kept(buyer_client, buyer, addresses, pen,
                                                      paper):
    fill_cart(buyer, (pen, "1"), (paper, "1"))
    data = _form(buyer_client, ship_to=addresses[0].id, bill_to=addresses[1].id)
    paper.active = False
    db.session.commit()
    response = buyer_client.post("/checkout", data=data, follow_redirects=True)
    assert "Copy paper A4 (PAP-A4) is no longer available." in response.text
    assert response.request.path == "/cart"
    assert db.session.query(Order).count() == 0
    assert cart_lines(buyer) == {"PEN-001": Decimal(1), "PAP-A4": Decimal(1)}


def test_a_price_change_during_checkout_is_shown_before_ordering(buyer_client, buyer, addresses,
                                                                 pen):
    fill_cart(buyer, (pen, "10"))
    data = _form(buyer_client, ship_to=addresses[0].id, bill_to=addresses[1].id)
    pen.list_price = Decimal("1.50")
    db.session.commit()
    response = buyer_client.post("/checkout", data=data)
    assert response.status_code == 400
    assert "Your cart or its prices changed while you were checking out." in response.text
    assert "€15.00" in response.text and 'value="PO-4711"' in response.text
    assert db.session.query(Order).count() == 0
    # Placing it again, as now shown, works.
    retry = data | {"fingerprint": FINGERPRINT.search(response.text)[1]}
    assert buyer_client.post("/checkout", data=retry).status_code == 302
    assert db.session.scalar(db.select(Order.total)) == Decimal("15.00")


def test_mixed_currencies_are_refused(buyer_client, buyer, addresses, pen, make_product):
    make_product("USB-C", "USB-C cable", "9.99", currency="USD")
    fill_cart(buyer, (pen, "1"), (db.session.scalar(db.select(Product).filter_by(sku="USB-C")),
                                  "1"))
    response = buyer_client.get("/checkout", follow_redirects=True)
    assert "Your cart mixes currencies (EUR, USD)" in response.text
    assert response.request.path == "/cart"


def test_users_without_a_company_cannot_check_out(client, auth, make_user, pen):
    staff = make_user("staff@northwind.test", role=Role.STAFF)
    fill_cart(staff, (pen, "1"))
    auth.login("staff@northwind.test")
    response = client.get("/checkout", follow_redirects=True)
    assert "Checkout is for users of a customer company." in response.text


def test_confirmation_of_another_company_is_not_found(buyer_client, buyer, addresses, pen,
                                                     make_user, make_company, auth):
    cart_id = fill_cart(buyer, (pen, "1"))
    order = orders.place_order(cart_id, buyer.id, addresses[0].id, addresses[1].id, "PO-1")
    make_user("other@globex.test", company=make_company("Globex"))
    auth.logout()
    auth.login("other@globex.test")
    assert buyer_client.get(f"/checkout/confirmation/{order.number}").status_code == 404


def test_create_order_numbers_from_the_row_id_and_totals(app, buyer):
    line = orders.NewOrderLine(sku="X-1", name="Thing", quantity=Decimal("3"), unit="EA",
                               unit_price=Decimal("0.3350"), currency="EUR")
    order = orders.create_order(buyer.company_id, buyer.id, OrderSource.PURCHASE_ORDER, "PO-9",
                                "EUR", [line], {"name": "Dock"}, {}, shipping=Decimal("5.00"),
                                tax=Decimal("1.90"), actor="cxml")
    db.session.commit()
    assert order.number == orders.order_number(order.id) == f"SO-{100000 + order.id}"
    assert order.lines[0].line_total == Decimal("1.01")
    assert (order.subtotal, order.total) == (Decimal("1.01"), Decimal("7.91"))
    with pytest.raises(orders.OrderError, match="at least one line"):
        orders.create_order(buyer.company_id, None, OrderSource.CHECKOUT, "", "EUR", [], {}, {})
    with pytest.raises(orders.OrderError, match="currency"):
        orders.create_order(buyer.company_id, None, OrderSource.CHECKOUT, "", "USD", [line], {},
                            {})


def test_create_order_leaves_the_commit_to_its_caller(app, buyer):
    line = orders.NewOrderLine(sku="X-1", name="Thing", quantity=Decimal(1), unit="EA",
                               unit_price=Decimal(1), currency="EUR", line_number=10,
                               line_total=Decimal("0.99"), aux_id="aux-1")
    order = orders.create_order(buyer.company_id, None, OrderSource.PURCHASE_ORDER, "PO-1",
                                "EUR", [line], {}, {})
    assert order.lines[0].line_number == 10 and order.lines[0].line_total == Decimal("0.99")
    db.session.rollback()
    assert db.session.query(Order).count() == 0


def test_concurrent_checkouts_of_one_cart_place_one_order(app, buyer, addresses, pen):
    cart_id = fill_cart(buyer, (pen, "5"))
    ids = (buyer.id, addresses[0].id, addresses[1].id)

    def checkout() -> str:
        try:
            return orders.place_order(cart_id, *ids, po_number="PO-1").number
        except orders.OrderError as error:
            return f"refused: {error}"

    results = run_together(app, [checkout] * 4)
    placed = [r for r in results if str(r).startswith("SO-")]
    assert len(placed) == 1, results
    assert db.session.query(Order).count() == 1
    assert cart_lines(buyer) == {}


def test_concurrent_checkouts_get_distinct_numbers(app, make_user, make_product):
    product = make_product("PEN-001", "Pen", "1.20")
    jobs = []
    ship_to, bill_to = give_addresses(make_user("admin@acme.test").company)
    for n in range(6):
        user = make_user(f"buyer{n}@acme.test")
        cart_id = fill_cart(user, (product, str(n + 1)))
        jobs.append((cart_id, user.id, ship_to.id, bill_to.id))

    def checkout(job):
        return lambda: orders.place_order(*job, po_number="PO").number

    numbers = run_together(app, [checkout(job) for job in jobs])
    assert all(isinstance(n, str) and n.startswith("SO-") for n in numbers), numbers
    assert len(set(numbers)) == 6


def test_checkout_through_two_browsers_at_once(app, buyer, addresses, pen):
    fill_cart(buyer, (pen, "5"))
    clients = [logged_in_client(app, "buyer@acme.test") for _ in range(2)]
    forms = []
    for client in clients:
        with app.app_context():
            forms.append(_form(client, ship_to=addresses[0].id, bill_to=addresses[1].id))

    def post(index: int):
        return lambda: clients[index].post("/checkout", data=forms[index]).status_code

    statuses = run_together(app, [post(0), post(1)])
    assert sorted(statuses) in ([302, 302], [302, 400])  # the loser sees a message or the cart
    assert db.session.query(Order).count() == 1
