"""The sandbox pages: access, connect, the whole journey in a browser session, the receiver."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
import requests
from sqlalchemy import select

from shop.accounts.models import Role
from shop.extensions import db
from shop.orders import delivery, fulfilment
from shop.orders.models import Order
from shop.punchout.models import BuyerConnection
from shop.sandbox import shopping
from shop.sandbox.models import RequisitionStatus, SandboxDocument, SandboxRequisition
from shop.sandbox.pages import read_page
from tests.conftest import csrf_token
from tests.sandbox_support import STAFF, csrf_of, live_shop_fixture, login  # noqa: F401

STAFF_PASSWORD = "staff pass"


@pytest.fixture
def staff(client, auth, make_user):
    make_user("staff@northwind.test", STAFF_PASSWORD, role=Role.STAFF)
    auth.login("staff@northwind.test", STAFF_PASSWORD)
    return client


def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get("/sandbox/")
    assert response.status_code == 303
    assert "/login?next=/sandbox/" in response.headers["Location"]


def test_buyers_may_not_use_the_sandbox(client, auth, make_user):
    make_user()
    auth.login()
    assert client.get("/sandbox/").status_code == 403


def test_staff_see_every_profile(staff):
    page = staff.get("/sandbox/")
    assert page.status_code == 200
    for label in ("Ariba", "Coupa", "Oracle", "SAP OCI 4.0", "SAP OCI 5.0"):
        assert label in page.text
    assert "Connect to this shop" in page.text
    assert "sandbox_pass=" in page.headers["Set-Cookie"]


def test_show_the_supplier_follows_the_chosen_profile_by_default(app, staff):
    from werkzeug.datastructures import MultiDict

    from shop.sandbox.forms import PunchOutForm

    page = staff.get("/sandbox/").text
    assert re.search(r'<option selected value="profile">As the buyer profile does</option>', page)
    assert "Ariba: in a new window; Coupa: in a frame of this page; Oracle: in this window" in page
    chosen = {}
    for profile, presentation in [("ariba", "profile"), ("oracle", "profile"),
                                  ("sap-oci4", "profile"), ("coupa", "profile"),
                                  ("ariba", "iframe")]:
        with app.test_request_context(method="POST"):
            form = PunchOutForm(MultiDict({"profile": profile, "presentation": presentation}),
                                meta={"csrf": False})
            chosen[profile, presentation] = form.chosen_presentation()
    assert chosen == {("ariba", "profile"): "new-window", ("oracle", "profile"): "same-window",
                      ("sap-oci4", "profile"): "same-window", ("coupa", "profile"): "iframe",
                      ("ariba", "iframe"): "iframe"}  # a choice made by hand is kept


def test_cli_lines_skip_the_dtd_check_only_when_the_shop_has_no_dtds(app, staff, tmp_path):
    app.config["CXML_DTD_DIR"] = str(tmp_path / "dtd")  # a fresh demo: `make dtds` never ran
    page = unescape(staff.get("/sandbox/").text)
    assert "sandbox run --profile coupa --shop-url http://shop.test --skip-dtd</code>" in page
    assert "DTDs are not installed" in page and "make dtds" in page
    (tmp_path / "dtd" / "1.2.063").mkdir(parents=True)
    (tmp_path / "dtd" / "1.2.063" / "cXML.dtd").write_text("<!ELEMENT cXML ANY>")
    page = unescape(staff.get("/sandbox/").text)
    assert "sandbox run --profile coupa --shop-url http://shop.test</code>" in page
    assert "--skip-dtd" not in page


def test_the_pass_outlives_a_session_switch_but_not_forgery(staff):
    staff.get("/sandbox/")
    staff.post("/logout", data={"csrf_token": csrf_token(staff.get("/account").text)})
    assert staff.get("/sandbox/").status_code == 200  # a PunchOut replaced the session
    staff.set_cookie("sandbox_pass", "1.forged.signature", domain="shop.test", path="/sandbox")
    assert staff.get("/sandbox/").status_code == 303


def test_the_sandbox_is_off_when_disabled(make_app, database_url):
    app = make_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "SECRET_KEY": "x", "SANDBOX_ENABLED": False})
    assert app.test_client().get("/sandbox/").status_code == 404


def test_connect_button_creates_the_matching_connection(staff):
    page = staff.get("/sandbox/")
    response = staff.post("/sandbox/connect/sap-oci5", data={"csrf_token": csrf_token(page.text)},
                          follow_redirects=True)
    assert "Created the buyer connection &#39;Sandbox SAP OCI 5.0&#39;" in response.text
    oci = db.session.scalar(select(BuyerConnection).filter_by(name="Sandbox SAP OCI 5.0"))
    orders = db.session.scalar(select(BuyerConnection).filter_by(
        name="Sandbox SAP OCI 5.0 (orders)"))
    assert oci.protocol.value == "oci" and oci.oci_settings["hook_field"] == "hook_url"
    assert orders.protocol.value == "cxml"
    assert orders.document_url == "http://shop.test/sandbox/inbox/sap-oci5"
    assert "Update connection" in staff.get("/sandbox/").text


def test_receiving_needs_the_token_not_a_login(client):
    db.session.add(SandboxRequisition(token="tok-1", profile="sap-oci4", punchout_url="x"))
    db.session.commit()
    assert client.post("/sandbox/receive/unknown", data={"cxml-urlencoded": "<cXML/>"}
                       ).status_code == 404
    refused = client.post("/sandbox/receive/tok-1", data={"something": "else"})
    assert refused.status_code == 400 and "no cxml-urlencoded" in refused.text
    fields = {"NEW_ITEM-DESCRIPTION[1]": "Pen", "NEW_ITEM-QUANTITY[1]": "2",
              "NEW_ITEM-UNIT[1]": "EA", "NEW_ITEM-PRICE[1]": "1,50",
              "NEW_ITEM-CURRENCY[1]": "EUR"}
    response = client.post("/sandbox/receive/tok-1", data=fields)  # no CSRF token: exempt
    assert response.status_code == 303
    requisition = db.session.scalar(select(SandboxRequisition))
    assert requisition.status == RequisitionStatus.RETURNED
    assert requisition.return_format == "oci"
    assert json.loads(requisition.returned_body)[0] == ["NEW_ITEM-DESCRIPTION[1]", "Pen"]


def test_an_oci_requisition_shows_its_lint(staff):
    db.session.add(SandboxRequisition(
        token="tok-2", profile="sap-oci4", punchout_url="x", return_format="oci",
        status=RequisitionStatus.RETURNED, returned_body=json.dumps([
            ["NEW_ITEM-DESCRIPTION[1]", "A" * 45], ["NEW_ITEM-QUANTITY[1]", "2"],
            ["NEW_ITEM-UNIT[1]", "EA"], ["NEW_ITEM-PRICE[1]", "1,50"],
            ["NEW_ITEM-CURRENCY[1]", "EUR"]])))
    db.session.commit()
    requisition = db.session.scalar(select(SandboxRequisition))
    page = unescape(staff.get(f"/sandbox/requisitions/{requisition.id}").text)
    assert "NEW_ITEM-DESCRIPTION[1] is 45 characters; SAP allows 40" in page
    assert "NEW_ITEM-PRICE[1] '1,50' is not an OCI number" in page
    assert "missing classification" in page


# ---------- the whole journey over HTTP, as a browser does it ----------


def _staff_browser(live_shop) -> requests.Session:
    browser = requests.Session()
    response = login(browser, live_shop.url, *STAFF)
    assert response.status_code == 200
    return browser


def _punch_out(browser, url, **fields) -> tuple[str, str]:
    index = browser.get(url + "/sandbox/", timeout=10)
    data = {"csrf_token": csrf_of(index.text), "operation": "create", "target": "shop",
            "parent_id": "0", **fields}
    page = browser.post(url + "/sandbox/punchout", data=data, timeout=30)
    assert page.status_code == 200, page.text[:500]
    return page.url, page.text


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.usefixtures("dtd_dir")  # the cart and the documents are checked against the DTDs
def test_whole_journey_in_the_browser_with_documents_in_the_inbox(live_shop):
    browser = _staff_browser(live_shop)
    requisition_url, html = _punch_out(browser, live_shop.url, profile="coupa",
                                       presentation="iframe")
    frame = read_page(html, requisition_url).frames
    assert len(frame) == 1 and "/punchout/start/" in frame[0]
    # The iframe's page, in the same browser (same origin): shop and transfer.
    start = shopping.browse(browser, "GET", frame[0])
    added, visit = shopping.add_products(browser, start, 2, live_shop.url, set())
    transfer = shopping.submit(browser, shopping.cart_form(visit, "/punchout/transfer"))
    form = transfer.page.forms[0]
    assert "/sandbox/receive/" in form.action and form.target == "_top"
    # The form's target is _top: the requisition page receives the cart.
    page = browser.post(form.action, data=form.fields, timeout=30)
    assert page.url == requisition_url
    text = unescape(page.text)
    assert "Returned cart" in text and added[0][0] in text and added[1][0] in text
    assert "Nothing a buyer would reject." in text and "valid</span> against 1.2.014" in text
    approve = read_page(page.text, page.url).forms_to("/approve")[0]
    ordered = browser.post(approve.action, data=approve.fields, timeout=30)
    assert "Status 200" in ordered.text and "CPA-" in ordered.text
    # The shop confirms, ships and invoices; its outbox delivers to the sandbox inbox.
    requisition = db.session.scalar(select(SandboxRequisition))
    order = db.session.scalar(select(Order).where(Order.po_number == requisition.order_id))
    fulfilment.confirm_order(order.id, "staff@northwind.test")
    fulfilment.ship_order(order.id, "staff@northwind.test", "UPS", "1Z999AA10123456784")
    fulfilment.invoice_order(order.id, "staff@northwind.test")
    sent = 0
    for _ in range(5):  # one document of an order per pass: each waits for the one before
        sent += delivery.deliver_due().sent
    assert sent == 3
    documents = db.session.scalars(select(SandboxDocument).order_by(SandboxDocument.id)).all()
    assert [d.document_type for d in documents] == [
        "ConfirmationRequest", "ShipNoticeRequest", "InvoiceDetailRequest"]
    assert all(d.authenticated and d.valid and d.status_code == 200 for d in documents)
    assert all(d.requisition_id == requisition.id for d in documents)
    final = unescape(browser.get(requisition_url, timeout=10).text)
    assert "shipment" in final and "invoice" in final


@pytest.mark.slow
def test_same_window_oci_entry_and_edit_buttons(live_shop):
    browser = _staff_browser(live_shop)
    url, html = _punch_out(browser, live_shop.url, profile="sap-oci5",
                           presentation="same-window")
    form = read_page(html, url).forms_to("/punchout/oci")[0]
    assert form.value("hook_url").startswith(live_shop.url + "/sandbox/receive/")
    assert form.value("~okcode") == "ADDI" and form.value("username") == "globex-srm"
    assert re.search(r"<form[^>]*data-autosubmit", html)


@pytest.mark.slow
def test_the_default_presentation_is_the_profiles(live_shop):
    browser = _staff_browser(live_shop)
    _, html = _punch_out(browser, live_shop.url, profile="oracle", presentation="profile")
    assert re.search(r"<a[^>]*data-autofollow", html)  # Oracle shows the supplier in its window
    _, html = _punch_out(browser, live_shop.url, profile="ariba")  # the form's default
    assert 'target="supplier-window"' in html


@pytest.mark.slow
def test_another_suppliers_shop_with_typed_credentials(live_shop):
    from shop.punchout import services as punchout

    punchout.create_connection(punchout.ConnectionSettings(
        name="Their buyer", company_name="Acme Industries", identities=[("DUNS", "us-123")],
        return_url_prefixes=[live_shop.url + "/sandbox/receive/"]), shared_secret="typed-1")
    browser = _staff_browser(live_shop)
    common = {"profile": "oracle", "presentation": "new-window", "target": "custom",
              "punchout_url": live_shop.url + "/punchout/setup",
              "from_credential": "DUNS:us-123", "sender_credential": "DUNS:us-123",
              "to_credential": "DUNS:them"}
    _, html = _punch_out(browser, live_shop.url, secret="typed-1", **common)
    assert 'target="supplier-window"' in html and "/punchout/start/" in html
    _, refused = _punch_out(browser, live_shop.url, secret="wrong", **common)
    assert "The supplier refused the PunchOut" in refused and "Status 401" in refused
    stored = db.session.scalars(select(SandboxRequisition)).all()
    assert all("typed-1" not in (r.secret_encrypted + r.setup_request) for r in stored)


def _start_link(html: str, url: str) -> str:
    [start] = [link for link in read_page(html, url).links if "/punchout/start/" in link]
    return start


def _transfer_to_requisition(browser, visit) -> requests.Response:
    """Transfer the shop's cart; the returned form lands on the sandbox's requisition page."""
    transfer = shopping.submit(browser, shopping.cart_form(visit, "/punchout/transfer"))
    [form] = transfer.page.forms
    assert "/sandbox/receive/" in form.action
    return browser.post(form.action, data=form.fields, timeout=30)


@pytest.mark.slow
def test_ariba_edit_and_inspect_through_the_pages(live_shop):
    browser = _staff_browser(live_shop)
    url, html = _punch_out(browser, live_shop.url, profile="ariba", presentation="new-window")
    start = shopping.browse(browser, "GET", _start_link(html, url))
    added, visit = shopping.add_products(browser, start, 2, live_shop.url, set())
    first = _transfer_to_requisition(browser, visit)
    assert first.url == url and "Nothing a buyer would reject." in unescape(first.text)
    requisition = db.session.scalar(select(SandboxRequisition))

    # Edit: the sandbox sends the lines back, the shop rebuilds the cart from them.
    url, html = _punch_out(browser, live_shop.url, profile="ariba", presentation="new-window",
                           operation="edit", parent_id=str(requisition.id))
    cart = shopping.browse(browser, "GET", _start_link(html, url))
    assert cart.page.url.endswith("/cart")
    assert all(sku in cart.answer.text for sku, _ in added)
    edited = _transfer_to_requisition(browser, cart)
    text = unescape(edited.text)
    assert edited.url == url and "Returned cart" in text
    assert all(sku in text for sku, _ in added) and "Nothing a buyer would reject." in text

    # Inspect: the same lines, read-only: no form changes or transfers the cart.
    url, html = _punch_out(browser, live_shop.url, profile="ariba", presentation="new-window",
                           operation="inspect", parent_id=str(requisition.id))
    viewed = shopping.browse(browser, "GET", _start_link(html, url))
    assert all(sku in viewed.answer.text for sku, _ in added)
    assert not viewed.page.forms_to("/punchout/transfer")
    assert not viewed.page.forms_to("/cart/update") and not viewed.page.forms_to("/cart/add")


@pytest.mark.slow
def test_level_two_through_the_pages_opens_the_product(live_shop):
    browser = _staff_browser(live_shop)
    url, html = _punch_out(browser, live_shop.url, profile="oracle", presentation="new-window",
                           selected_item="OFF-10031")
    landed = shopping.browse(browser, "GET", _start_link(html, url))
    assert landed.page.url.endswith("/products/OFF-10031")
