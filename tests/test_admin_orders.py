"""Staff follow orders: list, filter, detail, dashboard, and status changes with history."""

from __future__ import annotations

import datetime as dt

import pytest
from admin_support import count_queries, log_in, make_order, post, rows
from sqlalchemy import select

from shop.accounts.models import Role
from shop.extensions import db
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.orders.status import (
    InvalidTransition,
    allowed_transitions,
    can_transition,
    change_status,
    record_status_change,
)

S = OrderStatus


@pytest.fixture
def staff_client(client, make_user):
    log_in(client, make_user("staff@northwind.test", role=Role.STAFF))
    return client


@pytest.fixture
def acme(make_company):
    return make_company("Acme Industries")


def fresh(order):
    db.session.expire_all()
    return db.session.get(Order, order.id)


# ---------- the transition table ----------


def test_allowed_transitions_table():
    assert set(allowed_transitions(S.PLACED)) == {S.CONFIRMED, S.REJECTED, S.CANCELLED}
    assert set(allowed_transitions(S.CONFIRMED)) == {S.SHIPPED, S.CANCELLED}
    assert allowed_transitions(S.SHIPPED) == (S.INVOICED,)
    for final in (S.REJECTED, S.INVOICED, S.CANCELLED):
        assert allowed_transitions(final) == ()
    assert can_transition(S.PLACED, S.CONFIRMED) and not can_transition(S.PLACED, S.SHIPPED)
    assert not can_transition(S.SHIPPED, S.CANCELLED)


def test_change_status_records_who_and_why(acme):
    order = make_order(acme)
    event = change_status(order, S.CONFIRMED, "staff@northwind.test", "  Stock reserved  ")
    order = fresh(order)
    assert order.status == S.CONFIRMED
    assert [(e.status, e.actor, e.note) for e in order.events] == [
        (S.CONFIRMED, "staff@northwind.test", "Stock reserved")]
    assert event.at.tzinfo is not None


@pytest.mark.parametrize(("start", "target", "message"), [
    (S.PLACED, S.SHIPPED, "A placed order cannot become shipped; it can become: confirmed, "
                          "rejected, cancelled."),
    (S.PLACED, S.PLACED, "The order is already placed."),
    (S.SHIPPED, S.CANCELLED, "cannot become cancelled"),
    (S.INVOICED, S.CANCELLED, "A invoiced order cannot change status any more."),
])
def test_invalid_transitions_are_refused(acme, start, target, message):
    order = make_order(acme, status=start)
    with pytest.raises(InvalidTransition) as error:
        change_status(order, target, "staff@northwind.test")
    assert message in str(error.value)
    order = fresh(order)
    assert order.status == start and order.events == []


def test_a_stale_order_is_not_changed_twice(acme):
    """Two staff act on the same order at once: the second change is refused."""
    order = make_order(acme)
    db.session.execute(db.update(Order).where(Order.id == order.id).values(status=S.CANCELLED))
    db.session.commit()
    stale = Order(id=order.id, number=order.number, status=S.PLACED)  # what the page showed
    db.session.expunge_all()
    with pytest.raises(InvalidTransition, match="changed by someone else"):
        record_status_change(stale, S.CONFIRMED, "late@northwind.test")
    db.session.rollback()
    assert fresh(order).status == S.CANCELLED
    assert db.session.scalar(select(db.func.count()).select_from(OrderEvent)) == 0


def test_record_status_change_leaves_the_commit_to_the_caller(acme):
    order = make_order(acme)
    record_status_change(order, S.CONFIRMED, "cli")
    db.session.rollback()
    assert fresh(order).status == S.PLACED


# ---------- back-office pages ----------


def test_status_change_through_the_detail_page(staff_client, acme):
    order = make_order(acme, po_number="PO-77")
    page = staff_client.get(f"/admin/orders/{order.id}").text
    assert '<option value="confirmed">Confirm</option>' in page
    assert 'value="shipped"' not in page
    response = post(staff_client, f"/admin/orders/{order.id}/status",
                    {"status": "confirmed", "note": "Stock <b>reserved</b>"})
    assert response.headers["Location"] == f"/admin/orders/{order.id}"
    page = staff_client.get(response.headers["Location"]).text
    assert f"Order {order.number} is now confirmed." in page
    assert "by staff@northwind.test" in page
    assert "Stock &lt;b&gt;reserved&lt;/b&gt;" in page
    assert fresh(order).status == S.CONFIRMED

    for target in ("shipped", "invoiced"):
        post(staff_client, f"/admin/orders/{order.id}/status", {"status": target})
    order = fresh(order)
    assert [e.status for e in order.events] == [S.CONFIRMED, S.SHIPPED, S.INVOICED]
    assert "its status cannot change any more" in staff_client.get(f"/admin/orders/{order.id}").text


@pytest.mark.parametrize(("data", "message"), [
    ({"status": "shipped"}, "A placed order cannot become shipped"),
    ({"status": "lost-in-space"}, "Not a valid choice"),
    ({"status": "confirmed", "note": "n" * 3000}, "Field cannot be longer than 2000 characters."),
])
def test_invalid_status_changes_are_refused_with_a_message(staff_client, acme, data, message):
    order = make_order(acme)
    response = post(staff_client, f"/admin/orders/{order.id}/status", data)
    page = staff_client.get(response.headers["Location"]).text
    assert message in page
    order = fresh(order)
    assert order.status == S.PLACED and order.events == []


def test_detail_shows_lines_addresses_totals_and_buyer(staff_client, acme, make_user):
    buyer = make_user("buyer@acme.test", company=acme, first_name="Bea", last_name="Buyer")
    order = make_order(acme, po_number="PO-4711", user=buyer, lines=3)
    page = staff_client.get(f"/admin/orders/{order.id}").text
    for text in ("PO-4711", "SKU-3", "Item 2", "1 Dock Road", "2 Ledger Lane", "€60.00",
                 "Bea Buyer (buyer@acme.test)", "Acme Industries"):
        assert text in page, text


def test_list_filters_by_status_company_and_number(staff_client, acme, make_company):
    globex = make_company("Globex")
    make_order(acme, "SO-100001", po_number="PO-A1")
    make_order(acme, "SO-100002", status=S.SHIPPED, po_number="PO-B2")
    make_order(globex, "SO-200001", po_number="4500012345")
    page = staff_client.get("/admin/orders?status=shipped").text
    assert "SO-100002" in page and "SO-100001" not in page and "SO-200001" not in page
    page = staff_client.get(f"/admin/orders?company={globex.id}").text
    assert "SO-200001" in page and "SO-100001" not in page
    page = staff_client.get("/admin/orders?q=so-1000").text
    assert "SO-100001" in page and "SO-100002" in page and "SO-200001" not in page
    page = staff_client.get("/admin/orders?q=45000").text
    assert "SO-200001" in page and "SO-100001" not in page
    page = staff_client.get("/admin/orders?company=abc&status=%3Cx%3E").text
    assert "SO-100001" in page and "Some filters were not understood" in page


def test_list_is_newest_first_and_paginated(staff_client, acme):
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    for n in range(52):
        order = make_order(acme, f"SO-{n:06d}")
        order.placed_at = start + dt.timedelta(hours=n)
    db.session.commit()
    first = staff_client.get("/admin/orders?status=placed").text
    assert rows(first) == 50
    assert first.index("SO-000051") < first.index("SO-000050")
    second = staff_client.get("/admin/orders?status=placed&page=2").text
    assert rows(second) == 2 and "SO-000000" in second


def test_order_pages_query_counts_do_not_grow(staff_client, acme, make_company):
    make_order(acme, "SO-000001")
    staff_client.get("/admin/orders")
    with count_queries() as few_list:
        staff_client.get("/admin/orders")
    with count_queries() as few_dashboard:
        staff_client.get("/admin/")
    small = make_order(acme, "SO-000002", lines=1)
    big = make_order(acme, "SO-000003", lines=25)
    for n in range(20):
        make_order(make_company(f"Company {n}"), f"SO-1{n:05d}")
    change_status(big, S.CONFIRMED, "a")
    change_status(big, S.SHIPPED, "b")
    with count_queries() as many_list:
        page = staff_client.get("/admin/orders")
    assert rows(page.text) == 23
    with count_queries() as many_dashboard:
        staff_client.get("/admin/")
    with count_queries() as small_detail:
        staff_client.get(f"/admin/orders/{small.id}")
    with count_queries() as big_detail:
        staff_client.get(f"/admin/orders/{big.id}")
    assert len(many_list) == len(few_list)
    assert len(many_dashboard) == len(few_dashboard)
    assert len(big_detail) == len(small_detail)


def test_dashboard_counts(staff_client, acme, make_product, make_company):
    make_product("A-1", active=True)
    make_product("A-2", active=True)
    make_product("I-1", active=False)
    make_company("Globex")
    make_order(acme, "SO-1")
    make_order(acme, "SO-2", status=S.SHIPPED)
    make_order(acme, "SO-3", status=S.SHIPPED)
    page = staff_client.get("/admin/").text
    compact = " ".join(page.split())
    assert '<span class="stat-value">2</span> <span class="stat-label">active products' in compact
    assert '<span class="stat-value">1</span> <span class="stat-label">inactive products' in compact
    assert '<span class="stat-value">2</span> <span class="stat-label">companies' in compact
    assert 'badge-shipped">Shipped</span> <strong>2</strong>' in compact
    assert 'badge-cancelled">Cancelled</span> <strong>0</strong>' in compact
    assert page.index("SO-3") < page.index("SO-1")
