"""Helpers for the back-office tests: log in by session, CSRF tokens, orders, query counts."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from flask import g, session
from flask.testing import FlaskClient
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event

from shop.accounts.models import Company, User
from shop.extensions import db
from shop.orders.models import Order, OrderLine, OrderStatus
from tests.conftest import session_identifier


def log_in(client: FlaskClient, user: User) -> None:
    """Log ``user`` in the way Flask-Login remembers it (the login page is another feature's)."""
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True
        sess["_id"] = session_identifier(client)
    forget_user()


def forget_user() -> None:
    """Drop Flask-Login's cached user before a request by someone else.

    The ``app`` fixture keeps one application context open for the whole test, and requests
    reuse it, so ``g._login_user`` from one request would otherwise leak into the next.
    """
    g.pop("_login_user", None)


def csrf_for(client: FlaskClient) -> str:
    """A valid CSRF token for this client's session, even where no page shows a form."""
    with client.session_transaction() as sess:
        raw = sess.setdefault("csrf_token", secrets.token_hex(20))
    with client.application.test_request_context():
        session["csrf_token"] = raw
        return generate_csrf()


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST ``data`` with this session's CSRF token, as the real form would."""
    return client.post(url, data={"csrf_token": csrf_for(client), **(data or {})}, **kwargs)


def make_order(company: Company, number: str = "SO-100001", *, status: OrderStatus =
               OrderStatus.PLACED, po_number: str = "", user: User | None = None,
               lines: int = 1) -> Order:
    """A placed order with ``lines`` lines of 2 × 10.00 EUR."""
    order = Order(
        number=number, company=company, user=user, status=status, po_number=po_number,
        currency="EUR", subtotal=Decimal("20") * lines, total=Decimal("20") * lines,
        ship_to={"name": "Acme Receiving", "street": "1 Dock Road", "postal_code": "12345",
                 "city": "Springfield", "country_code": "US"},
        bill_to={"name": "Acme Accounts", "street": "2 Ledger Lane", "postal_code": "12345",
                 "city": "Springfield", "country_code": "US"},
    )
    for n in range(1, lines + 1):
        order.lines.append(OrderLine(
            line_number=n, sku=f"SKU-{n}", name=f"Item {n}", quantity=Decimal("2"), unit="EA",
            unit_price=Decimal("10"), currency="EUR", line_total=Decimal("20"),
        ))
    db.session.add(order)
    db.session.commit()
    return order


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block, starting from a cold session."""
    statements: list[str] = []
    # Start every measured request alike: no cached user, nothing loaded from earlier.
    forget_user()
    db.session.expire_all()

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def rows(html: str) -> int:
    """How many body rows the page's tables have."""
    return len(re.findall(r"<tr>\s*<td", html))
