"""Nothing is lost when several requests change one cart at the same moment.

The threads use their own database connections on the real database file (or PostgreSQL when
TEST_DATABASE_URL names it), so the database's locking is what is being tested.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from flask import Flask

from shop.cart import services
from shop.cart.models import Cart
from shop.extensions import db
from tests.shopper_helpers import cart_lines, logged_in_client, token_of


def run_together(app: Flask, workers: list[Callable[[], object]]) -> list[object]:
    """Run the callables in threads released at the same instant; their results or errors."""
    barrier = threading.Barrier(len(workers))
    results: list[object] = [None] * len(workers)

    def run(index: int, work: Callable[[], object]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[index] = work()
            except Exception as error:  # reported by the test below
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n, work)) for n, work in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.fixture
def buyer(make_user):
    return make_user()


@pytest.fixture
def products(make_product):
    return [make_product("PEN-001", "Pen", "1.20"), make_product("PAP-A4", "Paper", "4.99")]


def test_concurrent_adds_of_one_product_add_up(app, buyer, products):
    cart_id = services.get_or_create_user_cart(buyer.id)

    def add_five() -> None:
        for _ in range(5):
            services.add_to_cart(cart_id, "PEN-001", 1)

    results = run_together(app, [add_five] * 8)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert cart_lines(buyer) == {"PEN-001": Decimal(40)}


def test_concurrent_adds_of_different_products_all_arrive(app, buyer, products):
    cart_id = services.get_or_create_user_cart(buyer.id)

    def adder(sku: str, quantity: int) -> Callable[[], None]:
        return lambda: services.add_to_cart(cart_id, sku, quantity)

    workers = [adder("PEN-001", 2), adder("PAP-A4", 3)] * 4
    results = run_together(app, workers)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert cart_lines(buyer) == {"PEN-001": Decimal(8), "PAP-A4": Decimal(12)}


def test_concurrent_cart_creation_makes_one_cart(app, buyer):
    user_id = buyer.id  # ORM objects belong to the main thread's session
    results = run_together(app, [lambda: services.get_or_create_user_cart(user_id)] * 8)
    assert len(set(results)) == 1 and isinstance(results[0], int)
    assert db.session.query(Cart).filter_by(user_id=user_id).count() == 1


def test_concurrent_add_requests_for_a_user_without_a_cart(app, buyer, products):
    """Several browser tabs add at once, before the user has a cart: one cart, every unit."""
    clients = [logged_in_client(app, "buyer@acme.test") for _ in range(4)]
    tokens = [token_of(client) for client in clients]

    def post(index: int) -> Callable[[], int]:
        def send() -> int:
            response = clients[index].post("/cart/add", data={
                "sku": "PEN-001", "quantity": str(index + 1), "csrf_token": tokens[index]})
            return response.status_code
        return send

    results = run_together(app, [post(n) for n in range(4)])
    assert results == [302] * 4
    assert cart_lines(buyer) == {"PEN-001": Decimal(1 + 2 + 3 + 4)}
    assert db.session.query(Cart).filter_by(user_id=buyer.id).count() == 1


def test_concurrent_adds_never_exceed_the_line_limit(app, buyer, products):
    app.config["MAX_LINE_QUANTITY"] = 10
    cart_id = services.get_or_create_user_cart(buyer.id)

    def add_three() -> object:
        try:
            services.add_to_cart(cart_id, "PEN-001", 3)
        except services.CartError:
            return "refused"
        return "added"

    results = run_together(app, [add_three] * 6)
    assert sorted(results) == ["added"] * 3 + ["refused"] * 3  # type: ignore[type-var]
    assert cart_lines(buyer) == {"PEN-001": Decimal(9)}
