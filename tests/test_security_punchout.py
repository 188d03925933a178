"""Threat model R4, P1–P5, O2, W2–W4 and W12 (docs/security.md): the PunchOut browser flow.

Everything goes through HTTP: the setup endpoint, the StartPage, the shop's pages and the
transfer. Rows already shown by the PunchOut feature's own tests are listed in
docs/security.md next to these.
"""

from __future__ import annotations

import html
import threading

import pytest
from conftest import csrf_token
from punchout_support import (  # noqa: F401
    FRAME_ORIGIN,
    RETURN_URL,
    make_connection_fixture,
    open_and_start,
    post_setup,
    proxied_app_fixture,
    setup_data,
    setup_request,
    start_url_of,
    status_of,
)
from sqlalchemy import func, select
from test_punchout_transfer import fill_cart, punch_in, transfer

from shop.extensions import db
from shop.punchout import services
from shop.punchout.models import PunchOutSession, SessionStatus

pytestmark = pytest.mark.timeout(300)

HTTPS = "https://shop.test"


def sessions_opened() -> int:
    return db.session.scalar(select(func.count()).select_from(PunchOutSession)) or 0


def local(url: str) -> str:
    return url.removeprefix("http://shop.test")


def set_cookies(response) -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]


# ---------- R4: replayed setup request ----------


def test_r4_a_replayed_setup_request_opens_nothing_and_its_start_page_works_once(
    client, make_connection
):
    make_connection()
    body = setup_request(payload_id="captured@buyer.example")
    start = local(start_url_of(post_setup(client, body)))
    replay = post_setup(client, body)
    assert status_of(replay)[0] == 409
    assert sessions_opened() == 1
    assert client.get(start).status_code == 303
    thief = client.application.test_client()
    assert thief.get(start).status_code == 403
    with thief.session_transaction() as cookie:
        assert "_user_id" not in cookie


# ---------- O2: cXML over plain http ----------


def test_o2_with_https_only_a_setup_request_over_plain_http_opens_nothing(
    app, client, make_connection
):
    make_connection()
    app.config["CXML_HTTPS_ONLY"] = True
    refused = post_setup(client, setup_request())
    assert refused.status_code == 403 and status_of(refused)[0] == 403
    assert sessions_opened() == 0
    accepted = post_setup(client, setup_request(), base_url=HTTPS)
    assert start_url_of(accepted).startswith("https://shop.test/punchout/start/")
    assert sessions_opened() == 1


# ---------- P1: cart exfiltration / open redirect ----------


@pytest.mark.parametrize("return_url", [
    "https://evil.example/punchout/return",
    "https://buyer.example.evil.example/punchout/",
    "https://buyer.example@evil.example/punchout/",
    "http://buyer.example/punchout/return",  # the prefix is https
    "javascript:alert(1)//https://buyer.example/punchout/",
])
def test_p1_a_return_url_off_the_list_is_refused(client, make_connection, return_url):
    make_connection()
    response = post_setup(client, setup_request(return_url=return_url))
    code, _ = status_of(response)
    assert code == 403
    assert b"StartPage" not in response.data
    assert sessions_opened() == 0


def test_p1_the_cart_goes_only_where_the_setup_request_said(client, make_connection,
                                                            make_product):
    make_connection()
    po_session = punch_in(client, setup_request())
    fill_cart(po_session, (make_product(), "2"))
    token = csrf_token(client.get("/cart").text)
    # A tampered form (or a crafted link) names another address: the server never reads it.
    page = client.post("/punchout/transfer", data={
        "csrf_token": token, "return_url": "https://evil.example/", "action": "https://evil.example/",
        "browser_form_post_url": "https://evil.example/"})
    assert page.status_code == 200
    assert f'action="{html.escape(RETURN_URL)}"' in page.text
    assert "evil.example" not in page.text


# ---------- P3: StartPage token theft and reuse ----------


def test_p3_two_simultaneous_uses_of_one_token_let_exactly_one_in(app, make_connection):
    started = services.open_session(make_connection(), setup_data())
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def use() -> None:
        browser = app.test_client()
        barrier.wait()
        statuses.append(browser.get(f"/punchout/start/{started.token}").status_code)

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [303, 403]


def test_p3_the_token_never_travels_further(client, make_connection):
    started = services.open_session(make_connection(), setup_data())
    response = client.get(f"/punchout/start/{started.token}")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert started.token not in response.headers["Location"]


# ---------- P4: session fixation ----------


def test_p4_a_planted_login_does_not_survive_the_start_page(client, auth, make_connection,
                                                            make_user, make_product):
    # The attacker's own account is logged in, with a cart, in the victim's browser.
    attacker = make_user("attacker@acme.test")
    auth.login("attacker@acme.test")
    token = csrf_token(client.get("/cart").text)
    client.post("/cart/add", data={"sku": make_product().sku, "quantity": "1",
                                   "csrf_token": token})
    with client.session_transaction() as cookie:
        before = dict(cookie)
    started, _ = open_and_start(client, make_connection())
    with client.session_transaction() as cookie:
        after = dict(cookie)
    assert after["_user_id"] != str(attacker.id)
    assert after["_user_id"] == str(services.get_session(started.session_id).user_id)
    assert after.get("csrf_token") != before.get("csrf_token")
    cart = client.get("/cart")
    assert "Ballpoint pen" not in cart.text  # the attacker's cart is not the buyer's


# ---------- P5: cross-user mix-up ----------


def test_p5_two_setups_for_one_buyer_get_two_carts(app, make_connection, make_product):
    make_connection()
    pen = make_product()
    first, second = app.test_client(), app.test_client()
    first_session = punch_in(first, setup_request(buyer_cookie="user-a"))
    second_session = punch_in(second, setup_request(buyer_cookie="user-b"))
    assert first_session.user_id == second_session.user_id  # one shared technical user
    assert first_session.cart_id != second_session.cart_id
    fill_cart(first_session, (pen, "3"))
    assert "Ballpoint pen" in first.get("/cart").text
    assert "Ballpoint pen" not in second.get("/cart").text


# ---------- W2: machine endpoints authenticate by their own credentials ----------


def test_w2_a_logged_in_browser_cannot_vouch_for_a_setup_request(client, auth, make_connection,
                                                                 make_user):
    from shop.accounts.models import Role

    make_user("staff@northwind.test", role=Role.STAFF)
    auth.login("staff@northwind.test")
    make_connection()
    response = post_setup(client, setup_request(secret="not-the-secret"))
    assert status_of(response)[0] == 401
    assert sessions_opened() == 0


# ---------- W3: clickjacking and the buyer's frame ----------


def frame_ancestors(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if "frame-ancestors" in part)


def test_w3_only_punchout_pages_may_be_framed_and_only_by_the_buyer(app, client, make_connection):
    assert frame_ancestors(client.get("/")) == "frame-ancestors 'self'"
    open_and_start(client, make_connection())
    for path in ("/", "/cart", "/search?q=pen", "/no-such-page"):
        assert frame_ancestors(client.get(path)) == f"frame-ancestors 'self' {FRAME_ORIGIN}"
    other_browser = app.test_client()
    assert frame_ancestors(other_browser.get("/cart")) == "frame-ancestors 'self'"


def test_w3_a_connection_without_origins_is_never_framed_by_others(client, make_connection):
    open_and_start(client, make_connection(frame_ancestors=()))
    assert frame_ancestors(client.get("/")) == "frame-ancestors 'self'"


# ---------- W4: cookies for normal use and for the buyer's iframe ----------


def test_w4_a_normal_login_over_https_keeps_a_lax_cookie(client, make_user):
    make_user()
    page = client.get("/login", base_url=HTTPS)
    # Over https Flask-WTF also wants a same-origin Referer (why Referrer-Policy is not
    # no-referrer everywhere).
    response = client.post("/login", base_url=HTTPS, headers={"Referer": f"{HTTPS}/login"},
                           data={"email": "buyer@acme.test", "password": "correct horse",
                                 "csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    (cookie,) = set_cookies(response)
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in cookie
    assert "Partitioned" not in cookie and "SameSite=None" not in cookie


def test_w4_a_punchout_session_over_https_works_in_the_cross_site_frame(client, make_connection):
    started = services.open_session(make_connection(), setup_data())
    start = client.get(f"/punchout/start/{started.token}", base_url=HTTPS)
    (cookie,) = set_cookies(start)
    for flag in ("Secure", "HttpOnly", "SameSite=None", "Partitioned"):
        assert flag in cookie
    # Later responses keep the same flags, also the one that ends the session.
    services.end_session(started.session_id, SessionStatus.TRANSFERRED)
    ended = client.get("/", base_url=HTTPS)
    assert ended.status_code == 410
    (cookie,) = set_cookies(ended)
    assert "SameSite=None" in cookie and "Partitioned" in cookie


def test_w4_cookies_over_plain_http_stay_lax(client, make_connection):
    started = services.open_session(make_connection(), setup_data())
    (cookie,) = set_cookies(client.get(f"/punchout/start/{started.token}"))
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and "Secure" not in cookie


def test_w4_a_stolen_session_cookie_is_worthless_in_another_browser(client, make_connection):
    # login_manager.session_protection = "strong": another address or browser is logged out.
    open_and_start(client, make_connection())
    assert "Shopping for" in client.get("/").text
    elsewhere = client.get("/", headers={"User-Agent": "Thief/1.0"})
    assert "Shopping for" not in elsewhere.text


# ---------- W12: session lifetime ----------


def test_w12_the_punchout_session_ends_with_the_transfer(client, make_connection, make_product):
    make_connection()
    po_session = punch_in(client, setup_request())
    fill_cart(po_session, (make_product(), "1"))
    assert transfer(client).status_code == 200
    assert client.get("/").status_code == 410  # "your cart was sent"
    with client.session_transaction() as cookie:
        assert "_user_id" not in cookie
    again = client.post("/punchout/transfer",
                        data={"csrf_token": csrf_token(client.get("/login").text)})
    assert again.status_code == 303 and again.headers["Location"] == "/"


def test_w12_punchout_cookies_end_with_the_browser(client, make_connection):
    started = services.open_session(make_connection(), setup_data())
    (cookie,) = set_cookies(client.get(f"/punchout/start/{started.token}"))
    assert "Expires=" not in cookie and "Max-Age=" not in cookie
    assert not [c for c in client.get("/").headers.getlist("Set-Cookie")
                if c.startswith("remember_token")]
