"""PunchOut sessions without XML: opening, provisioning, the StartPage and procurement mode."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import log_in_session
from flask import g
from punchout_support import (  # noqa: F401
    FRAME_ORIGIN,
    make_connection_fixture,
    open_and_start,
    proxied_app_fixture,
    setup_data,
)
from sqlalchemy import select

from shop.accounts.models import Role, User
from shop.extensions import db
from shop.punchout import services
from shop.punchout.errors import PunchOutRefused
from shop.punchout.models import (
    ConnectionMode,
    Operation,
    PunchOutSession,
    SessionStatus,
    StartToken,
    UserMapping,
)
from shop.punchout.sessions import ItemRef


def _refused(connection, **overrides) -> PunchOutRefused:
    with pytest.raises(PunchOutRefused) as caught:
        services.open_session(connection, setup_data(**overrides))
    return caught.value


# ---------- opening a session ----------


def test_setup_checks_the_connection_before_opening_anything(make_connection):
    connection = make_connection()
    assert _refused(connection, return_url="https://evil.example/x").code == 403
    assert _refused(connection, return_url="  ").code == 400
    assert _refused(connection, deployment_mode="test").code == 403
    services.set_active(connection.id, False)
    assert _refused(connection).code == 403
    assert db.session.scalar(select(PunchOutSession)) is None


def test_test_documents_are_welcome_on_a_test_connection(make_connection):
    connection = make_connection(mode=ConnectionMode.TEST)
    started = services.open_session(connection, setup_data(deployment_mode="test"))
    assert services.get_session(started.session_id).deployment_mode == "test"


def test_a_replayed_payload_id_is_refused(make_connection):
    connection = make_connection()
    services.open_session(connection, setup_data(payload_id="p-1@buyer"))
    assert _refused(connection, payload_id="p-1@buyer").code == 409
    other = make_connection(name="Other", identities=(("DUNS", "2"),))
    services.open_session(other, setup_data(payload_id="p-1@buyer"))  # per connection


def test_session_records_the_visit_and_stores_only_a_token_hash(make_connection):
    connection = make_connection()
    started = services.open_session(connection, setup_data(
        buyer_cookie="  keep <exactly> ", extrinsics={"CostCenter": "4711"},
        ship_to={"name": "Dock 3"}, to_credentials=[("DUNS", "SHOP")],
        payload_id="abc@buyer",
    ))
    po = services.get_session(started.session_id)
    assert po.buyer_cookie == "  keep <exactly> " and po.extrinsics == {"CostCenter": "4711"}
    assert po.to_credentials == [["DUNS", "SHOP"]] and po.status == SessionStatus.ACTIVE
    assert po.cart is not None and po.cart.user_id is None
    stored = db.session.scalars(select(StartToken.token_hash)).all()
    assert started.token not in stored and len(stored) == 1


# ---------- users ----------


def test_shared_mapping_reuses_one_user_per_connection(make_connection):
    connection = make_connection()
    first = services.open_session(connection, setup_data(extrinsics={"UserEmail": "a@x.test"}))
    second = services.open_session(connection, setup_data())
    users = {services.get_session(s.session_id).user for s in (first, second)}
    assert len(users) == 1
    user = users.pop()
    assert user.company == connection.company and user.password_hash is None
    assert user.role == Role.BUYER and user.email.endswith("@punchout.invalid")


def test_per_user_mapping_creates_users_from_extrinsics_and_contact(make_connection):
    connection = make_connection(user_mapping=UserMapping.PER_USER)
    by_email = services.open_session(connection, setup_data(
        extrinsics={"useremail": "Jane.Doe@Buyer.example", "FirstName": "Jane", "LastName": "Doe"}))
    user = services.get_session(by_email.session_id).user
    assert (user.email, user.first_name, user.last_name) == (
        "jane.doe@buyer.example", "Jane", "Doe")
    assert user.company == connection.company and user.password_hash is None
    again = services.open_session(
        connection, setup_data(extrinsics={"UserEmail": "jane.doe@buyer.example"}))
    assert services.get_session(again.session_id).user == user
    by_contact = services.open_session(connection, setup_data(
        contact={"name": "Max Mustermann", "email": "max@buyer.example"}))
    max_user = services.get_session(by_contact.session_id).user
    assert (max_user.first_name, max_user.last_name) == ("Max", "Mustermann")
    by_unique = services.open_session(connection, setup_data(extrinsics={"UniqueName": "J Smith"}))
    unique_user = services.get_session(by_unique.session_id).user
    assert unique_user.email == f"j-smith.c{connection.id}@punchout.invalid"


def test_per_user_mapping_refuses_what_it_cannot_map(make_connection, make_user, make_company):
    connection = make_connection(user_mapping=UserMapping.PER_USER)
    assert _refused(connection).code == 400
    assert _refused(connection, extrinsics={"UserEmail": "not an email"}).code == 400
    make_user("staff@northwind.test", role=Role.STAFF)
    assert _refused(connection, extrinsics={"UserEmail": "staff@northwind.test"}).code == 403
    make_user("someone@globex.test", company=make_company("Globex"))
    assert _refused(connection, extrinsics={"UserEmail": "someone@globex.test"}).code == 403
    make_user("gone@acme.test", is_active_user=False)
    assert _refused(connection, extrinsics={"UserEmail": "gone@acme.test"}).code == 403


def test_existing_company_user_keeps_their_password_and_names(make_connection, make_user):
    connection = make_connection(user_mapping=UserMapping.PER_USER)
    user = make_user("buyer@acme.test", first_name="Ann", last_name="Lee")
    started = services.open_session(connection, setup_data(
        extrinsics={"UserEmail": "BUYER@acme.test", "FirstName": "X"}))
    assert services.get_session(started.session_id).user == user
    assert user.first_name == "Ann" and user.password_hash


# ---------- edit and inspect: the cart rebuilt ----------


def test_edit_rebuilds_the_cart_by_part_and_auxiliary_id(make_connection, make_product):
    pen = make_product("PEN-001")
    paper = make_product("PAP-500", "Copy paper", "4.50")
    make_product("OLD-1", "Discontinued", "1.00", active=False)
    connection = make_connection()
    started = services.open_session(connection, setup_data(
        operation=Operation.EDIT,
        items=[ItemRef("PEN-001", "aux-a", Decimal("3")), ItemRef("PAP-500", "", Decimal("2.5")),
               ItemRef("PEN-001", "aux-b", Decimal("1")), ItemRef("OLD-1", "", Decimal(1)),
               ItemRef("NOPE", "", Decimal(1)), ItemRef("PAP-500", "", Decimal("-1"))],
    ))
    po = services.get_session(started.session_id)
    lines = {line.product_id: line for line in po.cart.lines}
    assert lines[pen.id].quantity == 4 and lines[pen.id].aux_id == "aux-a"
    assert lines[paper.id].quantity == Decimal("2.5")
    assert po.unmatched_items == ["OLD-1", "NOPE", "PAP-500"]


def test_create_ignores_item_lines(make_connection, make_product):
    make_product("PEN-001")
    connection = make_connection()
    started = services.open_session(connection, setup_data(items=[ItemRef("PEN-001")]))
    assert services.get_session(started.session_id).cart.lines == []


# ---------- the StartPage ----------


def test_start_logs_in_binds_the_session_and_drops_the_token_from_the_url(client, make_connection):
    connection = make_connection()
    with client.session_transaction() as planted:
        planted["planted"] = "attacker"
    started = services.open_session(connection, setup_data())
    response = client.get(f"/punchout/start/{started.token}")
    assert response.status_code == 303
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert started.token not in response.headers["Location"]
    assert response.headers["Location"].startswith("/punchout/enter?r=")
    with client.session_transaction() as cookie:
        assert "planted" not in cookie
        assert cookie["punchout_session_id"] == started.session_id
        assert cookie["_user_id"] == str(services.get_session(started.session_id).user_id)
    landing = client.get(response.headers["Location"])
    assert landing.status_code == 303 and landing.headers["Location"] == "/"
    home = client.get("/")
    assert "Shopping for <strong>Acme Ariba</strong>" in home.text
    assert "Transfer cart" in home.text and "Cancel and return" in home.text
    assert f"frame-ancestors 'self' {FRAME_ORIGIN}" in home.headers["Content-Security-Policy"]


def test_a_company_name_ending_in_s_is_not_given_a_wrong_possessive(client, make_connection):
    open_and_start(client, make_connection("Globex Coupa", company="Globex Laboratories"))
    home = " ".join(client.get("/").text.split())
    assert "Prices are the contract prices of Globex Laboratories." in home  # the banner
    assert "at the contract prices of Globex Laboratories." in home  # the home page's hero
    assert "Laboratories’s" not in home and "Laboratories&#39;s" not in home


def test_start_token_works_once(client, make_connection):
    started = services.open_session(make_connection(), setup_data())
    assert client.get(f"/punchout/start/{started.token}").status_code == 303
    again = client.get(f"/punchout/start/{started.token}")
    assert again.status_code == 403 and "cannot be used" in again.text
    assert again.headers["Referrer-Policy"] == "no-referrer"
    # Shown inside the buyer's frame: the connection's origins may still frame the page.
    assert FRAME_ORIGIN in again.headers["Content-Security-Policy"]


def test_expired_and_unknown_tokens_get_the_same_clear_page(client, make_connection):
    started = services.open_session(make_connection(), setup_data())
    db.session.execute(StartToken.__table__.update().values(
        expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    db.session.commit()
    for token in (started.token, "unknown-token", "x" * 500):
        response = client.get(f"/punchout/start/{token}")
        assert response.status_code == 403 and "cannot be used" in response.text
    with client.session_transaction() as cookie:
        assert "punchout_session_id" not in cookie


def test_level_two_lands_on_the_selected_item(client, make_connection, make_product):
    make_product("PEN-001")
    connection = make_connection()
    _, landing = open_and_start(client, connection, selected_item="PEN-001")
    assert landing.status_code == 303
    # The product page once the catalog has one by SKU; until then the search finds it.
    assert "PEN-001" in landing.headers["Location"]
    _, unknown = open_and_start(client, connection, selected_item="NOT-HERE")
    assert unknown.headers["Location"] == "/search?q=NOT-HERE"


def test_edit_lands_on_the_cart_and_warns_about_missing_items(
        client, make_connection, make_product):
    make_product("PEN-001")
    _, landing = open_and_start(client, make_connection(), operation=Operation.EDIT,
                                items=[ItemRef("PEN-001"), ItemRef("GONE-9")])
    assert landing.headers["Location"] == "/cart"
    with client.session_transaction() as cookie:
        assert any("GONE-9" in message for _, message in cookie["_flashes"])


def test_missing_cookie_offers_a_new_window_with_a_fresh_token(app, make_connection):
    connection = make_connection()
    started = services.open_session(connection, setup_data())
    iframe = app.test_client()
    response = iframe.get(f"/punchout/start/{started.token}")
    # The browser refused the cookie: the next request arrives without it.
    fresh_browser = app.test_client()
    page = fresh_browser.get(response.headers["Location"])
    assert page.status_code == 200 and "Continue in a new window" in page.text
    assert FRAME_ORIGIN in page.headers["Content-Security-Policy"]
    relaunch = response.headers["Location"].split("r=", 1)[1]
    assert f'href="/punchout/start/{relaunch}" target="_blank"' in page.text
    new_window = app.test_client()
    assert new_window.get(f"/punchout/start/{relaunch}").status_code == 303


def test_relaunch_token_is_discarded_once_the_cookie_works(client, make_connection):
    _, landing = open_and_start(client, make_connection())
    assert landing.status_code == 303
    assert db.session.scalar(select(db.func.count()).select_from(StartToken).where(
        StartToken.used_at.is_(None))) == 0


def test_enter_without_a_visit_explains_what_to_do(client):
    page = client.get("/punchout/enter")
    assert page.status_code == 200 and "Open the catalog again" in page.text


def test_a_deactivated_shared_user_cannot_start(client, make_connection):
    connection = make_connection()
    started = services.open_session(connection, setup_data())
    services.get_session(started.session_id).user.is_active_user = False
    db.session.commit()
    assert client.get(f"/punchout/start/{started.token}").status_code == 403


# ---------- procurement mode ----------


def test_checkout_account_and_orders_send_the_user_to_the_cart(app, client, make_connection):
    # Stand-ins for pages the checkout and orders features own.
    app.add_url_rule("/checkout/probe", endpoint="checkout.probe", view_func=lambda: "checkout")
    app.add_url_rule("/orders/probe", endpoint="orders.probe", view_func=lambda: "orders")
    open_and_start(client, make_connection())
    for path in ("/checkout/probe", "/account", "/orders/probe", "/login"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["Location"] == "/cart", path


def test_a_missing_page_still_shows_inside_the_buyers_frame(client, make_connection):
    open_and_start(client, make_connection())
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert FRAME_ORIGIN in response.headers["Content-Security-Policy"]


def test_inspect_sessions_cannot_change_the_cart(client, make_connection):
    from conftest import csrf_token
    open_and_start(client, make_connection(), operation=Operation.INSPECT)
    home = client.get("/")
    assert "read-only" in home.text and "Transfer cart" not in home.text
    response = client.post("/cart/add", data={"sku": "PEN-001", "quantity": "1",
                                              "csrf_token": csrf_token(home.text)})
    assert response.status_code == 303 and response.headers["Location"] == "/cart"


def test_edit_sessions_may_change_the_cart(client, make_connection, make_product):
    from conftest import csrf_token
    make_product("PEN-001")
    started, _ = open_and_start(client, make_connection(), operation=Operation.EDIT)
    home = client.get("/")
    client.post("/cart/add", data={"sku": "PEN-001", "quantity": "1",
                                   "csrf_token": csrf_token(home.text)})
    db.session.expire_all()
    cart = services.get_session(started.session_id).cart
    assert [line.product.sku for line in cart.lines] == ["PEN-001"]


def test_the_request_cart_is_the_sessions_own_cart(app, client, make_connection):
    seen = {}

    @app.get("/_probe")
    def probe():
        seen["cart"] = g.get("punchout_cart_id")
        return "ok"

    started, _ = open_and_start(client, make_connection())
    client.get("/_probe")
    assert seen["cart"] == services.get_session(started.session_id).cart_id


def test_idle_sessions_expire_with_a_clear_page(app, client, make_connection):
    started, _ = open_and_start(client, make_connection())
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(
        seconds=app.config["PUNCHOUT_IDLE_TIMEOUT"] + 5)
    db.session.execute(PunchOutSession.__table__.update().values(last_seen_at=stale))
    db.session.commit()
    page = client.get("/")
    assert page.status_code == 410 and "expired" in page.text
    assert FRAME_ORIGIN in page.headers["Content-Security-Policy"]
    assert services.get_session(started.session_id).status == SessionStatus.EXPIRED
    with client.session_transaction() as cookie:
        assert "_user_id" not in cookie and "punchout_session_id" not in cookie
    assert "Shopping for" not in client.get("/").text


def test_shopping_keeps_the_session_alive(app, client, make_connection):
    started, _ = open_and_start(client, make_connection())
    almost = dt.datetime.now(dt.UTC) - dt.timedelta(
        seconds=app.config["PUNCHOUT_IDLE_TIMEOUT"] - 5)
    db.session.execute(PunchOutSession.__table__.update().values(last_seen_at=almost))
    db.session.commit()
    assert client.get("/").status_code == 200
    db.session.expire_all()
    assert services.get_session(started.session_id).last_seen_at > almost


def test_ended_sessions_show_the_ended_page_once(client, make_connection):
    started, _ = open_and_start(client, make_connection())
    services.end_session(started.session_id, SessionStatus.TRANSFERRED)
    page = client.get("/")
    assert page.status_code == 410 and "sent to your procurement system" in page.text
    assert client.get("/").status_code == 200


def _login_link(page: str) -> tuple[str, dict[str, list[str]]]:
    """Path and query of the ended page's "Log in" button."""
    href = re.search(r'<a class="button" href="([^"]+)">Log in</a>', page)[1]
    parts = urlsplit(html.unescape(href))
    return parts.path, parse_qs(parts.query)


def test_the_ended_page_offers_a_login_back_to_the_page_asked_for(client, make_connection):
    started, _ = open_and_start(client, make_connection())
    services.end_session(started.session_id, SessionStatus.CANCELLED)
    page = client.get("/admin/purchase-orders?review=1")
    assert page.status_code == 410
    assert _login_link(page.text) == ("/login", {"next": ["/admin/purchase-orders?review=1"]})
    assert 'href="/sandbox/">Back to the procurement sandbox' in page.text  # on in tests


def test_the_ended_page_links_the_sandbox_only_when_it_is_on(app, client, make_connection):
    app.config["SANDBOX_ENABLED"] = False
    started, _ = open_and_start(client, make_connection())
    services.end_session(started.session_id, SessionStatus.TRANSFERRED)
    page = client.get("/cart")
    assert page.status_code == 410
    assert _login_link(page.text) == ("/login", {"next": ["/cart"]})
    assert "sandbox" not in page.text


def test_the_ended_page_after_a_transfer_logs_in_to_the_home_page(client, make_connection):
    from conftest import csrf_token

    started, _ = open_and_start(client, make_connection())
    token = csrf_token(client.get("/cart").text)
    services.end_session(started.session_id, SessionStatus.EXPIRED)
    page = client.post("/punchout/transfer", data={"csrf_token": token})
    assert page.status_code == 410 and _login_link(page.text) == ("/login", {})


def test_a_normal_login_elsewhere_leaves_procurement_mode(client, make_connection, make_user):
    started, _ = open_and_start(client, make_connection())
    other = make_user("other@acme.test")
    log_in_session(client, other.id)
    assert "Shopping for" not in client.get("/").text
    assert services.get_session(started.session_id).status == SessionStatus.ACTIVE


# ---------- cookies ----------


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie set"
    return cookies[0]


def test_cookies_over_http_stay_lax(client, make_connection):
    started = services.open_session(make_connection(), setup_data())
    cookie = _session_cookie(client.get(f"/punchout/start/{started.token}"))
    assert "SameSite=Lax" in cookie and "Secure" not in cookie and "Partitioned" not in cookie
    assert "HttpOnly" in cookie


def test_cookies_over_https_work_in_a_cross_site_frame(client, make_connection):
    started = services.open_session(make_connection(), setup_data())
    response = client.get(f"/punchout/start/{started.token}", base_url="https://shop.test")
    cookie = _session_cookie(response)
    for flag in ("SameSite=None", "Secure", "Partitioned", "HttpOnly"):
        assert flag in cookie


def test_cookies_behind_a_tls_proxy_work_in_a_cross_site_frame(proxied_app, make_connection):
    started = services.open_session(make_connection(), setup_data())
    response = proxied_app.test_client().get(
        f"/punchout/start/{started.token}", headers={"X-Forwarded-Proto": "https"})
    cookie = _session_cookie(response)
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie


def test_users_are_never_remembered(client, make_connection):
    started = services.open_session(make_connection(), setup_data())
    response = client.get(f"/punchout/start/{started.token}")
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember")]
    assert db.session.scalar(select(User).where(User.password_hash.is_(None)))
