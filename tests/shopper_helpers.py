"""Small builders shared by the accounts, cart, checkout and order tests."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shop.accounts.models import Address, AddressKind, Company, User
from shop.cart.models import Cart, CartLine
from shop.cart.services import add_to_cart, get_or_create_user_cart
from shop.catalog.models import ContractPrice, Product
from shop.extensions import db

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def token_of(client: FlaskClient, url: str = "/login") -> str:
    """A CSRF token valid for the client's session."""
    # A fresh app context: the test's own context (and its ``g``, where Flask-WTF caches the
    # token) would otherwise be shared by every client's requests.
    with client.application.app_context():
        match = CSRF.search(client.get(url).text)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def add_address(company: Company, kind: AddressKind = AddressKind.SHIP_TO,
                name: str = "Acme HQ", **fields: Any) -> Address:
    values = {"street": "Industriestr. 5", "postal_code": "70173", "city": "Stuttgart",
              "country_code": "DE"} | fields
    address = Address(company_id=company.id, kind=kind, name=name, **values)
    db.session.add(address)
    db.session.commit()
    return address


def give_addresses(company: Company) -> tuple[Address, Address]:
    """A ship-to and a bill-to address for the company."""
    return (add_address(company, AddressKind.SHIP_TO, "Acme Receiving", is_default=True),
            add_address(company, AddressKind.BILL_TO, "Acme Accounts Payable", is_default=True,
                        street="Postfach 12"))


def contract_price(company: Company, product: Product, price: str) -> None:
    db.session.add(ContractPrice(company_id=company.id, product_id=product.id,
                                 price=Decimal(price), currency=product.currency))
    db.session.commit()


def fill_cart(user: User, *items: tuple[Product, str]) -> int:
    """Put products in the user's own cart through the service; the cart id."""
    cart_id = get_or_create_user_cart(user.id)
    for product, quantity in items:
        add_to_cart(cart_id, product.sku, quantity)
    return cart_id


def cart_lines(user: User) -> dict[str, Decimal]:
    """SKU → quantity of the user's own cart."""
    rows = db.session.execute(
        select(Product.sku, CartLine.quantity).join(CartLine.product)
        .join(Cart, CartLine.cart_id == Cart.id).where(Cart.user_id == user.id)
    )
    return {sku: Decimal(quantity) for sku, quantity in rows}


def logged_in_client(app: Flask, email: str, password: str = "correct horse") -> FlaskClient:
    """A new test client logged in through the real form."""
    client = app.test_client()
    token = token_of(client)
    with app.app_context():
        response = client.post("/login", data={"email": email, "password": password,
                                               "csrf_token": token})
    assert response.status_code == 302, "login failed"
    return client
