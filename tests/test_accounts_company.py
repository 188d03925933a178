"""Company administration: company admins manage their company's users and addresses."""

from __future__ import annotations

import pytest

from shop.accounts import services
from shop.accounts.models import Address, AddressKind, Role, User
from shop.extensions import db
from tests.conftest import csrf_token
from tests.shopper_helpers import add_address


@pytest.fixture
def admin(make_user):
    return make_user("admin@acme.test", role=Role.COMPANY_ADMIN)


@pytest.fixture
def admin_client(client, auth, admin):
    auth.login("admin@acme.test")
    return client


def _token(client, url="/account/company"):
    return csrf_token(client.get(url).text)


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/account/company"), ("get", "/account/company/users/new"),
     ("post", "/account/company/users/new"), ("post", "/account/company/users/1/deactivate"),
     ("get", "/account/company/addresses/new"), ("get", "/account/company/addresses/1/edit"),
     ("post", "/account/company/addresses/1/delete")],
)
def test_company_pages_are_forbidden_to_buyers_and_staff(client, auth, make_user, method, url):
    make_user("buyer@acme.test")
    make_user("staff@northwind.test", role=Role.STAFF)
    for email in ("buyer@acme.test", "staff@northwind.test"):
        auth.login(email)
        token = csrf_token(client.get("/account").text)
        response = getattr(client, method)(url, data={"csrf_token": token})
        assert response.status_code == 403, email
        auth.logout()


def test_company_pages_need_login(client):
    response = client.get("/account/company")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_company_page_lists_users_and_addresses(admin_client, admin, make_user):
    make_user("buyer@acme.test", first_name="Bea")
    make_user("other@globex.test", company=_other_company(make_user))
    add_address(admin.company, AddressKind.BILL_TO, "Acme Accounts Payable")
    page = admin_client.get("/account/company")
    assert page.status_code == 200
    assert "buyer@acme.test" in page.text and "admin@acme.test" in page.text
    assert "other@globex.test" not in page.text
    assert "Acme Accounts Payable" in page.text
    account = admin_client.get("/account").text
    assert "Manage users and addresses" in account


def _other_company(make_user):
    from shop.accounts.services import get_or_create_company

    company = get_or_create_company("Globex Laboratories")
    db.session.commit()
    return company


def test_admin_adds_a_buyer_who_can_log_in(admin_client, auth, admin):
    page = admin_client.get("/account/company/users/new")
    assert page.status_code == 200 and '<label for="role">Role</label>' in page.text
    response = admin_client.post("/account/company/users/new", data={
        "email": "New.Buyer@Acme.test", "first_name": "New", "last_name": "Buyer",
        "role": "buyer", "password": "welcome to acme", "csrf_token": csrf_token(page.text),
        "company_id": "999"})
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="new.buyer@acme.test"))
    assert user.company_id == admin.company_id and user.role is Role.BUYER
    auth.logout()
    assert auth.login("new.buyer@acme.test", "welcome to acme").status_code == 302


def test_admin_cannot_create_staff_or_duplicates(admin_client, make_user):
    make_user("taken@acme.test")
    token = _token(admin_client, "/account/company/users/new")
    staff = admin_client.post("/account/company/users/new", data={
        "email": "x@acme.test", "role": "staff", "password": "long enough", "csrf_token": token})
    assert staff.status_code == 400 and "Not a valid choice" in staff.text
    duplicate = admin_client.post("/account/company/users/new", data={
        "email": "TAKEN@acme.test", "role": "buyer", "password": "long enough",
        "csrf_token": token})
    assert duplicate.status_code == 400 and "already exists" in duplicate.text
    bad = admin_client.post("/account/company/users/new", data={
        "email": "nope", "role": "buyer", "password": "short", "csrf_token": token})
    assert bad.status_code == 400 and "Use at least 8 characters." in bad.text
    assert db.session.query(User).count() == 2


def test_service_refuses_staff_role_for_company_users(app, admin):
    with pytest.raises(services.AccountError):
        services.add_company_user(admin.company_id, "s@acme.test", "long enough", Role.STAFF)


def test_deactivate_and_reactivate(admin_client, auth, make_user):
    buyer = make_user("buyer@acme.test")
    token = _token(admin_client)
    response = admin_client.post(f"/account/company/users/{buyer.id}/deactivate",
                                 data={"csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(buyer)
    assert not buyer.is_active_user
    assert "Deactivated" in admin_client.get("/account/company").text
    admin_client.post(f"/account/company/users/{buyer.id}/activate", data={"csrf_token": token})
    db.session.refresh(buyer)
    assert buyer.is_active_user


def test_deactivated_buyer_cannot_log_in(app, admin, make_user, auth):
    buyer = make_user("buyer@acme.test")
    services.set_user_active(admin.company_id, buyer.id, False, admin.id)
    response = auth.login("buyer@acme.test")
    assert response.status_code == 200 and "The email or password is not correct." in response.text


def test_admin_cannot_deactivate_themselves_or_other_companies(admin_client, admin, make_user):
    other = make_user("other@globex.test", company=_other_company(make_user))
    token = _token(admin_client)
    own = admin_client.post(f"/account/company/users/{admin.id}/deactivate",
                            data={"csrf_token": token}, follow_redirects=True)
    assert "You cannot deactivate your own account." in own.text
    foreign = admin_client.post(f"/account/company/users/{other.id}/deactivate",
                                data={"csrf_token": token})
    assert foreign.status_code == 404
    db.session.refresh(other)
    db.session.refresh(admin)
    assert other.is_active_user and admin.is_active_user


def test_deactivate_needs_csrf(admin_client, make_user):
    buyer = make_user("buyer@acme.test")
    assert admin_client.post(f"/account/company/users/{buyer.id}/deactivate").status_code == 400
    db.session.refresh(buyer)
    assert buyer.is_active_user


ADDRESS = {"kind": "ship-to", "name": "Plant 2", "street": "Hafenstr. 9", "postal_code": "20457",
           "city": "Hamburg", "country_code": "de", "code": "P2"}


def test_admin_adds_edits_and_removes_addresses(admin_client, admin):
    token = _token(admin_client, "/account/company/addresses/new")
    response = admin_client.post("/account/company/addresses/new",
                                 data=ADDRESS | {"csrf_token": token})
    assert response.status_code == 302
    address = db.session.scalar(db.select(Address).filter_by(name="Plant 2"))
    assert address.country_code == "DE" and address.is_default  # the first ship-to
    assert address.company_id == admin.company_id

    edit = admin_client.get(f"/account/company/addresses/{address.id}/edit")
    assert edit.status_code == 200 and 'value="Hafenstr. 9"' in edit.text
    admin_client.post(f"/account/company/addresses/{address.id}/edit",
                      data=ADDRESS | {"street": "Hafenstr. 11", "csrf_token": token})
    db.session.refresh(address)
    assert address.street == "Hafenstr. 11"

    admin_client.post(f"/account/company/addresses/{address.id}/delete",
                      data={"csrf_token": token})
    assert db.session.get(Address, address.id) is None


def test_address_form_validation(admin_client):
    token = _token(admin_client, "/account/company/addresses/new")
    response = admin_client.post("/account/company/addresses/new", data=ADDRESS | {
        "country_code": "Germany", "city": "", "csrf_token": token})
    assert response.status_code == 400
    assert "Use the two-letter ISO code" in response.text and "Enter the city." in response.text
    assert db.session.query(Address).count() == 0


def test_one_default_address_per_kind(app, admin):
    data = services.AddressData(AddressKind.SHIP_TO, "A", "s", "1", "c", "DE")
    first = services.add_address(admin.company_id, data)
    second = services.add_address(admin.company_id, data)
    assert first.is_default and not second.is_default
    services.update_address(admin.company_id, second.id,
                            services.AddressData(AddressKind.SHIP_TO, "B", "s", "1", "c", "DE",
                                                 is_default=True))
    db.session.refresh(first)
    assert second.is_default and not first.is_default
    bill = services.add_address(admin.company_id,
                                services.AddressData(AddressKind.BILL_TO, "C", "s", "1", "c", "DE"))
    assert bill.is_default  # defaults are per kind


def test_other_companies_addresses_are_not_found(admin_client, make_user):
    other = _other_company(make_user)
    foreign = add_address(other, name="Globex Dock")
    token = _token(admin_client)
    assert admin_client.get(f"/account/company/addresses/{foreign.id}/edit").status_code == 404
    delete = admin_client.post(f"/account/company/addresses/{foreign.id}/delete",
                               data={"csrf_token": token})
    assert delete.status_code == 404
    assert db.session.get(Address, foreign.id) is not None
