"""Order history and order detail: each company sees its own orders, staff see all."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.accounts.models import Role
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import OrderEvent, OrderSource, OrderStatus

SHIP_TO = {"name": "Acme Receiving", "street": "Industriestr. 5", "postal_code": "70173",
           "city": "Stuttgart", "country_code": "DE", "code": "ACME-1"}
BILL_TO = SHIP_TO | {"name": "Acme Accounts Payable", "code": ""}


def make_order(company_id, user_id=None, po_number="PO-1", source=OrderSource.CHECKOUT,
               lines=2):
    new_lines = [
        orders.NewOrderLine(sku=f"SKU-{n}", name=f"Product {n}", quantity=Decimal(n + 1),
                            unit="EA", unit_price=Decimal("2.50"), currency="EUR")
        for n in range(lines)
    ]
    order = orders.create_order(company_id, user_id, source, po_number, "EUR", new_lines,
                                SHIP_TO, BILL_TO, payment_terms="Pay on invoice, 30 days net",
                                comments="Leave at gate 3", actor="test")
    db.session.commit()
    return order


@pytest.fixture
def acme_buyer(make_user):
    return make_user("buyer@acme.test", first_name="Bea", last_name="Buyer")


@pytest.fixture
def globex_buyer(make_user, make_company):
    return make_user("buyer@globex.test", company=make_company("Globex Laboratories"))


def test_order_pages_need_login(client, acme_buyer):
    order = make_order(acme_buyer.company_id)
    assert client.get("/orders").headers["Location"] == "/login?next=%2Forders"
    assert client.get(f"/orders/{order.number}").status_code == 302


def test_history_lists_the_companys_orders_only(client, auth, acme_buyer, globex_buyer,
                                                make_user):
    colleague = make_user("colleague@acme.test")
    own = make_order(acme_buyer.company_id, acme_buyer.id, po_number="PO-ACME-1")
    by_colleague = make_order(acme_buyer.company_id, colleague.id, po_number="PO-ACME-2")
    by_po = make_order(acme_buyer.company_id, None, po_number="PO-ARIBA-7",
                       source=OrderSource.PURCHASE_ORDER)
    foreign = make_order(globex_buyer.company_id, globex_buyer.id, po_number="PO-GLOBEX")
    auth.login()
    page = client.get("/orders")
    assert page.status_code == 200
    for order in (own, by_colleague, by_po):
        assert order.number in page.text
    assert foreign.number not in page.text and "PO-GLOBEX" not in page.text
    assert "Purchase order" in page.text and "Bea Buyer" in page.text
    assert "€7.50" in page.text  # 1 × 2.50 + 2 × 2.50
    assert "3 orders" in page.text


def test_history_newest_first_and_paginated(client, auth, acme_buyer):
    numbers = [make_order(acme_buyer.company_id, lines=1).number for _ in range(27)]
    auth.login()
    first = client.get("/orders").text
    assert first.index(numbers[-1]) < first.index(numbers[-2])
    assert numbers[0] not in first and 'href="/orders?page=2"' in first
    second = client.get("/orders?page=2").text
    assert numbers[0] in second and numbers[-1] not in second
    assert client.get("/orders?page=abc").status_code == 200


def test_empty_history(client, auth, acme_buyer):
    auth.login()
    assert "No orders yet" in client.get("/orders").text


def test_order_detail(client, auth, acme_buyer):
    order = make_order(acme_buyer.company_id, acme_buyer.id, po_number="PO-4711")
    db.session.add(OrderEvent(order_id=order.id, status=OrderStatus.CONFIRMED,
                              note="Confirmed by Northwind.", actor="staff"))
    order.status = OrderStatus.CONFIRMED
    db.session.commit()
    auth.login()
    page = client.get(f"/orders/{order.number}")
    assert page.status_code == 200
    text = page.text
    assert f"Order {order.number}" in text and "PO-4711" in text
    assert "SKU-0" in text and "SKU-1" in text and "Product 1" in text
    assert "€2.50" in text and "€5.00" in text and "€7.50" in text
    assert "Acme Receiving" in text and "Acme Accounts Payable" in text and "ACME-1" in text
    assert "Order placed." in text and "Confirmed by Northwind." in text
    assert "badge-confirmed" in text and "Leave at gate 3" in text
    assert "Pay on invoice, 30 days net" in text


def test_another_companys_order_is_not_found(client, auth, acme_buyer, globex_buyer):
    foreign = make_order(globex_buyer.company_id, globex_buyer.id)
    auth.login()
    assert client.get(f"/orders/{foreign.number}").status_code == 404
    assert client.get("/orders/SO-999999").status_code == 404
    assert client.get("/orders/" + "x" * 500).status_code == 404


def test_staff_see_every_order(client, auth, acme_buyer, globex_buyer, make_user):
    acme = make_order(acme_buyer.company_id, acme_buyer.id)
    globex = make_order(globex_buyer.company_id, globex_buyer.id)
    make_user("staff@northwind.test", role=Role.STAFF)
    auth.login("staff@northwind.test")
    page = client.get("/orders").text
    assert acme.number in page and globex.number in page
    assert "Globex Laboratories" in page and "All orders" in page
    assert client.get(f"/orders/{globex.number}").status_code == 200


def test_orders_for_company_service(app, acme_buyer, globex_buyer):
    make_order(acme_buyer.company_id, lines=3)
    make_order(globex_buyer.company_id, lines=1)
    listing = orders.orders_for_company(acme_buyer.company_id)
    assert listing.total == 1 and listing.pages == 1
    assert list(listing.line_counts.values()) == [3]
    assert orders.orders_for_company(None).total == 2


def test_get_order_for_user_service(app, acme_buyer, globex_buyer):
    order = make_order(acme_buyer.company_id)
    assert orders.get_order_for_user(order.number, acme_buyer) == order
    with pytest.raises(orders.NotFound):
        orders.get_order_for_user(order.number, globex_buyer)
