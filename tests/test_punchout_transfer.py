"""Round trips through the test client: setup, StartPage, shopping, transfer (or cancel).

The cart feature owns adding to the cart; here lines are put into the session's cart the way
the cart feature stores them, and everything else goes through HTTP.
"""

from __future__ import annotations

import base64
import html
import re
from decimal import Decimal

import pytest
from conftest import csrf_token, dtd_path
from punchout_support import (  # noqa: F401
    BUYER,
    RETURN_URL,
    make_connection_fixture,
    post_setup,
    setup_request,
    start_url_of,
)
from sqlalchemy import select

from shop import cxml
from shop.cart.models import CartLine
from shop.catalog.models import ContractPrice
from shop.extensions import db
from shop.punchout import services
from shop.punchout.models import (
    MessageLog,
    PunchOutSession,
    ReturnField,
    SessionStatus,
    TransferredLine,
)

FIELD = re.compile(r'<input type="hidden" name="(cxml-urlencoded|cxml-base64)" value="([^"]*)">')


@pytest.fixture
def catalog(make_product, make_company):
    acme = make_company("Acme Industries", currency="EUR")
    pen = make_product("PEN-001", "Ballpoint pen, blue", "1.20", manufacturer="Scribo",
                       manufacturer_part_number="SC-100", lead_time_days=2)
    paper = make_product("PAP-500", "Copy paper A4", "4.50", unit="PK",
                         short_description="500 sheets, 80 g/m²")
    db.session.add(ContractPrice(company_id=acme.id, product_id=pen.id, price=Decimal("0.9500"),
                                 currency="EUR"))
    db.session.commit()
    return {"pen": pen, "paper": paper}


def punch_in(client, body: bytes) -> PunchOutSession:
    """Post a setup request and follow the StartPage like a browser."""
    url = start_url_of(post_setup(client, body)).removeprefix("http://shop.test")
    entered = client.get(url)
    assert entered.status_code == 303
    client.get(entered.headers["Location"])
    with client.session_transaction() as cookie:
        return db.session.get(PunchOutSession, cookie["punchout_session_id"])


def fill_cart(po: PunchOutSession, *lines: tuple[object, str]) -> None:
    for product, quantity in lines:
        db.session.add(CartLine(cart_id=po.cart_id, product=product, quantity=Decimal(quantity)))
    db.session.commit()


def transfer(client, path: str = "/punchout/transfer"):
    token = csrf_token(client.get("/").text)
    return client.post(path, data={"csrf_token": token})


def order_message(page) -> tuple[bytes, str]:
    match = FIELD.search(page.text)
    assert match, page.text
    name, value = match.group(1), html.unescape(match.group(2))
    raw = base64.b64decode(value) if name == "cxml-base64" else value.encode("utf-8")
    return raw, name


@pytest.mark.shared
def test_create_round_trip_sends_a_valid_order_message(client, make_connection, catalog):
    make_connection()
    po = punch_in(client, setup_request(buyer_cookie="Ariba-Cookie-42/α"))
    fill_cart(po, (catalog["pen"], "3"), (catalog["paper"], "2"))
    page = transfer(client)
    assert page.status_code == 200
    assert f'action="{html.escape(RETURN_URL)}"' in page.text and 'target="_top"' in page.text
    assert "punchout-transfer.js" in page.text and "<script>" not in page.text
    assert "form-action" not in page.headers["Content-Security-Policy"]
    assert "https://buyer.example" in page.headers["Content-Security-Policy"]
    raw, field = order_message(page)
    assert field == "cxml-urlencoded"
    result = cxml.validate_cxml(raw, dtd_path())
    assert result.valid, result.errors
    message = cxml.read_cxml(raw).payload
    assert message.buyer_cookie == "Ariba-Cookie-42/α"
    assert message.operation_allowed == "edit"
    assert message.total == cxml.Money(Decimal("11.85"), "EUR")  # 3 × 0.95 + 2 × 4.50
    pen, paper = message.items
    assert (pen.item_id.supplier_part_id, pen.quantity) == ("PEN-001", Decimal(3))
    assert pen.detail.unit_price == cxml.Money(Decimal("0.95"), "EUR")  # the contract price
    assert pen.detail.classifications == (cxml.Classification("UNSPSC", "44121704"),)
    assert (pen.detail.manufacturer_name, pen.detail.manufacturer_part_id) == ("Scribo", "SC-100")
    assert pen.detail.lead_time == 2 and paper.detail.unit_of_measure == "PK"
    assert "500 sheets" in paper.detail.description
    # The auxiliary ID finds the line again, for this connection only.
    line = services.find_transferred_line(po.connection_id, pen.item_id.aux_id)
    assert line.sku == "PEN-001" and line.unit_price == Decimal("0.95")
    assert services.find_transferred_line(po.connection_id + 1, pen.item_id.aux_id) is None


@pytest.mark.shared
def test_a_long_name_is_shortened_between_words_and_sent_whole(client, make_connection,
                                                               make_product):
    make_connection()
    name = "Nitrile examination gloves, powder-free, box of 100, size S"
    gloves = make_product("GLV-100-S", name, "8.90", short_description="Textured fingertips.")
    pens = [make_product(f"PEN-50-{colour}", f"Ballpoint pen, retractable, medium tip, box of 50, "
                         f"{colour}", "14.90") for colour in ("blue", "black")]
    po = punch_in(client, setup_request())
    fill_cart(po, (gloves, "1"), *((pen, "1") for pen in pens))
    raw, _ = order_message(transfer(client))
    assert cxml.validate_cxml(raw, dtd_path()).valid
    glove_line, blue, black = (item.detail for item in cxml.read_cxml(raw).payload.items)
    # Cut at 50 this read "box of 10"; the whole name leads the Description text.
    assert glove_line.short_name == "Nitrile examination gloves, powder-free, box of…"
    assert glove_line.description == f"{name} — Textured fingertips."
    pen_list_name = "Ballpoint pen, retractable, medium tip, box of 50…"
    assert blue.short_name == black.short_name == pen_list_name  # the colour: in the text
    assert (blue.description, black.description) == (pens[0].name, pens[1].name)


def test_transfer_ends_the_session_and_logs_the_document(client, make_connection, catalog):
    make_connection()
    po = punch_in(client, setup_request())
    fill_cart(po, (catalog["pen"], "1"))
    token = csrf_token(client.get("/").text)
    assert client.post("/punchout/transfer", data={"csrf_token": token}).status_code == 200
    db.session.expire_all()
    assert db.session.get(PunchOutSession, po.id).status == SessionStatus.TRANSFERRED
    again = client.post("/punchout/transfer", data={"csrf_token": token})
    assert again.status_code == 410 and "sent to your procurement system" in again.text
    assert "Shopping for" not in client.get("/").text
    kinds = [m.document_type for m in services.session_messages(po.id)]
    assert kinds == ["PunchOutSetupRequest", "Response", "PunchOutOrderMessage"]


@pytest.mark.shared
def test_base64_field_and_target_per_connection(client, make_connection, catalog):
    make_connection(return_field=ReturnField.BASE64, form_target="_parent")
    po = punch_in(client, setup_request())
    fill_cart(po, (catalog["pen"], "1"))
    page = transfer(client)
    raw, field = order_message(page)
    assert field == "cxml-base64" and 'target="_parent"' in page.text
    assert cxml.validate_cxml(raw, dtd_path()).valid


def test_hostile_product_text_stays_text(client, make_connection, make_product):
    make_connection()
    evil = make_product("EVIL-1", '"><script>alert(1)</script>]]></Name>&amp;', "2.00")
    po = punch_in(client, setup_request(buyer_cookie='"><img src=x onerror=alert(1)>'))
    fill_cart(po, (evil, "1"))
    page = transfer(client)
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    raw, _ = order_message(page)
    message = cxml.read_cxml(raw).payload
    assert message.items[0].detail.description == evil.name
    assert message.buyer_cookie == '"><img src=x onerror=alert(1)>'


def test_edit_round_trip_rebuilds_the_transferred_cart(client, make_connection, catalog):
    make_connection()
    po = punch_in(client, setup_request())
    fill_cart(po, (catalog["pen"], "3"), (catalog["paper"], "2"))
    sent = cxml.read_cxml(order_message(transfer(client))[0]).payload
    lines = tuple((i.item_id.supplier_part_id, i.item_id.aux_id, str(i.quantity))
                  for i in sent.items)
    edit = punch_in(client, setup_request(operation="edit", items=lines))
    assert client.get("/punchout/enter").status_code in (200, 303)
    rebuilt = {(line.product.sku, line.quantity, line.aux_id) for line in edit.cart.lines}
    assert rebuilt == {(sku, Decimal(qty), aux) for sku, aux, qty in lines}
    assert edit.cart_id != po.cart_id
    # The edited cart goes back with new auxiliary IDs and the new quantities.
    db.session.execute(CartLine.__table__.update().where(
        CartLine.cart_id == edit.cart_id).values(quantity=Decimal(5)))
    db.session.commit()
    resent = cxml.read_cxml(order_message(transfer(client))[0]).payload
    assert [i.quantity for i in resent.items] == [5, 5]


def test_inspect_is_read_only_and_returns_nothing(client, make_connection, catalog):
    make_connection()
    po = punch_in(client, setup_request(operation="inspect", items=(("PEN-001", None, "2"),)))
    assert [line.product.sku for line in po.cart.lines] == ["PEN-001"]
    blocked = transfer(client)
    assert blocked.status_code == 303 and blocked.headers["Location"] == "/cart"
    page = transfer(client, "/punchout/cancel")
    message = cxml.read_cxml(order_message(page)[0]).payload
    assert message.items == () and message.total.amount == 0


@pytest.mark.shared
def test_cancel_returns_an_empty_cart(client, make_connection, catalog):
    make_connection()
    po = punch_in(client, setup_request(buyer_cookie="c-9"))
    fill_cart(po, (catalog["pen"], "1"))
    page = transfer(client, "/punchout/cancel")
    assert page.status_code == 200 and "Returning to" in page.text
    raw, _ = order_message(page)
    assert cxml.validate_cxml(raw, dtd_path()).valid
    message = cxml.read_cxml(raw).payload
    assert message.items == () and message.buyer_cookie == "c-9"
    assert message.total == cxml.Money(Decimal("0.00"), "EUR")
    db.session.expire_all()
    assert db.session.get(PunchOutSession, po.id).status == SessionStatus.CANCELLED


def test_level_two_lands_on_the_selected_item(client, make_connection, catalog):
    make_connection()
    url = start_url_of(post_setup(client, setup_request(selected_item="PAP-500")))
    entered = client.get(url.removeprefix("http://shop.test"))
    landing = client.get(entered.headers["Location"])
    assert "PAP-500" in landing.headers["Location"]


@pytest.mark.parametrize("setting, product_fields, words", [
    ({}, {"unspsc": ""}, "no UNSPSC classification"),
    ({"accepted_units": ["EA"]}, {"unit": "BX"}, "sold per BX"),
    ({}, {"currency": "USD"}, "mixes currencies"),
    ({}, {"active": False}, "no longer available"),
])
def test_lines_the_buyer_would_reject_block_the_transfer(
        client, make_connection, make_product, catalog, setting, product_fields, words):
    make_connection(**setting)
    odd = make_product("ODD-1", "Odd item", "3.00", **product_fields)
    po = punch_in(client, setup_request())
    fill_cart(po, (catalog["pen"], "1"), (odd, "1"))
    response = transfer(client)
    assert response.status_code == 303 and response.headers["Location"] == "/cart"
    with client.session_transaction() as cookie:
        assert any(words in message for _, message in cookie["_flashes"])
    db.session.expire_all()
    assert db.session.get(PunchOutSession, po.id).status == SessionStatus.ACTIVE
    assert len(db.session.get(PunchOutSession, po.id).cart.lines) == 2
    assert db.session.scalar(select(TransferredLine)) is None


def test_a_default_unspsc_classifies_unclassified_products(client, make_connection, make_product):
    make_connection(default_unspsc="44120000")
    bare = make_product("BARE-1", "Unclassified", "1.00", unspsc="")
    po = punch_in(client, setup_request())
    fill_cart(po, (bare, "1"))
    message = cxml.read_cxml(order_message(transfer(client))[0]).payload
    assert message.items[0].detail.classifications[0].code == "44120000"


def test_an_empty_cart_cannot_be_transferred(client, make_connection):
    make_connection()
    punch_in(client, setup_request())
    assert transfer(client).headers["Location"] == "/cart"


def test_transfer_needs_a_session_and_a_csrf_token(client, make_connection, catalog):
    assert client.post("/punchout/transfer").status_code == 400  # no CSRF token
    make_connection()
    punch_in(client, setup_request())
    assert client.post("/punchout/transfer").status_code == 400


@pytest.mark.shared
def test_older_cxml_versions_get_a_document_valid_for_them(client, make_connection, catalog):
    make_connection(cxml_version="1.2.014")
    po = punch_in(client, setup_request())
    fill_cart(po, (catalog["pen"], "1"))
    raw, _ = order_message(transfer(client))
    assert b"/1.2.014/cXML.dtd" in raw
    result = cxml.validate_cxml(raw, dtd_path())
    assert result.valid, result.errors


def test_the_order_message_is_logged_in_full(client, make_connection, catalog):
    make_connection()
    po = punch_in(client, setup_request())
    fill_cart(po, (catalog["pen"], "1"))
    raw, _ = order_message(transfer(client))
    entry = db.session.scalar(select(MessageLog).where(
        MessageLog.document_type == "PunchOutOrderMessage"))
    assert entry.direction == "out" and entry.body == raw.decode()
    assert entry.payload_id == cxml.read_cxml(raw).payload_id


# ---------- with the real cart feature ----------


def test_shopping_with_the_cart_then_transferring(client, make_connection, catalog):
    make_connection()
    po = punch_in(client, setup_request(buyer_cookie="cart-flow"))
    product_page = client.get("/products/PEN-001")
    assert product_page.status_code == 200 and "Shopping for" in product_page.text
    added = client.post("/cart/add", data={"sku": "PEN-001", "quantity": "4",
                                           "csrf_token": csrf_token(product_page.text)})
    assert added.status_code in (302, 303)
    db.session.expire_all()
    assert [(line.product.sku, line.quantity) for line in
            db.session.get(PunchOutSession, po.id).cart.lines] == [("PEN-001", 4)]
    cart_page = client.get("/cart")
    assert "Transfer cart to Acme Ariba" in cart_page.text
    assert "Proceed to checkout" not in cart_page.text
    assert client.get("/checkout").headers["Location"] == "/cart"
    message = cxml.read_cxml(order_message(transfer(client))[0]).payload
    assert [(i.item_id.supplier_part_id, i.quantity) for i in message.items] == [("PEN-001", 4)]
    assert message.total == cxml.Money(Decimal("3.80"), "EUR")  # 4 × the 0.95 contract price


def test_the_punchout_cart_is_not_the_users_own_cart(client, make_connection, make_user, catalog):
    connection = make_connection(user_mapping="per-user")
    punch_in(client, setup_request())
    first = client.get("/products/PEN-001")
    client.post("/cart/add", data={"sku": "PEN-001", "quantity": "1",
                                   "csrf_token": csrf_token(first.text)})
    other = client.application.test_client()
    second = punch_in(other, setup_request())  # the same buyer user, a second visit
    assert second.user_id == db.session.scalar(select(PunchOutSession.user_id))
    assert second.cart.lines == []
    assert connection.id == second.connection_id


def test_an_inspect_cart_refuses_changes_from_the_cart_pages(client, make_connection, catalog):
    make_connection()
    punch_in(client, setup_request(operation="inspect", items=(("PEN-001", None, "2"),)))
    cart_page = client.get("/cart")
    assert "Return to Acme Ariba" in cart_page.text and "Transfer cart to" not in cart_page.text
    response = client.post("/cart/add", data={"sku": "PAP-500", "quantity": "1",
                                              "csrf_token": csrf_token(cart_page.text)})
    assert response.status_code == 303 and response.headers["Location"] == "/cart"
    with client.session_transaction() as cookie:
        po = db.session.get(PunchOutSession, cookie["punchout_session_id"])
    assert [line.product.sku for line in po.cart.lines] == ["PEN-001"]
