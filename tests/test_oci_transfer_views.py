"""The cart back to SAP: "Transfer cart" in an OCI session renders the NEW_ITEM form.

Every page is read back with the OCI layer's own reader (``parse_oci_form``,
``read_form_fields``), the way SAP's inbound handler would read the post.
"""

from __future__ import annotations

import html
import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import csrf_token, shared_path
from oci_support import (  # noqa: F401
    HOOK_URL,
    SRM_ORIGIN,
    enter_shop,
    entry_params,
    fill_cart,
    make_oci_connection_fixture,
    oci_catalog_fixture,
)
from sqlalchemy import select

from shop import oci
from shop.catalog.models import ContractPrice
from shop.extensions import db
from shop.punchout import services
from shop.punchout.models import (
    Direction,
    MessageLog,
    PunchOutSession,
    SessionStatus,
    TransferredLine,
)


def transfer(client, path: str = "/punchout/transfer"):
    token = csrf_token(client.get("/cart").text)
    return client.post(path, data={"csrf_token": token})


def add_to_cart(client, sku: str, quantity: str) -> None:
    """Through the real cart form, as the buyer does."""
    token = csrf_token(client.get(f"/products/{sku}").text)
    response = client.post("/cart/add", data={"sku": sku, "quantity": quantity,
                                              "csrf_token": token})
    assert response.status_code == 302, response.text


def page_text(response) -> str:
    """The page decoded in the charset its Content-Type names (as the browser reads it)."""
    charset = response.mimetype_params["charset"]
    return response.data.decode(charset)


# ---------- the whole round trip ----------


def test_transfer_sends_the_cart_field_by_field(client, make_oci_connection, oci_catalog):
    make_oci_connection(unit_map={"EA": "PCE"}, vendor="100200",
                        cust_fields={"CUST_FIELD1": "manufacturer", "CUST_FIELD2": "=NW",
                                     "CUST_FIELD4": "category", "CUST_FIELD5": "line_key"})
    po = enter_shop(client)
    add_to_cart(client, "BOLT-M8", "250")
    add_to_cart(client, "PAP-500", "3")
    page = transfer(client)
    assert page.status_code == 200, page.text
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<meta charset="utf-8">' in page.text
    assert f'action="{html.escape(HOOK_URL)}"' in page.text
    assert 'target="_parent"' in page.text and 'accept-charset="utf-8"' in page.text
    assert "punchout-transfer.js" in page.text and "<script>" not in page.text
    assert "Send cart to Acme SRM</button>" in page.text  # without scripts
    csp = page.headers["Content-Security-Policy"]
    assert "form-action" not in csp and SRM_ORIGIN in csp

    fields = oci.read_form_fields(page.text)
    assert fields[:3] == [("~OkCode", "ADDI"), ("~TARGET", "_top"), ("~CALLER", "CTLG")]
    names = [name for name, _ in fields[3:]]
    assert all(re.fullmatch(r"NEW_ITEM-[A-Z_0-9]+\[[12]\]|NEW_ITEM-LONGTEXT_[12]:132\[\]", n)
               for n in names), names
    assert "NEW_ITEM-LONGTEXT_1:132[]" in names and "NEW_ITEM-LONGTEXT[1]" not in names
    values = dict(fields)
    assert values["NEW_ITEM-DESCRIPTION[1]"] == "Hex bolt M8x40, zinc plated"
    assert values["NEW_ITEM-QUANTITY[1]"] == "250"
    assert values["NEW_ITEM-UNIT[1]"] == "PCE" and values["NEW_ITEM-UNIT[2]"] == "PK"
    # 0.245 per piece has 3 decimals: sent as 2.45 per 10, never rounded to cents.
    assert (values["NEW_ITEM-PRICE[1]"], values["NEW_ITEM-PRICEUNIT[1]"]) == ("2.45", "10")
    assert (values["NEW_ITEM-PRICE[2]"], values["NEW_ITEM-PRICEUNIT[2]"]) == ("4.50", "1")
    assert values["NEW_ITEM-CURRENCY[1]"] == "EUR" and values["NEW_ITEM-LEADTIME[1]"] == "4"
    assert values["NEW_ITEM-VENDOR[1]"] == values["NEW_ITEM-VENDOR[2]"] == "100200"
    assert values["NEW_ITEM-VENDORMAT[1]"] == values["NEW_ITEM-EXT_PRODUCT_ID[1]"] == "BOLT-M8"
    assert values["NEW_ITEM-MANUFACTMAT[1]"] == "0057 840"
    assert values["NEW_ITEM-MATGROUP[1]"] == "31161501"
    long_text = values["NEW_ITEM-LONGTEXT_1:132[]"]
    assert long_text == "DIN 933, strength class 8.8.\nBox of loose bolts."
    assert "NEW_ITEM-LONGTEXT_2:132[]" not in values  # no text, no field
    assert "NEW_ITEM-MATNR[1]" not in values  # the buyer's number: never ours
    assert (values["NEW_ITEM-CUST_FIELD1[1]"], values["NEW_ITEM-CUST_FIELD2[1]"]) == (
        "Würth", "NW")
    assert values["NEW_ITEM-CUST_FIELD4[1]"] == "screws"
    assert values["NEW_ITEM-CUST_FIELD5[2]"] == f"S{po.id}-L2"
    bolt, paper = oci.parse_oci_form(page.text)
    assert bolt.unit_price == Decimal("0.245") and paper.quantity == 3


def test_transfer_ends_the_session_keeps_the_lines_and_logs_the_form(
        client, make_oci_connection, oci_catalog):
    connection = make_oci_connection()
    po = enter_shop(client)
    fill_cart(po, (oci_catalog["bolt"], "10"), (oci_catalog["paper"], "1"))
    assert transfer(client).status_code == 200
    db.session.refresh(po)
    assert po.status == SessionStatus.TRANSFERRED and po.ended_at is not None
    lines = db.session.scalars(select(TransferredLine).order_by(TransferredLine.line_number))
    assert [(line.aux_id, line.sku, line.quantity, line.unit_price) for line in lines] == [
        (f"S{po.id}-L1", "BOLT-M8", Decimal(10), Decimal("0.245")),
        (f"S{po.id}-L2", "PAP-500", Decimal(1), Decimal("4.50"))]
    found = services.find_transferred_line(connection.id, f"S{po.id}-L1")
    assert found is not None and found.sku == "BOLT-M8"
    sent = db.session.scalars(select(MessageLog).where(
        MessageLog.direction == Direction.OUT)).one()
    assert (sent.document_type, sent.status_text, sent.session_id) == ("OCI cart", "2 line(s)",
                                                                       po.id)
    assert f"action: {HOOK_URL}" in sent.body and "NEW_ITEM-VENDORMAT[1]=BOLT-M8" in sent.body
    # The session is over: pressing Back shows that, and nothing can be sent twice.
    back = client.get("/cart")
    assert back.status_code == 410 and "Your cart was sent" in back.text
    assert client.get("/").status_code == 200  # an ordinary visitor now
    assert len(db.session.scalars(select(TransferredLine)).all()) == 2


def test_cancel_returns_an_empty_form(client, make_oci_connection, oci_catalog):
    make_oci_connection()
    po = enter_shop(client)
    fill_cart(po, (oci_catalog["bolt"], "10"))
    page = transfer(client, "/punchout/cancel")
    assert page.status_code == 200 and "Returning to Acme SRM" in page.text
    assert oci.read_form_fields(page.text) == [("~OkCode", "ADDI"), ("~TARGET", "_top"),
                                               ("~CALLER", "CTLG")]
    assert oci.parse_oci_form(page.text) == []
    db.session.refresh(po)
    assert po.status == SessionStatus.CANCELLED
    assert db.session.scalars(select(TransferredLine)).all() == []
    assert db.session.scalars(select(MessageLog.document_type).where(
        MessageLog.direction == Direction.OUT)).all() == ["OCI cancel"]


def test_the_echoes_keep_the_spelling_of_the_entry_call(client, make_oci_connection,
                                                         oci_catalog):
    make_oci_connection()
    po = enter_shop(client, entry_params(**{"~OkCode": None, "~okcode": "ADDI",
                                            "~TARGET": None, "~target": "_top"}))
    fill_cart(po, (oci_catalog["paper"], "1"))
    fields = oci.read_form_fields(transfer(client).text)
    assert fields[:3] == [("~okcode", "ADDI"), ("~target", "_top"), ("~CALLER", "CTLG")]


def test_without_echo_parameters_only_lines_are_sent_to_the_default_target(
        client, make_oci_connection, oci_catalog):
    make_oci_connection(connection={"form_target": "_self"})
    po = enter_shop(client, entry_params(**{"~OkCode": None, "~TARGET": None,
                                            "~CALLER": None, "returntarget": None}))
    fill_cart(po, (oci_catalog["paper"], "1"))
    page = transfer(client)
    assert 'target="_self"' in page.text
    assert all(name.startswith("NEW_ITEM-") for name, _ in oci.read_form_fields(page.text))


def test_target_falls_back_from_returntarget_to_tilde_target(client, make_oci_connection,
                                                             oci_catalog):
    make_oci_connection()
    po = enter_shop(client, entry_params(returntarget=None, **{"~TARGET": "catalogframe"}))
    fill_cart(po, (oci_catalog["paper"], "1"))
    assert 'target="catalogframe"' in transfer(client).text


# ---------- formats, lengths and text ----------


def test_numbers_use_a_dot_no_separators_and_whole_price_units(
        client, make_oci_connection, make_product, oci_catalog):
    make_oci_connection()
    cable = make_product("CAB-1", "Cable per metre", "1234567.5", unit="MTR", lead_time_days=0)
    washer = make_product("WSH-1", "Washer", "0.0042", unit="EA")
    po = enter_shop(client)
    fill_cart(po, (cable, "2.5"), (washer, "10000"))
    values = dict(oci.read_form_fields(transfer(client).text))
    assert values["NEW_ITEM-QUANTITY[1]"] == "2.5"
    assert values["NEW_ITEM-PRICE[1]"] == "1234567.50" and values["NEW_ITEM-PRICEUNIT[1]"] == "1"
    assert values["NEW_ITEM-LEADTIME[1]"] == "0"
    assert (values["NEW_ITEM-PRICE[2]"], values["NEW_ITEM-PRICEUNIT[2]"]) == ("0.42", "100")
    assert values["NEW_ITEM-QUANTITY[2]"] == "10000"
    for name, value in values.items():
        if re.search(r"-(QUANTITY|PRICE|PRICEUNIT|LEADTIME)\[", name):
            assert re.fullmatch(r"\d+(\.\d{1,3})?", value), (name, value)


def test_descriptions_are_cut_to_the_connection_length_keys_never(
        client, make_oci_connection, make_product, oci_catalog):
    make_oci_connection(description_length=60)
    name = "Cordless drill 18 V with two batteries, charger and case, blue"  # 62
    drill = make_product("DRL-18", name, "99.00")
    po = enter_shop(client)
    fill_cart(po, (drill, "1"))
    (item,) = oci.parse_oci_form(transfer(client).text)
    assert item.description == "Cordless drill 18 V with two batteries, charger and case…"
    assert item.long_text.splitlines()[0] == name  # the whole name travels in the long text


def test_a_long_name_is_shortened_between_words_and_sent_whole_as_long_text(
        client, make_oci_connection, make_product, oci_catalog):
    make_oci_connection()
    name = "Nitrile examination gloves, powder-free, box of 100, size S"
    gloves = make_product("GLV-100-S", name, "8.90", short_description="Textured fingertips.")
    po = enter_shop(client)
    fill_cart(po, (gloves, "1"))
    (item,) = oci.parse_oci_form(transfer(client).text)
    assert item.description == "Nitrile examination gloves, powder-free…"  # not "…box of 10"
    assert item.long_text.splitlines()[:2] == [name, "Textured fingertips."]


def test_the_long_text_says_a_short_description_once_when_the_long_one_opens_with_it(
        client, make_oci_connection, make_product, oci_catalog):
    make_oci_connection()
    pen = make_product("PEN-9", "Ballpoint pen, black", "1.20", short_description="Smooth ink.",
                       description="Smooth ink.\n\nVariant: black.")
    pad = make_product("PAD-9", "Notepad A5", "2.40", short_description="80 sheets.",
                       description="Ruled, with margin.")
    po = enter_shop(client)
    fill_cart(po, (pen, "1"), (pad, "1"))
    first, second = oci.parse_oci_form(transfer(client).text)
    assert first.long_text.count("Smooth ink.") == 1
    assert first.long_text.splitlines()[-1] == "Variant: black."
    assert second.long_text.splitlines() == ["80 sheets.", "Ruled, with margin."]


def test_a_sku_longer_than_the_oci_field_blocks_the_transfer(client, make_oci_connection,
                                                             make_product, oci_catalog):
    make_oci_connection()
    long_sku = "X" * 41  # VENDORMAT and EXT_PRODUCT_ID hold 40: a cut key names another part
    product = make_product(long_sku, "Special part", "5.00")
    po = enter_shop(client)
    fill_cart(po, (product, "1"))
    response = transfer(client)
    assert response.status_code == 303 and response.headers["Location"].endswith("/cart")
    cart = client.get("/cart").text
    assert "cannot be sent to Acme SRM" in cart and "longer than 40" in cart
    db.session.refresh(po)
    assert po.status == SessionStatus.ACTIVE  # nothing was sent: the buyer can fix the cart


def test_an_empty_cart_is_not_sent(client, make_oci_connection, oci_catalog):
    make_oci_connection()
    po = enter_shop(client)
    response = transfer(client)
    assert response.status_code == 303
    assert "Your cart is empty" in client.get("/cart").text
    db.session.refresh(po)
    assert po.is_active


def test_iso_8859_1_page_transliterates_what_latin1_lacks(client, make_oci_connection,
                                                          make_product, oci_catalog):
    make_oci_connection("Müller SRM – €-Einkauf")
    product = make_product("GRF-1", "Müller “Spezial” Greifer – 5 € Rabatt", "12.00",
                           description="Größe: 5 µm ≤ x\nMade in 日本")
    po = enter_shop(client, entry_params(http_content_charset="ISO-8859-1"))
    fill_cart(po, (product, "1"))
    page = transfer(client)
    assert page.headers["Content-Type"] == "text/html; charset=iso-8859-1"
    page.data.decode("ascii", errors="ignore")  # bytes, not text: read as the browser does
    text = page_text(page)
    assert '<meta charset="iso-8859-1">' in text and 'accept-charset="iso-8859-1"' in text
    assert b"M\xfcller" in page.data  # ü as the one Latin-1 byte, not UTF-8
    assert "Sending your cart to Müller SRM &#8211; &#8364;-Einkauf" in text  # page chrome
    (item,) = oci.parse_oci_form(text)
    assert item.description == 'Müller "Spezial" Greifer - 5 EUR Rabatt'
    assert item.long_text == "Größe: 5 µm ? x\nMade in ??"


def test_utf8_page_keeps_every_character(client, make_oci_connection, make_product,
                                         oci_catalog):
    make_oci_connection()
    product = make_product("GRF-1", "Greifer “Spezial” – 5 €", "12.00",
                           description="Made in 日本 ✓")
    po = enter_shop(client)
    fill_cart(po, (product, "1"))
    page = transfer(client)
    (item,) = oci.parse_oci_form(page_text(page))
    assert item.description == "Greifer “Spezial” – 5 €"
    assert item.long_text == "Made in 日本 ✓"


def test_quotes_and_angle_brackets_are_escaped_and_read_back_unchanged(
        client, make_oci_connection, make_product, oci_catalog):
    make_oci_connection()
    name = 'Pipe 3/4" <DN20> & \'fittings\''
    product = make_product("PIPE-1", name, "7.00",
                           description='<script>alert("x")</script> "quoted" text')
    po = enter_shop(client)
    fill_cart(po, (product, "1"))
    page = transfer(client)
    assert "<script>alert" not in page.text and "<DN20>" not in page.text
    assert 'value="Pipe 3/4&#34; &lt;DN20&gt; &amp; &#39;fittings&#39;"' in page.text
    (item,) = oci.parse_oci_form(page.text)
    assert item.description == name
    assert item.long_text == '<script>alert("x")</script> "quoted" text'


# ---------- connection settings on the way back ----------


def test_split_hook_query_posts_to_the_bare_hook_with_its_parameters_as_fields(
        client, make_oci_connection, oci_catalog):
    make_oci_connection(hook_query="split")
    po = enter_shop(client)
    fill_cart(po, (oci_catalog["paper"], "1"))
    page = transfer(client)
    assert 'action="https://srm.acme.example/sap/bc/gui/sap/its/bbpsc02/"' in page.text
    fields = oci.read_form_fields(page.text)
    assert fields[:2] == [("sap-client", "100"), ("SESSION", "ab12")]
    assert ("~OkCode", "ADDI") in fields


def test_sapevent_hook_receives_the_cart(client, make_oci_connection, oci_catalog):
    make_oci_connection(allow_non_http_hook=True)
    po = enter_shop(client, entry_params(HOOK_URL="SAPEVENT:ADDI"))
    fill_cart(po, (oci_catalog["paper"], "1"))
    page = transfer(client)
    assert 'action="SAPEVENT:ADDI"' in page.text


def test_matgroup_from_the_buyer_table_by_category_then_unspsc_class(
        client, make_oci_connection, make_product, oci_catalog):
    make_oci_connection(matgroup_source="table", matgroup_default="MISC",
                        matgroup_table={"screws": "FASTEN", "141115": "PAPER"},
                        category_schema="UNSPSC_V1")
    odd = make_product("ODD-1", "Odd thing", "1.00", unspsc="")
    po = enter_shop(client)
    fill_cart(po, (oci_catalog["bolt"], "1"), (oci_catalog["paper"], "1"), (odd, "1"))
    values = dict(oci.read_form_fields(transfer(client).text))
    assert [values[f"NEW_ITEM-MATGROUP[{n}]"] for n in (1, 2, 3)] == ["FASTEN", "PAPER", "MISC"]
    assert (values["NEW_ITEM-EXT_SCHEMA_TYPE[1]"], values["NEW_ITEM-EXT_CATEGORY_ID[1]"]) == (
        "UNSPSC_V1", "31161501")
    assert "NEW_ITEM-EXT_SCHEMA_TYPE[3]" not in values  # no category, no schema


def test_a_contract_price_change_shows_in_the_next_transfer(client, make_oci_connection,
                                                            oci_catalog):
    make_oci_connection()
    price = db.session.scalars(select(ContractPrice)).one()
    price.price = Decimal("0.2000")
    db.session.commit()
    po = enter_shop(client)
    fill_cart(po, (oci_catalog["bolt"], "1"))
    (item,) = oci.parse_oci_form(transfer(client).text)
    assert item.unit_price == Decimal("0.2")


def test_a_detail_session_cannot_transfer(client, make_oci_connection, oci_catalog):
    make_oci_connection()
    enter_shop(client, entry_params(FUNCTION="DETAIL", PRODUCTID="BOLT-M8"))
    po = db.session.scalars(select(PunchOutSession)).one()
    response = transfer(client)
    assert response.status_code == 303
    db.session.refresh(po)
    assert po.is_active


# ---------- a real catalog's OCI form ----------


@pytest.mark.shared
def test_the_lines_of_a_real_oci_form_survive_the_shop_round_trip(
        client, make_oci_connection, make_product, oci_catalog):
    """The ten lines a real catalog sent (meplato's capture) go through our cart unchanged."""
    page = shared_path("oci", "meplato__sapoci__real_world.html").read_text(encoding="utf-8")
    real = oci.parse_oci_form(page)
    assert len(real) == 10
    make_oci_connection(description_length=128)
    po = enter_shop(client)
    for item in real:
        product = make_product(item.ext_product_id, item.description, str(item.unit_price),
                               unit=item.unit, currency=item.currency,
                               lead_time_days=item.lead_time,
                               manufacturer_part_number=item.manufactmat,
                               description=item.long_text, unspsc="")
        fill_cart(po, (product, str(item.quantity)))
    ours = oci.parse_oci_form(page_text(transfer(client)))
    assert len(ours) == 10
    for sent, received in zip(real, ours, strict=True):
        assert received.description == sent.description
        assert (received.quantity, received.unit) == (sent.quantity, sent.unit)
        assert (received.unit_price, received.currency) == (sent.unit_price, sent.currency)
        assert received.lead_time == sent.lead_time
        assert received.manufactmat == sent.manufactmat
        assert received.ext_product_id == received.vendormat == sent.ext_product_id
        # Each line of the long text arrives trimmed (SAP pads its 132-character lines itself).
        lines = [line.strip() for line in sent.long_text.strip().split("\n")]
        assert received.long_text.split("\n") == lines


@pytest.mark.parametrize("version", ["4.0", "5.0"])
def test_the_version_sent_is_the_connections_or_4_0_when_the_buyer_says_so(version):
    from shop.punchout.oci_settings import OCISettings
    from shop.punchout.oci_transfer import version_to_send

    settings = OCISettings(username="u", oci_version=version)
    assert version_to_send(settings, None) == version
    assert version_to_send(settings, "5.0") == version
    assert version_to_send(settings, "4.0") == version_to_send(settings, "3.0") == "4.0"
    # Compared by the major number, as SAP writes it.
    assert version_to_send(settings, "5") == version_to_send(settings, "5.00") == version
    assert version_to_send(settings, "4") == version_to_send(settings, "4.00") == "4.0"
    assert version_to_send(settings, "10.0") == version  # newer than 5, not "1"
    assert version_to_send(settings, "unknown") == version  # unreadable: ignored


@pytest.mark.parametrize(("stored", "sent"), [("5", "5.0"), ("4.00", "4.0"), ("4", "4.0")])
def test_a_connection_version_written_short_is_read_by_its_major_number(
        client, make_oci_connection, oci_catalog, stored, sent):
    """A connection stored with "5" or "4.00" (an import, an older back office) still sends
    its carts (a stored "5" used to fail every transfer as an unknown version)."""
    from shop.punchout.oci_settings import OCISettings
    from shop.punchout.oci_transfer import version_to_send

    connection = make_oci_connection()
    connection.oci_settings = {**connection.oci_settings, "oci_version": stored}
    db.session.commit()
    enter_shop(client, entry_params(OCI_VERSION=None))
    add_to_cart(client, "BOLT-M8", "1")
    page = transfer(client)
    assert page.status_code == 200, page.text
    (item,) = oci.parse_oci_form(page.text)
    assert item.ext_product_id == "BOLT-M8"
    assert version_to_send(OCISettings.from_json(connection.oci_settings), None) == sent


# ---------- over real HTTP, as a browser and SAP would ----------


@pytest.fixture
def live_shop(app, database_url):
    """The shop served on 127.0.0.1 by a real HTTP server (same database as ``app``)."""
    from conftest import TEST_FERNET_KEY
    from werkzeug.serving import make_server

    from shop import create_app

    served = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                         "SQLALCHEMY_DATABASE_URI": database_url,
                         "INBOUND_SECRET_PEPPER": "test-pepper",
                         "SHOP_ENCRYPTION_KEYS": TEST_FERNET_KEY})
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    with served.app_context():
        db.engine.dispose()


@pytest.fixture
def sap_hook():
    """SAP's return page: records every form posted to it."""
    received: list[bytes] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"cart received")

        def log_message(self, *args: object) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_round_trip_over_http_from_sap_call_to_sap_cart(live_shop, sap_hook,
                                                        make_oci_connection, oci_catalog):
    hook_base, received = sap_hook
    make_oci_connection(prefixes=(f"{hook_base}/sap/",), unit_map={"EA": "PCE"},
                        charset="iso-8859-1")
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def fetch(path: str, data: dict[str, str] | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        with browser.open(live_shop + path, data=body, timeout=10) as response:
            return response.geturl(), response.read().decode(
                response.headers.get_content_charset() or "utf-8")

    params = entry_params(HOOK_URL=f"{hook_base}/sap/bc/hook?sap-client=100",
                          http_content_charset=None)
    url, home = fetch("/punchout/oci", params)  # SAP's POST; redirects followed
    assert url == live_shop + "/" and "Shopping for <strong>Acme SRM</strong>" in home
    _, product = fetch("/products/BOLT-M8")
    fetch("/cart/add", {"sku": "BOLT-M8", "quantity": "12", "csrf_token": csrf_token(product)})
    _, cart = fetch("/cart")
    _, page = fetch("/punchout/transfer", {"csrf_token": csrf_token(cart)})

    # What the page's script does: post the form, in the page's charset, to its action.
    action = html.unescape(re.search(r'<form id="punchout-transfer"[^>]* action="([^"]*)"',
                                     page).group(1))
    assert action == f"{hook_base}/sap/bc/hook?sap-client=100"
    fields = oci.read_form_fields(page)
    body = urllib.parse.urlencode(fields, encoding="iso-8859-1").encode("ascii")
    urllib.request.urlopen(action, data=body, timeout=10).close()

    (posted,) = received
    pairs = urllib.parse.parse_qsl(posted.decode("ascii"), encoding="iso-8859-1")
    assert pairs[0] == ("~OkCode", "ADDI")
    (line,) = oci.parse_oci_form(pairs)
    assert (line.description, line.quantity, line.unit) == (
        "Hex bolt M8x40, zinc plated", 12, "PCE")
    assert (line.unit_price, line.manufactmat) == (Decimal("0.245"), "0057 840")
    po = db.session.scalars(select(PunchOutSession)).one()
    db.session.refresh(po)
    assert po.status == SessionStatus.TRANSFERRED
