"""Threat model X1–X10 (docs/security.md) through the real ``/punchout/setup`` endpoint.

The parser's own tests (``test_cxml_parse.py``) show the reader refuses each payload; these
show what a sender of the payload gets from the running shop: a cXML refusal, no PunchOut
session, token or user written, no file read, no request to any server, nothing secret in
the answer, the message log or the server log. A local HTTP server counts requests (it must
see none) and a canary file shows whether anything opened it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from intake_support import catalog, make_buyer_fixture  # noqa: F401
from punchout_support import (  # noqa: F401
    SECRET,
    make_connection_fixture,
    post_setup,
    setup_request,
    start_url_of,
    status_of,
)
from sqlalchemy import func, select
from test_cxml_parse import SECRET as CANARY_TEXT
from test_cxml_parse import CountingServer, arm, was_read
from test_punchout_transfer import fill_cart, order_message, punch_in, transfer

from shop import cxml
from shop.accounts.models import User
from shop.cart.models import Cart
from shop.extensions import db
from shop.punchout.models import MessageLog, PunchOutSession, StartToken

pytestmark = pytest.mark.timeout(120)

OFFICIAL = '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd">'


@pytest.fixture
def server() -> Iterator[CountingServer]:
    with CountingServer() as running:
        yield running


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(CANARY_TEXT)
    arm(path)
    return path


@pytest.fixture
def connection(make_connection):
    return make_connection()


def hostile(doctype: str, cookie: str = "cookie-1234") -> bytes:
    """A valid setup request of the test connection with ``doctype`` and ``cookie`` swapped in."""
    body = setup_request().decode()
    body = body.replace(OFFICIAL, doctype).replace("<BuyerCookie>cookie-1234<",
                                                   f"<BuyerCookie>{cookie}<")
    return body.encode()


def rows_written() -> dict[str, int]:
    """Everything a setup request may create besides its message-log entries."""
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (PunchOutSession, StartToken, Cart, User)}


NOTHING = {"PunchOutSession": 0, "StartToken": 0, "Cart": 0, "User": 0}


def assert_refused(response, *, leak: str = CANARY_TEXT) -> tuple[int, str]:
    """HTTP 200 with a cXML 4xx Status, nothing opened, nothing leaked anywhere."""
    assert response.status_code == 200, response.data[:300]
    code, text = status_of(response)
    assert 400 <= code < 500, (code, text)
    assert leak not in response.text
    # X9: a fixed message, never the parser's position or a path.
    assert not re.search(r"\bline \d|column|/tmp/|file:", text), text
    assert rows_written() == NOTHING
    logged = " ".join(db.session.scalars(select(MessageLog.body)))
    assert leak not in logged
    return code, text


def test_x1_xxe_file_entity_is_refused_without_reading_the_file(client, connection, canary,
                                                                caplog):
    caplog.set_level(logging.DEBUG)
    body = hostile(f'<!DOCTYPE cXML [<!ENTITY x SYSTEM "file://{canary}">]>', cookie="&x;")
    assert_refused(post_setup(client, body))
    assert not was_read(canary)
    assert CANARY_TEXT not in caplog.text


def test_x1_etc_passwd_entity_echoes_nothing(client, connection):
    body = hostile('<!DOCTYPE cXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>', cookie="&x;")
    assert_refused(post_setup(client, body), leak="root:")


def test_x2_parameter_entity_makes_no_request(client, connection, server, canary):
    body = hostile(f'<!DOCTYPE cXML [<!ENTITY % p SYSTEM "{server.url}/p.dtd"> %p;'
                   f'<!ENTITY % f SYSTEM "file://{canary}">]>')
    assert_refused(post_setup(client, body))
    assert server.hits == []
    assert not was_read(canary)


def test_x3_foreign_dtd_url_is_never_fetched(client, connection, server):
    body = hostile(f'<!DOCTYPE cXML SYSTEM "{server.url}/cXML.dtd">')
    assert_refused(post_setup(client, body))
    assert server.hits == []


def test_x3_official_doctype_is_read_locally(client, connection, server):
    # The accepted DOCTYPE names xml.cxml.org: it is mapped to a local DTD, never fetched.
    response = post_setup(client, setup_request())
    assert status_of(response)[0] == 200
    assert server.hits == []


def test_x4_billion_laughs_is_refused(client, connection):
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    ]
    body = hostile(f"<!DOCTYPE cXML [{''.join(entities)}]>", cookie="&lol9;")
    assert_refused(post_setup(client, body))


def test_x5_quadratic_blowup_is_refused(client, connection):
    body = hostile(f'<!DOCTYPE cXML [<!ENTITY a "{"x" * 50_000}">]>', cookie="&a;" * 5_000)
    assert_refused(post_setup(client, body))


def test_x6_a_4_mb_request_passes_the_limit_and_11_mb_gets_413(client, connection):
    # Default limit as shipped: MAX_XML_BYTES = 10 MB.
    assert client.application.config["MAX_XML_BYTES"] == 10 * 1024 * 1024
    padding = b"\n" * (4 * 1024 * 1024)  # blanks after the root element are well-formed
    accepted = post_setup(client, setup_request() + padding)
    assert accepted.status_code == 200
    assert start_url_of(accepted)
    before = db.session.scalar(select(func.count()).select_from(MessageLog))

    too_big = post_setup(client, setup_request() + b"\n" * (11 * 1024 * 1024))
    assert too_big.status_code == 413
    assert b'code="413"' in too_big.data  # a cXML Status the buyer's system can show
    # Refused before parsing: nothing was logged, no session was opened.
    assert db.session.scalar(select(func.count()).select_from(MessageLog)) == before
    assert db.session.scalar(select(func.count()).select_from(PunchOutSession)) == 1


def test_x6_a_huge_text_node_within_the_limit_is_refused_by_the_parser(client, connection):
    body = hostile(OFFICIAL, cookie="x" * (10 * 1024 * 1024 - 2048))
    assert len(body) < 10 * 1024 * 1024
    assert_refused(post_setup(client, body))


def test_x7_deep_nesting_is_refused(client, connection):
    deep = "<a>" * 50_000 + "</a>" * 50_000
    body = setup_request().replace(b"<BuyerCookie>cookie-1234</BuyerCookie>",
                                   f"<BuyerCookie>{deep}</BuyerCookie>".encode())
    assert_refused(post_setup(client, body))


def test_x8_xinclude_is_not_processed(client, connection, canary):
    include = (f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{canary}"'
               ' parse="text"/>')
    assert_refused(post_setup(client, hostile(OFFICIAL, cookie=include)))
    assert not was_read(canary)


@pytest.mark.parametrize("body", [
    b"<cXML><Header></cXML>",
    b"<?xml version='1.0'?><cXML payloadID='x'",
    "<cXML>\u00e9</cXML>".encode("latin-1"),
    b"\x00\x01\x02",
])
def test_x9_parser_errors_get_a_fixed_text(client, connection, body):
    code, text = assert_refused(post_setup(client, body))
    assert code == 400 or code == 406


def test_x10_hostile_product_names_leave_the_shop_as_text(client, make_connection, make_product):
    make_connection()
    name = "]]></ShortName><UnitPrice>0</UnitPrice>&amp;<x>'\""
    product = make_product("EVIL-1", name, "10.00")
    po_session = punch_in(client, setup_request())
    fill_cart(po_session, (product, "1"))
    raw, _ = order_message(transfer(client))
    message = cxml.read_cxml(raw).payload
    assert isinstance(message, cxml.PunchOutOrderMessage)
    (item,) = message.items
    assert item.detail.description == name
    assert item.detail.unit_price.amount == Decimal("10.00")


def test_x6_the_order_endpoint_takes_a_4_mb_5000_line_order_and_refuses_11_mb(
    client, make_buyer, catalog  # noqa: F811  (the fixture)
):
    from intake_support import Line, order_request, post_po
    from intake_support import status_of as po_status

    from shop.orders.inbound import InboundDocument

    make_buyer()
    body = order_request([Line("PEN-001", "1", "1.20")] * 5000, comments="x" * 1_000_000)
    assert 3.5 * 1024 * 1024 < len(body) < 10 * 1024 * 1024
    accepted = post_po(client, body)
    assert accepted.status_code in (200, 201), accepted.data[:300]
    assert po_status(accepted.data)[0] in (200, 201)
    too_big = post_po(client, body + b"\n" * (11 * 1024 * 1024))
    assert too_big.status_code == 413 and po_status(too_big.data)[0] == 413
    assert db.session.scalar(select(func.count()).select_from(InboundDocument)) == 1
