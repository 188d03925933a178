"""Accounts: users, passwords, login and logout, the account page, the header."""

from __future__ import annotations

import re

import pytest
from werkzeug.security import generate_password_hash

from shop.accounts import services
from shop.accounts.models import Company, Role, User
from shop.accounts.next_url import safe_next
from shop.accounts.passwords import needs_rehash, verify_password
from shop.extensions import db
from tests.conftest import csrf_token

# ---------- services ----------


def test_create_user_creates_the_company_and_hashes_with_scrypt(app, production_hashing):
    user = services.create_user("  Jane.Doe@Example.COM ", "long enough", "Initech", "buyer")
    assert user.email == "jane.doe@example.com"
    assert user.password_hash.startswith("scrypt:")
    assert "long enough" not in user.password_hash
    assert user.company.name == "Initech" and user.role is Role.BUYER


def test_create_user_reuses_an_existing_company(app, make_company):
    acme = make_company()
    user = services.create_user("b@acme.test", "long enough", "Acme Industries", "company-admin")
    assert user.company_id == acme.id
    assert db.session.query(Company).count() == 1


@pytest.mark.parametrize(
    ("email", "password", "company", "role", "message"),
    [
        ("not-an-email", "long enough", "Acme", "buyer", "valid email"),
        ("a@b.test", "short", "Acme", "buyer", "at least 8"),
        ("a@b.test", "long enough", "Acme", "boss", "Unknown role"),
        ("a@b.test", "long enough", None, "buyer", "belongs to a company"),
        ("a@b.test", "long enough", "   ", "company-admin", "belongs to a company"),
    ],
)
def test_create_user_refuses_bad_input(app, email, password, company, role, message):
    with pytest.raises(services.AccountError, match=message):
        services.create_user(email, password, company, role)
    assert db.session.query(User).count() == 0


def test_create_user_refuses_a_duplicate_email_in_any_case(app, make_user):
    make_user("buyer@acme.test")
    with pytest.raises(services.DuplicateEmail, match="already exists"):
        services.create_user("BUYER@acme.test", "long enough", "Other", "buyer")


def test_staff_needs_no_company(app):
    user = services.create_user("ops@northwind.test", "long enough", None, Role.STAFF)
    assert user.is_staff and user.company is None


def test_authenticate(app, make_user):
    user = make_user("buyer@acme.test", "correct horse")
    assert services.authenticate("Buyer@ACME.test", "correct horse") == user
    assert services.authenticate("buyer@acme.test", "wrong horse") is None
    assert services.authenticate("nobody@acme.test", "correct horse") is None
    assert services.authenticate("", "") is None


def test_inactive_and_passwordless_users_cannot_log_in(app, make_user):
    make_user("gone@acme.test", is_active_user=False)
    punchout = make_user("po@acme.test")
    punchout.password_hash = None
    db.session.commit()
    assert services.authenticate("gone@acme.test", "correct horse") is None
    assert services.authenticate("po@acme.test", "correct horse") is None


def test_verify_password_without_a_hash_is_false_and_corrupt_hashes_fail_closed(app):
    assert verify_password(None, "anything") is False
    assert verify_password("nonsense$hash", "anything") is False


def test_login_upgrades_a_hash_made_with_old_parameters(app, production_hashing, make_user):
    user = make_user("old@acme.test")
    user.password_hash = generate_password_hash("correct horse", method="pbkdf2:sha256:1000")
    db.session.commit()
    assert needs_rehash(user.password_hash)

    assert services.authenticate("old@acme.test", "correct horse") == user
    db.session.refresh(user)
    assert user.password_hash.startswith("scrypt:")
    assert not needs_rehash(user.password_hash)
    assert services.authenticate("old@acme.test", "correct horse") == user


def test_change_password_checks_the_current_one(app, make_user):
    user = make_user()
    with pytest.raises(services.WrongPassword):
        services.change_password(user.id, "wrong", "new password 1")
    with pytest.raises(services.AccountError, match="at least 8"):
        services.change_password(user.id, "correct horse", "short")
    services.change_password(user.id, "correct horse", "new password 1")
    assert services.authenticate(user.email, "new password 1") == user


# ---------- next parameter ----------


@pytest.mark.parametrize(
    "target",
    ["//evil.test", "https://evil.test", "http://evil.test/cart", "/\\evil.test",
     "\\\\evil.test", "/\t/evil.test", "/\n/evil.test", "javascript:alert(1)",
     "evil.test/x", "", None, "///evil.test", "/" + "a" * 3000],
)
def test_safe_next_refuses_other_sites(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/", "/cart", "/products/PEN-001?x=1#top", "/search?q=a%2Fb"])
def test_safe_next_keeps_paths_on_this_site(target):
    assert safe_next(target) == target


# ---------- login and logout views ----------


def test_login_page_has_labelled_fields(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="email"' in response.text and 'name="password"' in response.text
    assert '<label for="email">Email <span class="required-mark"' in response.text
    assert 'autocomplete="current-password"' in response.text


def test_login_page_names_who_helps_without_an_address_it_does_not_have(client):
    text = " ".join(client.get("/login").text.split())
    assert "write to us" not in text  # there was no address to write to
    assert "Ask your company administrator or your contact at Northwind Supply." in text


def test_login_and_logout(client, auth, make_user):
    make_user()
    response = auth.login()
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Welcome" in client.get("/").text
    assert client.get("/account").status_code == 200

    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/account").status_code == 302  # back to the login page


def test_email_is_case_insensitive_at_login(auth, make_user):
    make_user("buyer@acme.test")
    assert auth.login("  BUYER@Acme.Test ").status_code == 302


CSRF_VALUE = re.compile(r'(?<=name="csrf_token" type="hidden" )value="[^"]+"')


def test_wrong_password_and_unknown_user_get_the_same_answer(client, auth, make_user):
    make_user()
    wrong = auth.login("buyer@acme.test", "wrong horse")
    unknown = auth.login("nobody@acme.test", "correct horse")
    assert wrong.status_code == unknown.status_code == 200
    assert "The email or password is not correct." in wrong.text

    def without_email(html: str) -> str:
        # The CSRF token is signed with a timestamp, so it differs from page to page.
        html = CSRF_VALUE.sub('value="token"', html)
        return html.replace("buyer@acme.test", "X").replace("nobody@acme.test", "X")

    assert without_email(wrong.text) == without_email(unknown.text)
    assert "correct horse" not in wrong.text


def test_login_without_csrf_token_is_refused(client, make_user):
    make_user()
    response = client.post("/login", data={"email": "buyer@acme.test",
                                           "password": "correct horse"})
    assert response.status_code == 400
    assert client.get("/account").status_code == 302


def test_login_regenerates_the_session(client, auth, make_user):
    make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login()
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id")


def test_login_follows_next_on_this_site(client, make_user):
    make_user()
    page = client.get("/login?next=/orders")
    assert 'name="next" type="hidden" value="/orders"' in page.text
    response = client.post("/login", data={"email": "buyer@acme.test", "password": "correct horse",
                                           "next": "/orders", "csrf_token": csrf_token(page.text)})
    assert response.headers["Location"] == "/orders"


@pytest.mark.parametrize(
    "target", ["//evil.test", "https://evil.test", "/\\evil.test", "javascript:alert(1)"]
)
def test_login_never_redirects_to_another_site(client, make_user, target):
    make_user()
    page = client.get("/login", query_string={"next": target})
    assert "evil" not in page.text and "javascript" not in page.text
    response = client.post("/login", data={"email": "buyer@acme.test", "password": "correct horse",
                                           "next": target, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_logout_needs_post_and_a_csrf_token(client, auth, make_user):
    make_user()
    auth.login()
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200  # still logged in


def test_deactivated_user_is_logged_out_on_the_next_request(app, client, auth, make_user):
    user = make_user()
    auth.login()
    user.is_active_user = False
    db.session.commit()
    assert client.get("/account").status_code == 302


# ---------- account page ----------


def test_account_page_needs_login(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Faccount"


def test_account_page_shows_profile_company_and_addresses(client, auth, make_user):
    from tests.shopper_helpers import give_addresses

    user = make_user(first_name="Jane", last_name="Doe")
    give_addresses(user.company)
    auth.login()
    page = client.get("/account").text
    assert 'value="Jane"' in page and "Acme Industries" in page
    assert "Acme Receiving" in page and "Acme Accounts Payable" in page
    assert "Pay on invoice, 30 days net" in page
    assert "Manage users and addresses" not in page  # buyers don't manage the company


def test_update_profile(client, auth, make_user):
    user = make_user()
    auth.login()
    token = csrf_token(client.get("/account").text)
    response = client.post("/account/profile", data={"first_name": " Jane ", "last_name": "Doe",
                                                     "csrf_token": token, "role": "staff"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.first_name, user.last_name, user.role) == ("Jane", "Doe", Role.BUYER)
    assert "Jane Doe" in client.get("/account").text  # the header shows the name


def test_change_password_view(client, auth, make_user):
    make_user()
    auth.login()
    token = csrf_token(client.get("/account").text)
    wrong = client.post("/account/password", data={
        "current_password": "nope", "new_password": "new password 1",
        "confirm_password": "new password 1", "csrf_token": token})
    assert wrong.status_code == 400 and "Your current password is not correct." in wrong.text
    mismatch = client.post("/account/password", data={
        "current_password": "correct horse", "new_password": "new password 1",
        "confirm_password": "new password 2", "csrf_token": token})
    assert mismatch.status_code == 400 and "The two new passwords differ." in mismatch.text
    unrepeated = client.post("/account/password", data={
        "current_password": "correct horse", "new_password": "new password 1",
        "confirm_password": "", "csrf_token": token})
    assert unrepeated.status_code == 400 and "Repeat the new password." in unrepeated.text
    assert 'for="confirm_password">Repeat the new password <span class="required-mark"' in (
        unrepeated.text)
    ok = client.post("/account/password", data={
        "current_password": "correct horse", "new_password": "new password 1",
        "confirm_password": "new password 1", "csrf_token": token})
    assert ok.status_code == 302
    auth.logout()
    assert auth.login(password="correct horse").status_code == 200
    assert auth.login(password="new password 1").status_code == 302


# ---------- header ----------


def test_header_for_visitors(client):
    page = client.get("/").text
    assert 'href="/login?next=/"' in page
    assert "Log out" not in page and "Back office" not in page
    assert 'aria-label="0 lines"' in page


def test_header_for_buyers_and_staff(client, auth, make_user):
    make_user()
    make_user("staff@northwind.test", role=Role.STAFF)
    auth.login()
    page = client.get("/").text
    assert 'href="/orders"' in page and "Log out" in page and "Back office" not in page
    auth.logout()
    auth.login("staff@northwind.test")
    assert "Back office" in client.get("/").text
