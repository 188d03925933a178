"""Staff manage companies: the company, its users, addresses and contract prices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from admin_support import count_queries, log_in, post, rows
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from shop.accounts.models import Address, AddressKind, Company, Role, User
from shop.catalog.models import ContractPrice
from shop.extensions import db


@pytest.fixture
def staff(make_user):
    return make_user("staff@northwind.test", role=Role.STAFF)


@pytest.fixture
def staff_client(client, staff):
    log_in(client, staff)
    return client


@pytest.fixture
def acme(make_company):
    return make_company("Acme Industries", currency="EUR")


def user(email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


# ---------- companies ----------


def test_create_and_edit_a_company(staff_client):
    response = post(staff_client, "/admin/companies/new",
                    {"name": "Globex Laboratories", "currency": "USD", "payment_terms_days": "45"})
    company = db.session.scalar(select(Company).where(Company.name == "Globex Laboratories"))
    assert response.headers["Location"] == f"/admin/companies/{company.id}"
    assert (company.currency, company.payment_terms_days) == ("USD", 45)
    post(staff_client, f"/admin/companies/{company.id}/edit",
         {"name": "Globex Labs", "currency": "EUR", "payment_terms_days": "30"})
    db.session.refresh(company)
    assert (company.name, company.currency, company.payment_terms_days) == (
        "Globex Labs", "EUR", 30)


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "ACME industries"}, "A company named ACME industries already exists."),
    ({"name": ""}, "Enter the name."),
    ({"name": "x" * 300}, "Field cannot be longer than 200 characters."),
    ({"currency": "XXX"}, "Not a valid choice"),
    ({"payment_terms_days": "400"}, "Number must be between 0 and 365."),
    ({"payment_terms_days": "thirty"}, "Not a valid integer value."),
])
def test_invalid_companies_are_refused(staff_client, acme, data, message):
    form = {"name": "Initech", "currency": "EUR", "payment_terms_days": "30", **data}
    response = post(staff_client, "/admin/companies/new", form)
    assert response.status_code == 200 and message in response.text
    assert db.session.scalar(select(func.count()).select_from(Company)) == 1


def test_list_searches_by_name_prefix_with_counts(staff_client, acme, make_company, make_user,
                                                  make_product):
    make_company("Globex Laboratories")
    make_user("a@acme.test", company=acme)
    make_user("b@acme.test", company=acme)
    db.session.add(ContractPrice(company_id=acme.id, product_id=make_product().id,
                                 price=Decimal("1")))
    db.session.commit()
    page = staff_client.get("/admin/companies?q=acme").text
    assert "Acme Industries" in page and "Globex" not in page
    assert '<td class="num">2</td>' in page and '<td class="num">1</td>' in page


def test_company_list_and_detail_query_counts_do_not_grow(staff_client, make_company, make_user,
                                                          make_product):
    first = make_company("Company 0")
    staff_client.get("/admin/companies")
    with count_queries() as few_list:
        staff_client.get("/admin/companies")
    with count_queries() as few_detail:
        staff_client.get(f"/admin/companies/{first.id}")
    for n in range(1, 15):
        company = make_company(f"Company {n}")
        make_user(f"user{n}@example.test", company=company)
        make_user(f"colleague{n}@example.test", company=first)
        db.session.add(Address(company_id=first.id, kind=AddressKind.SHIP_TO, name=f"Site {n}",
                               street="1 Road", postal_code="1", city="Town", country_code="DE"))
        product = make_product(f"SKU-{n}")
        db.session.add(ContractPrice(company_id=first.id, product_id=product.id,
                                     price=Decimal("1")))
    db.session.commit()
    with count_queries() as many_list:
        page = staff_client.get("/admin/companies")
    assert rows(page.text) == 15
    with count_queries() as many_detail:
        page = staff_client.get(f"/admin/companies/{first.id}")
    assert "colleague14@example.test" in page.text and "SKU-14" in page.text
    assert len(many_list) == len(few_list)
    assert len(many_detail) == len(few_detail)


def test_company_names_with_html_are_escaped(staff_client):
    post(staff_client, "/admin/companies/new",
         {"name": "<script>alert(1)</script>", "currency": "EUR", "payment_terms_days": "30"})
    page = staff_client.get("/admin/companies").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page


# ---------- users ----------


def new_user(**overrides):
    return {"email": "Jane.Doe@Acme.test", "first_name": "Jane", "last_name": "Doe",
            "role": "buyer", "password": "a long secret", **overrides}


def test_add_a_user_with_a_hashed_password(staff_client, acme):
    response = post(staff_client, f"/admin/companies/{acme.id}/users/new",
                    new_user(role="company-admin"))
    assert response.headers["Location"] == f"/admin/companies/{acme.id}#users"
    jane = user("jane.doe@acme.test")
    assert jane.company_id == acme.id and jane.role == Role.COMPANY_ADMIN
    assert jane.password_hash != "a long secret"
    assert check_password_hash(jane.password_hash, "a long secret")
    assert "jane.doe@acme.test" in staff_client.get(f"/admin/companies/{acme.id}").text


@pytest.mark.parametrize(("overrides", "message"), [
    ({"role": "staff"}, "Not a valid choice"),
    ({"email": "not-an-email"}, "Enter an e-mail address like name@example.com."),
    ({"email": "a@b.c<script>"}, "Enter an e-mail address"),
    ({"email": "buyer@acme.test"}, "buyer@acme.test already has an account."),
    ({"email": "BUYER@acme.test"}, "buyer@acme.test already has an account."),
    ({"password": "short"}, "Use 10 to 200 characters."),
    ({"password": ""}, "Enter an initial password."),
    ({"first_name": "J" * 101}, "Field cannot be longer than 100 characters."),
])
def test_invalid_users_are_refused(staff_client, acme, make_user, overrides, message):
    make_user("buyer@acme.test", company=acme)
    response = post(staff_client, f"/admin/companies/{acme.id}/users/new", new_user(**overrides))
    assert response.status_code == 200 and message in response.text
    assert user("jane.doe@acme.test") is None
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.STAFF)) == 1


def test_the_password_never_comes_back_in_the_page(staff_client, acme):
    response = post(staff_client, f"/admin/companies/{acme.id}/users/new",
                    new_user(email="bad", password="hunter2hunter2"))
    assert "hunter2hunter2" not in response.text


def test_change_role_and_deactivate_and_reactivate(staff_client, acme, make_user):
    bob = make_user("bob@acme.test", company=acme)
    post(staff_client, f"/admin/companies/{acme.id}/users/{bob.id}/role", {"role": "company-admin"})
    assert user("bob@acme.test").role == Role.COMPANY_ADMIN
    response = post(staff_client, f"/admin/companies/{acme.id}/users/{bob.id}/role",
                    {"role": "staff"})
    assert "Choose buyer or company admin." in staff_client.get(response.headers["Location"]).text
    assert user("bob@acme.test").role == Role.COMPANY_ADMIN
    post(staff_client, f"/admin/companies/{acme.id}/users/{bob.id}/deactivate")
    assert not user("bob@acme.test").is_active_user
    post(staff_client, f"/admin/companies/{acme.id}/users/{bob.id}/activate")
    assert user("bob@acme.test").is_active_user


def test_users_of_another_company_cannot_be_reached(staff_client, acme, make_company, make_user,
                                                    staff):
    other = make_company("Other Ltd")
    eve = make_user("eve@other.test", company=other)
    for action, data in (("role", {"role": "buyer"}), ("deactivate", {}), ("activate", {})):
        response = post(staff_client, f"/admin/companies/{acme.id}/users/{eve.id}/{action}", data)
        assert response.status_code == 404
        # Nor can a staff account be changed through a company's page.
        response = post(staff_client, f"/admin/companies/{acme.id}/users/{staff.id}/{action}",
                        data)
        assert response.status_code == 404
    assert user("eve@other.test").is_active_user


# ---------- mass assignment ----------


def test_a_posted_role_on_a_form_without_a_role_field_changes_nothing(staff_client, acme,
                                                                        make_user):
    bob = make_user("bob@acme.test", company=acme)
    post(staff_client, f"/admin/companies/{acme.id}/edit", {
        "name": "Acme Industries", "currency": "EUR", "payment_terms_days": "30",
        "role": "staff", "user_id": str(bob.id), "id": "999"})
    post(staff_client, f"/admin/companies/{acme.id}/addresses/new", {
        "kind": "ship-to", "name": "Dock", "street": "1 Road", "postal_code": "1", "city": "X",
        "country_code": "de", "role": "staff", "company_id": "999"})
    post(staff_client, f"/admin/companies/{acme.id}/users/{bob.id}/deactivate",
         {"role": "staff"})
    bob = user("bob@acme.test")
    assert bob.role == Role.BUYER and bob.company_id == acme.id
    db.session.refresh(acme)
    assert acme.id != 999 and [a.company_id for a in acme.addresses] == [acme.id]


def test_a_new_user_cannot_be_put_into_another_company(staff_client, acme, make_company):
    other = make_company("Other Ltd")
    post(staff_client, f"/admin/companies/{acme.id}/users/new",
         new_user(company_id=str(other.id), is_active_user="", password_hash="x"))
    jane = user("jane.doe@acme.test")
    assert jane.company_id == acme.id and jane.is_active_user and jane.password_hash != "x"


# ---------- addresses ----------


def address_form(**overrides):
    return {"kind": "ship-to", "code": "DOCK-1", "name": "Acme Receiving", "street": "1 Dock Rd",
            "postal_code": "12345", "city": "Springfield", "country_code": "us",
            "is_default": "y", **overrides}


def test_add_edit_and_remove_addresses(staff_client, acme):
    post(staff_client, f"/admin/companies/{acme.id}/addresses/new", address_form())
    post(staff_client, f"/admin/companies/{acme.id}/addresses/new",
         address_form(code="DOCK-2", name="Second dock"))
    db.session.expire_all()
    first, second = acme.addresses
    assert first.country_code == "US"
    # Only one default per kind: the newer default replaced the older one.
    assert (first.is_default, second.is_default) == (False, True)
    post(staff_client, f"/admin/companies/{acme.id}/addresses/{first.id}/edit",
         address_form(kind="bill-to", name="Accounts payable", is_default="y"))
    db.session.expire_all()
    assert (first.kind, first.name, first.is_default, second.is_default) == (
        AddressKind.BILL_TO, "Accounts payable", True, True)
    post(staff_client, f"/admin/companies/{acme.id}/addresses/{second.id}/remove")
    db.session.expire_all()
    assert [a.id for a in acme.addresses] == [first.id]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"country_code": "Germany"}, "Two letters (ISO 3166)"),
    ({"street": ""}, "Enter the street."),
    ({"kind": "home"}, "Not a valid choice"),
    ({"postal_code": "1" * 21}, "Field cannot be longer than 20 characters."),
])
def test_invalid_addresses_are_refused(staff_client, acme, overrides, message):
    response = post(staff_client, f"/admin/companies/{acme.id}/addresses/new",
                    address_form(**overrides))
    assert response.status_code == 200 and message in response.text
    db.session.expire_all()
    assert acme.addresses == []


def test_addresses_of_another_company_cannot_be_reached(staff_client, acme, make_company):
    other = make_company("Other Ltd")
    theirs = Address(company_id=other.id, kind=AddressKind.SHIP_TO, name="Theirs", street="1",
                     postal_code="1", city="X", country_code="DE")
    db.session.add(theirs)
    db.session.commit()
    assert staff_client.get(f"/admin/companies/{acme.id}/addresses/{theirs.id}/edit"
                            ).status_code == 404
    assert post(staff_client, f"/admin/companies/{acme.id}/addresses/{theirs.id}/remove"
                ).status_code == 404
    assert db.session.get(Address, theirs.id) is not None


# ---------- contract prices ----------


def test_add_edit_and_remove_contract_prices(staff_client, acme, make_product):
    make_product("PEN-001", price="1.20")
    response = post(staff_client, f"/admin/companies/{acme.id}/prices/new",
                    {"sku": " PEN-001 ", "price": "0.95", "currency": "EUR"})
    assert response.headers["Location"] == f"/admin/companies/{acme.id}#prices"
    price = db.session.scalar(select(ContractPrice))
    assert (price.price, price.currency) == (Decimal("0.95"), "EUR")
    page = staff_client.get(f"/admin/companies/{acme.id}").text
    assert "€0.95" in page and "€1.20" in page
    post(staff_client, f"/admin/companies/{acme.id}/prices/{price.id}/edit",
         {"price": "0.9", "currency": "USD", "sku": "OTHER"})
    db.session.refresh(price)
    assert (price.price, price.currency, price.product.sku) == (Decimal("0.9"), "USD", "PEN-001")
    post(staff_client, f"/admin/companies/{acme.id}/prices/{price.id}/remove")
    assert db.session.scalar(select(func.count()).select_from(ContractPrice)) == 0


@pytest.mark.parametrize(("data", "message"), [
    ({"sku": "NOPE-1"}, "No product has the SKU NOPE-1."),
    ({"sku": "PEN-001"}, "already has a contract price for PEN-001; edit that one."),
    ({"price": "0"}, "Enter a price above zero"),
    ({"price": "-1"}, "Enter a price above zero"),
    ({"price": "ten"}, "Not a valid decimal value"),
    ({"currency": "DOGE"}, "Not a valid choice"),
])
def test_invalid_contract_prices_are_refused(staff_client, acme, make_product, data, message):
    pen = make_product("PEN-001")
    make_product("PEN-002")
    db.session.add(ContractPrice(company_id=acme.id, product_id=pen.id, price=Decimal("1")))
    db.session.commit()
    form = {"sku": "PEN-002", "price": "0.80", "currency": "EUR", **data}
    response = post(staff_client, f"/admin/companies/{acme.id}/prices/new", form)
    assert response.status_code == 200 and message in response.text
    assert 'id="sku-error"' in response.text or 'aria-invalid="true"' in response.text
    assert db.session.scalar(select(func.count()).select_from(ContractPrice)) == 1


def test_contract_prices_of_another_company_cannot_be_reached(staff_client, acme, make_company,
                                                              make_product):
    other = make_company("Other Ltd")
    theirs = ContractPrice(company_id=other.id, product_id=make_product().id, price=Decimal("1"))
    db.session.add(theirs)
    db.session.commit()
    url = f"/admin/companies/{acme.id}/prices/{theirs.id}"
    assert staff_client.get(f"{url}/edit").status_code == 404
    assert post(staff_client, f"{url}/edit", {"price": "0.01", "currency": "EUR"}
                ).status_code == 404
    assert post(staff_client, f"{url}/remove").status_code == 404
    db.session.refresh(theirs)
    assert theirs.price == Decimal("1")
