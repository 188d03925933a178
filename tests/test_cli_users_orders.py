"""The command line: ``flask --app shop users …`` and ``flask --app shop orders list``."""

from __future__ import annotations

import json
from decimal import Decimal

from shop.accounts.models import Company, Role, User
from shop.accounts.services import authenticate
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import OrderSource


def test_users_add_creates_user_and_company(runner, production_hashing):
    result = runner.invoke(args=["users", "add", "Jane@Initech.test", "--password",
                                 "long enough", "--company", "Initech", "--role",
                                 "company-admin", "--first-name", "Jane"])
    assert result.exit_code == 0, result.output
    assert "Created company-admin jane@initech.test (Initech)." in result.output
    user = db.session.scalar(db.select(User).filter_by(email="jane@initech.test"))
    assert user.role is Role.COMPANY_ADMIN and user.company.name == "Initech"
    assert user.first_name == "Jane" and user.password_hash.startswith("scrypt:")
    assert authenticate("jane@initech.test", "long enough") == user


def test_users_add_defaults_to_buyer_and_reuses_the_company(runner, make_company):
    make_company("Initech")
    result = runner.invoke(args=["users", "add", "bob@initech.test", "--password",
                                 "long enough", "--company", "Initech"])
    assert result.exit_code == 0, result.output
    assert db.session.query(Company).count() == 1
    assert db.session.scalar(db.select(User.role)) is Role.BUYER


def test_users_add_staff_without_company(runner):
    result = runner.invoke(args=["users", "add", "ops@northwind.test", "--password",
                                 "long enough", "--role", "staff"])
    assert result.exit_code == 0, result.output
    assert "(no company)" in result.output


def test_users_add_asks_for_the_password(runner):
    result = runner.invoke(args=["users", "add", "p@initech.test", "--company", "Initech"],
                           input="long enough\nlong enough\n")
    assert result.exit_code == 0, result.output
    assert authenticate("p@initech.test", "long enough") is not None


def test_users_add_errors_are_clear(runner, make_user):
    make_user("taken@acme.test")
    duplicate = runner.invoke(args=["users", "add", "TAKEN@acme.test", "--password",
                                    "long enough", "--company", "Acme"])
    assert duplicate.exit_code == 1
    assert "Error: A user with the email taken@acme.test already exists." in duplicate.output
    bad_role = runner.invoke(args=["users", "add", "x@acme.test", "--password", "long enough",
                                   "--company", "Acme", "--role", "owner"])
    assert bad_role.exit_code == 1 and "Unknown role 'owner'" in bad_role.output
    assert "buyer, company-admin, staff" in bad_role.output
    no_company = runner.invoke(args=["users", "add", "y@acme.test", "--password", "long enough"])
    assert no_company.exit_code == 1 and "belongs to a company" in no_company.output
    short = runner.invoke(args=["users", "add", "z@acme.test", "--password", "short",
                                "--company", "Acme"])
    assert short.exit_code == 1 and "at least 8 characters" in short.output
    assert db.session.query(User).count() == 1


def test_users_list(runner, make_user):
    make_user("buyer@acme.test")
    make_user("gone@acme.test", is_active_user=False)
    rows = json.loads(runner.invoke(args=["users", "list", "--json"]).output)
    assert rows == [
        {"email": "buyer@acme.test", "role": "buyer", "company": "Acme Industries",
         "active": True},
        {"email": "gone@acme.test", "role": "buyer", "company": "Acme Industries",
         "active": False},
    ]
    table = runner.invoke(args=["users", "list"]).output
    assert "gone@acme.test" in table and "(deactivated)" in table


def _order(company_id, po_number, source=OrderSource.CHECKOUT):
    line = orders.NewOrderLine(sku="PEN-001", name="Pen", quantity=Decimal(3), unit="EA",
                               unit_price=Decimal("0.3350"), currency="EUR")
    order = orders.create_order(company_id, None, source, po_number, "EUR", [line, line], {}, {})
    db.session.commit()
    return order


def test_orders_list_json(runner, make_company):
    acme = make_company("Acme Industries")
    first = _order(acme.id, "PO-1")
    second = _order(acme.id, "PO-ARIBA-2", OrderSource.PURCHASE_ORDER)
    result = runner.invoke(args=["orders", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["number"] for row in rows] == [first.number, second.number]
    row = rows[0]
    assert row == {
        "number": first.number, "company": "Acme Industries", "po_number": "PO-1",
        "status": "placed", "source": "checkout", "subtotal": "2.02", "total": "2.02",
        "currency": "EUR", "lines": 2, "placed_at": row["placed_at"], "connection": "",
    }
    assert row["placed_at"].endswith("+00:00")
    assert rows[1]["source"] == "purchase-order"


def test_orders_list_table(runner, make_company):
    assert "No orders yet." in runner.invoke(args=["orders", "list"]).output
    order = _order(make_company("Acme Industries").id, "PO-1")
    output = runner.invoke(args=["orders", "list"]).output
    header, line = output.splitlines()
    assert header.split()[:3] == ["NUMBER", "PLACED", "(UTC)"]
    assert order.number in line and "Acme Industries" in line and "2.02 EUR" in line
    assert json.loads(runner.invoke(args=["orders", "list", "--json"]).output)[0]["lines"] == 2
