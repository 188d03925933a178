"""Helpers shared by the catalog tests: counting SQL statements, logging in, bulk products."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from flask import g
from flask.testing import FlaskClient
from sqlalchemy import event

from shop.catalog.models import Category, ContractPrice, Product
from shop.extensions import db
from tests.conftest import session_identifier


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect every SQL statement the engine sends while the block runs."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        statements.append(statement)

    # A fresh session, so that nothing the test loaded earlier is served from its identity map,
    # and no user remembered on g (tests share one app context across requests).
    db.session.remove()
    g.pop("_login_user", None)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def login_as(client: FlaskClient, user: Any) -> None:
    """Log in without the login form (another feature's work): Flask-Login's session key."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
        session["_id"] = session_identifier(client)
    g.pop("_login_user", None)  # Flask-Login caches the user on g, which tests share


def add_products(category: Category | None, count: int, prefix: str = "P", **fields: Any
                 ) -> list[Product]:
    """``count`` products named "<prefix> product 001"... with rising prices, in one commit."""
    products = []
    for n in range(1, count + 1):
        values: dict[str, Any] = {
            "sku": f"{prefix}-{n:04d}", "name": f"{prefix} product {n:03d}",
            "list_price": Decimal(n) + Decimal("0.50"), "unit": "EA", "unspsc": "44121704",
            "stock_quantity": 50, "category": category,
        }
        values.update(fields)
        products.append(Product(**values))
    db.session.add_all(products)
    db.session.commit()
    return products


def add_contract_price(company: Any, product: Product, price: str) -> None:
    db.session.add(ContractPrice(company_id=company.id, product_id=product.id,
                                 price=Decimal(price), currency=product.currency))
    db.session.commit()


def select_all(node: Any, selector: str) -> list[Any]:
    """A small CSS subset for tests (no extra dependency): ``tag.class[attr=value]`` steps
    separated by spaces (descendants); ``tag`` and ``.class`` parts are optional."""
    path = "."
    for step in selector.split():
        match = _STEP.fullmatch(step)
        assert match, f"unsupported selector step {step!r}"
        tag, classes, attribute, value = match.groups()
        tests = [f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"
                 for name in (classes or "").split(".") if name]
        if attribute:
            tests.append(f"@{attribute}" if value is None else f"@{attribute}='{value}'")
        path += f"//{tag or '*'}" + "".join(f"[{test}]" for test in tests)
    return node.xpath(path)


_STEP = re.compile(r"([a-z0-9]+)?((?:\.[\w-]+)*)(?:\[([\w-]+)(?:=([^\]]*))?\])?")
