"""The runner against a deliberately broken supplier: its own lint and DTD check catch it.

The fake supplier is a tiny Flask app on a real socket. It speaks the same HTTP as the shop
(setup, StartPage, product pages, cart, transfer, order) but returns carts with one defect
each, so each test shows the sandbox failing the right step with the right message,
independently of the shop's own code paths.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from html import escape

import pytest
from flask import Flask, Response, redirect, request
from werkzeug.serving import make_server

from shop import cxml
from shop.sandbox.connect import Credentials
from shop.sandbox.profiles import get_profile
from shop.sandbox.runner import Target, run_journey

Defect = Callable[[bytes], bytes]
RETURN_URL = "http://127.0.0.1:1/sandbox/receive/run-test"


def _order_message(cookie: str, currency: str = "EUR") -> bytes:
    detail = cxml.ItemDetail(cxml.Money(Decimal("2.50"), currency), "Ballpoint pen, blue", "EA",
                             (cxml.Classification("UNSPSC", "44121704"),))
    message = cxml.PunchOutOrderMessage(
        buyer_cookie=cookie, total=cxml.Money(Decimal("5.00"), currency),
        items=(cxml.ItemIn(Decimal("2"), cxml.ItemID("PEN-1", "aux-1"), detail, 1),))
    header = cxml.Header(
        from_=cxml.Party((cxml.Credential("DUNS", "123456789"),)),
        to=cxml.Party((cxml.Credential("DUNS", "acme-oracle"),)),
        sender=cxml.Party((cxml.Credential("DUNS", "123456789"),)), user_agent="Fake shop")
    return cxml.build_order_message(message, header=header, host="fake.test", version="1.2.020")


def _page(body: str) -> str:
    return f"<!doctype html><html><head><title>Fake</title></head><body>{body}</body></html>"


def fake_supplier(cart: Callable[[dict[str, str]], str]) -> Flask:
    """A supplier that plays along until the cart, which ``cart(state)`` writes."""
    app = Flask("fake_supplier")
    state: dict[str, str] = {}

    @app.post("/punchout/setup")
    def setup() -> tuple[bytes, int, dict[str, str]]:
        document = cxml.read_cxml(request.get_data())
        if document.kind == "ProfileRequest":
            answer = cxml.build_profile_response(
                {"PunchOutSetupRequest": request.url}, host="fake.test")
            return answer, 200, {"Content-Type": "text/xml"}
        setup = document.payload_as(cxml.PunchOutSetupRequest)
        state["cookie"], state["return"] = setup.buyer_cookie, setup.browser_form_post_url or ""
        answer = cxml.build_setup_response(request.host_url + "start", host="fake.test")
        return answer, 200, {"Content-Type": "text/xml"}

    @app.route("/punchout/oci", methods=["GET", "POST"])
    def oci() -> object:
        state["return"] = next((value for name, value in request.values.items(multi=True)
                                if name.upper() == "HOOK_URL"), "")
        return redirect("/start", 303)

    @app.get("/start")
    def start() -> str:
        return _page('<a href="/products/PEN-1">Pen</a>')

    @app.get("/products/<sku>")
    def product(sku: str) -> str:
        return _page(f'<form method="post" action="/cart/add"><input type="hidden" name="sku" '
                     f'value="{sku}"><input name="quantity" value="1">'
                     '<input type="hidden" name="csrf_token" value="t"></form>')

    @app.post("/cart/add")
    def add() -> object:
        return redirect("/cart", 303)

    @app.get("/cart")
    def show_cart() -> str:
        return _page('<form method="post" action="/punchout/transfer">'
                     '<input type="hidden" name="csrf_token" value="t"></form>')

    @app.post("/punchout/transfer")
    def transfer() -> str:
        return _page(f'<form method="post" action="{escape(state["return"])}" target="_top">'
                     f"{cart(state)}</form>")

    @app.post("/orders/cxml")
    def order() -> tuple[bytes, int, dict[str, str]]:
        return cxml.build_status_response(200, "OK", host="fake.test"), 200, {
            "Content-Type": "text/xml"}

    return app


@pytest.fixture
def serve() -> Iterator[Callable[[Flask], str]]:
    servers = []

    def start(app: Flask) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in servers:
        server.shutdown()
        thread.join(timeout=10)


def _cxml_cart(defect: Defect) -> Callable[[dict[str, str]], str]:
    def cart(state: dict[str, str]) -> str:
        body = defect(_order_message(state["cookie"])).decode()
        return f'<input type="hidden" name="cxml-urlencoded" value="{escape(body)}">'
    return cart


def _run(serve, cart, profile_key="oracle", dtd_dir=None):
    """The journey against a fake supplier; the DTD step is skipped unless ``dtd_dir``."""
    url = serve(fake_supplier(cart))
    target = Target.for_shop(url, dtd_dir=dtd_dir, return_url=RETURN_URL)
    return run_journey(get_profile(profile_key), target,
                       lambda: Credentials("Fake supplier", "secret", oci_password="pw"),
                       lines=1)


@pytest.mark.shared
def test_a_correct_fake_passes(serve, dtd_dir):
    report = _run(serve, _cxml_cart(lambda body: body), dtd_dir=dtd_dir)
    assert report.passed, report.to_text()


@pytest.mark.shared
def test_wrong_buyer_cookie_fails_the_lint(serve, dtd_dir):
    report = _run(serve, _cxml_cart(
        lambda body: re.sub(rb"<BuyerCookie>[^<]*</BuyerCookie>",
                            b"<BuyerCookie>someone-else</BuyerCookie>", body)), dtd_dir=dtd_dir)
    assert not report.passed
    lint = report.step_named("lint")
    assert not lint.passed
    assert "BuyerCookie 'someone-else' is not the one the buyer sent" in lint.detail
    assert report.step_named("dtd").passed  # valid XML, wrong content: only the lint sees it
    assert report.step_named("order") is None  # a buyer never orders an unmatched cart


@pytest.mark.shared
def test_missing_buyer_cookie_is_caught(serve, dtd_dir):
    report = _run(serve, _cxml_cart(
        lambda body: re.sub(rb"<BuyerCookie>[^<]*</BuyerCookie>", b"", body)), dtd_dir=dtd_dir)
    assert "BuyerCookie is missing" in report.step_named("lint").detail
    assert not report.step_named("dtd").passed  # the DTD requires it as well


@pytest.mark.shared
def test_dtd_invalid_order_message_fails_the_dtd_step(serve, dtd_dir):
    # Classification before UnitOfMeasure: every value is there, the order is wrong.
    def swap(body: bytes) -> bytes:
        unit = re.search(rb"<UnitOfMeasure>EA</UnitOfMeasure>", body).group(0)
        body = body.replace(unit, b"", 1)
        return body.replace(b"</Classification>", b"</Classification>" + unit, 1)

    report = _run(serve, _cxml_cart(swap), dtd_dir=dtd_dir)
    assert report.step_named("lint").passed
    dtd = report.step_named("dtd")
    assert not dtd.passed and "not valid against its DTD" in dtd.detail
    assert report.step_named("order").passed  # a DTD failure alone does not stop the journey
    assert not report.passed


def test_without_dtds_only_the_dtd_step_fails_and_says_how_to_install_them(serve, tmp_path):
    report = _run(serve, _cxml_cart(lambda body: body), dtd_dir=tmp_path / "dtd")
    dtd = report.step_named("dtd")
    assert not dtd.passed
    assert dtd.detail == (f"the official cXML DTDs are not installed (none in {tmp_path / 'dtd'}):"
                          " run `make dtds` or set CXML_DTD_DIR, or pass --skip-dtd to run "
                          "without this check")
    assert [step.name for step in report.steps if not step.passed] == ["dtd"]
    assert report.step_named("order").passed  # the journey goes on to the order


def test_missing_classification_fails_the_lint(serve):
    report = _run(serve, _cxml_cart(
        lambda body: re.sub(rb"<Classification[^>]*>[^<]*</Classification>", b"", body)))
    lint = report.step_named("lint")
    assert not lint.passed and "line 1: missing classification" in lint.detail


def test_totals_that_do_not_add_up_and_unknown_units(serve):
    def break_it(body: bytes) -> bytes:
        body = body.replace(b'<Money currency="EUR">5.00</Money>',
                            b'<Money currency="EUR">7.00</Money>', 1)
        return body.replace(b"<UnitOfMeasure>EA</UnitOfMeasure>",
                            b"<UnitOfMeasure>XYZ</UnitOfMeasure>")

    detail = _run(serve, _cxml_cart(break_it)).step_named("lint").detail
    assert "Total 7.00 does not add up: the lines come to 5.00" in detail
    assert "unit of measure 'XYZ' is not a known UN/CEFACT code" in detail


def test_mixed_currencies_fail(serve):
    def usd_line(body: bytes) -> bytes:
        return body.replace(b'<UnitPrice><Money currency="EUR">',
                            b'<UnitPrice><Money currency="USD">')

    detail = _run(serve, _cxml_cart(usd_line)).step_named("lint").detail
    assert "currencies are mixed (EUR, USD)" in detail


def test_cart_in_the_wrong_field_for_the_buyer(serve):
    # Ariba reads cxml-base64 here; the fake posts cxml-urlencoded.
    report = _run(serve, _cxml_cart(lambda body: body), profile_key="ariba")
    step = report.step_named("return form")
    assert not step.passed
    assert "the cart comes as cxml-urlencoded; this buyer reads cxml-base64" in step.detail


def test_not_xml_at_all(serve):
    report = _run(serve, lambda state: '<input type="hidden" name="cxml-urlencoded" value="x">')
    assert "the cart is not readable XML" in report.step_named("lint").detail


def _oci_cart(description: str, price: str = "2.50") -> Callable[[dict[str, str]], str]:
    def cart(state: dict[str, str]) -> str:
        fields = {"NEW_ITEM-DESCRIPTION[1]": description, "NEW_ITEM-QUANTITY[1]": "2",
                  "NEW_ITEM-UNIT[1]": "EA", "NEW_ITEM-PRICE[1]": price,
                  "NEW_ITEM-CURRENCY[1]": "EUR", "NEW_ITEM-MATGROUP[1]": "44121704",
                  "NEW_ITEM-VENDORMAT[1]": "PEN-1", "NEW_ITEM-EXT_PRODUCT_ID[1]": "PEN-1",
                  "~OkCode": "ADDI", "~TARGET": "_top", "~CALLER": "CTLG"}
        return "".join(f'<input type="hidden" name="{escape(n)}" value="{escape(v)}">'
                       for n, v in fields.items())
    return cart


def test_oci_cart_passes_when_right(serve):
    report = _run(serve, _oci_cart("Ballpoint pen, blue"), profile_key="sap-oci4")
    assert report.passed, report.to_text()


def test_an_oci_shop_an_iframe_buyer_may_not_frame_fails_at_the_entry(serve):
    # SAP SRM 7 (sap-oci5) shows the catalog in a frame of its own page.
    assert _run(serve, _oci_cart("Ballpoint pen, blue"), profile_key="sap-oci5").passed
    app = fake_supplier(_oci_cart("Ballpoint pen, blue"))
    app.after_request(_no_frames)
    report = run_journey(get_profile("sap-oci5"),
                         Target.for_shop(serve(app), return_url=RETURN_URL),
                         lambda: Credentials("Fake supplier", "secret", oci_password="pw"))
    entry = report.step_named("entry")
    assert not entry.passed
    assert ("the buyer's page (http://127.0.0.1:1) may not frame the shop: "
            "frame-ancestors 'none'") in entry.detail
    assert report.step_named("order") is None


def _no_frames(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    return response


def test_oci_field_too_long_fails(serve):
    report = _run(serve, _oci_cart("Ballpoint pen, blue, with a much too long description"),
                  profile_key="sap-oci4")
    lint = report.step_named("lint")
    assert not lint.passed
    assert "NEW_ITEM-DESCRIPTION[1] is 53 characters; SAP allows 40" in lint.detail


def test_oci_number_format_fails(serve):
    report = _run(serve, _oci_cart("Pen", price="1.234,50"), profile_key="sap-oci4")
    detail = report.step_named("lint").detail
    assert "NEW_ITEM-PRICE[1] '1.234,50' is not an OCI number" in detail
