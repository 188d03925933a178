"""The back office fulfils a purchase order, and the buyer's inbox receives every document.

A Coupa buyer (the sandbox's Coupa profile, connected to the running shop) sends a cXML
OrderRequest over verified https to ``/orders/cxml``. Staff log in, find the PO in the back
office, confirm it, ship it with a carrier and tracking number, and invoice it, through the
real forms. After each action the real outbox worker (``flask outbox run --once``) posts
the document over https, TLS verified against the test certificate, to the connection's
document URL: the sandbox inbox of the same shop, which authenticates the supplier, checks
the document against the official DTD and answers as a strict buyer. Staff then see the
ConfirmationRequest, ShipNoticeRequest and InvoiceDetailRequest there, accepted and valid.

The OrderRequest is the one the sandbox's Coupa buyer sends on approval (its own builder,
its derived credentials), built here from the requisition a PunchOut would return: the
headless ``flask sandbox run`` cannot get that far against this shop, whose StartPage is on
shop.test, a name only the browser resolves.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

import pytest
from playwright.sync_api import Locator, expect
from sqlalchemy import select

from shop.accounts.models import Company
from shop.catalog.models import Product
from shop.catalog.pricing import prices_for
from shop.cxml.documents import Response
from shop.cxml.read import read_cxml
from shop.extensions import db
from shop.sandbox.connect import profile_credentials
from shop.sandbox.documents import BuyerIdentity, RequisitionLine, build_order
from shop.sandbox.profiles import get_profile
from tests.browser.journey import Journey
from tests.browser.shop_server import ShopServer

# The inbox checks each document against the official DTDs (tests/conftest.py).
pytestmark = pytest.mark.shared

STAFF_EMAIL = "staff@northwind.test"
STAFF_PASSWORD = "staff-demo-1"  # the demo login the README lists
PROFILE = get_profile("coupa")
# What the buyer orders, by the names a person reads in the catalog, and how many.
ORDERED = {
    "Copy paper A4, 80 g/m², ream of 500 sheets, white": Decimal(4),
    "Ballpoint pen, retractable, medium tip, box of 50, blue": Decimal(2),
}
DOCUMENTS = ("ConfirmationRequest", "ShipNoticeRequest", "InvoiceDetailRequest")


def connect_buyer(shop_server: ShopServer) -> None:
    """The sandbox's Coupa connection, its document URL the shop's own inbox over https."""
    shop_server.flask("sandbox", "connect", "--profile", PROFILE.key,
                      "--shop-url", f"https://127.0.0.1:{shop_server.port}")


def requisition() -> list[RequisitionLine]:
    """The lines as Coupa holds them after a PunchOut: catalog data, the company's prices
    (in an app context on the shop's database)."""
    company_id = db.session.scalar(select(Company.id).where(Company.name == PROFILE.company))
    products = {product.name: product for product in db.session.scalars(
        select(Product).where(Product.name.in_(ORDERED)))}
    assert set(products) == set(ORDERED), f"missing from the demo catalog: {list(products)}"
    prices = prices_for(company_id, products.values())
    return [
        RequisitionLine(
            number=number, supplier_part_id=product.sku, description=product.name,
            quantity=ORDERED[name], unit=product.unit, unit_price=prices[product.id].amount,
            currency=prices[product.id].currency, classification=("UNSPSC", product.unspsc),
        )
        for number, (name, product) in enumerate(products.items(), start=1)
    ]


def send_purchase_order(shop_server: ShopServer) -> str:
    """Post the Coupa profile's OrderRequest to /orders/cxml; returns its orderID."""
    order_id = f"{PROFILE.order_prefix}-{secrets.token_hex(4).upper()}"
    with shop_server.database():  # the shared secret is derived from the shop's SECRET_KEY
        lines, secret = requisition(), profile_credentials(PROFILE).shared_secret
    body = build_order(PROFILE, BuyerIdentity.of(PROFILE, secret), lines,
                       order_id=order_id, host="buyer.test")
    status, answer = shop_server.post("/orders/cxml", body, "text/xml; charset=utf-8")
    response = read_cxml(answer).payload
    assert isinstance(response, Response), f"not a cXML Response (HTTP {status}): {answer!r}"
    assert response.status.code == 200, f"the PO was refused: {response.status}"
    return order_id


def deliver_documents(shop_server: ShopServer) -> None:
    """One pass of the outbox worker. Over https with verification on: the test certificate
    is its own CA, and ssl.create_default_context() reads SSL_CERT_FILE."""
    result = shop_server.flask("outbox", "run", "--once", env={
        "SSL_CERT_FILE": str(shop_server.certificate.cert_file),
        "SHOP_OUTBOX_ALLOW_PRIVATE": "1",  # the buyer's inbox is on 127.0.0.1
    })
    assert "retrying 0, failed 0" in result.stdout, result.stdout


def sent_document(journey: Journey, document_type: str) -> Locator:
    """The cells of a document's row in the PO's "Documents sent to the buyer" table:
    document, reference, written, status, attempts, the buyer's answer."""
    page = journey.page
    return page.get_by_role("row").filter(
        has=page.get_by_role("link", name=document_type, exact=True)).get_by_role("cell")


def act(journey: Journey, shop_server: ShopServer, button: str, status: str,
        document_type: str) -> None:
    """Press an action's button: the order takes its new status and the document waits in
    the outbox; once the worker has run, the PO's page shows the buyer's answer."""
    page = journey.page
    journey.click(page.get_by_role("button", name=button, exact=True))
    expect(page.get_by_role("status").filter(has_text="queued")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(status)
    expect(sent_document(journey, document_type).nth(3)).to_have_text("pending")
    deliver_documents(shop_server)
    journey.goto(page.url)
    expect(sent_document(journey, document_type).nth(3)).to_have_text("sent")
    expect(sent_document(journey, document_type).nth(5)).to_contain_text("200")


def log_in_as_staff(journey: Journey) -> None:
    page = journey.page
    journey.goto("/")
    journey.click(page.get_by_role("link", name="Log in"))
    page.get_by_label("Email").fill(STAFF_EMAIL)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    journey.click(page.get_by_role("button", name="Log in"))


@pytest.mark.usefixtures("dtd_dir")
def test_staff_confirm_ship_and_invoice_a_po_and_the_buyers_inbox_gets_each_document(
        journey: Journey, shop_server: ShopServer) -> None:
    connect_buyer(shop_server)
    order_id = send_purchase_order(shop_server)
    page = journey.page

    # Staff find the new PO in the back office.
    log_in_as_staff(journey)
    journey.click(page.get_by_role("link", name="Back office"))
    journey.click(page.get_by_role("navigation", name="Back office")
                  .get_by_role("link", name="Purchase orders"))
    journey.click(page.get_by_role("link", name=order_id, exact=True))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"PO {order_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Placed")
    expect(page.get_by_text(PROFILE.connection_name, exact=True)).to_be_visible()
    # Catalog SKUs at Globex's contract prices: nothing for staff to review first.
    expect(page.get_by_role("heading", name="To review")).to_have_count(0)

    # Confirm every line, ship everything with a carrier and tracking number, invoice it.
    act(journey, shop_server, "Send confirmation", "Confirmed", "ConfirmationRequest")
    tracking = f"1Z{secrets.token_hex(6).upper()}"
    page.get_by_label("Carrier").fill("DHL Express")
    page.get_by_label("Tracking number").fill(tracking)
    act(journey, shop_server, "Send ship notice", "Shipped", "ShipNoticeRequest")
    act(journey, shop_server, "Send invoice", "Invoiced", "InvoiceDetailRequest")

    # The buyer's inbox: each document authenticated, DTD-valid and answered 200.
    journey.goto("/sandbox/")
    journey.click(page.get_by_role("navigation", name="Sandbox")
                  .get_by_role("link", name="Inbox"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    rows = page.get_by_role("row").filter(has_text=order_id)
    expect(rows).to_have_count(len(DOCUMENTS))
    for document_type in DOCUMENTS:
        row = rows.filter(has=page.get_by_role("cell", name=document_type, exact=True))
        expect(row).to_have_count(1)
        expect(row.get_by_role("cell").nth(5)).to_have_text("valid")
        expect(row.get_by_role("cell").nth(6)).to_contain_text("200")
    shipment = rows.filter(has=page.get_by_role("cell", name="ShipNoticeRequest", exact=True))
    expect(shipment).to_contain_text(f"via DHL Express ({tracking})")

    # The ship notice itself, as the buyer stored it.
    journey.click(shipment.get_by_role("link"))
    expect(page.get_by_role("heading", level=1)).to_have_text("ShipNoticeRequest")
    details = page.locator("dl.details")
    expect(details).to_contain_text(order_id)
    expect(details.locator("dt:text-is('Sender authenticated') + dd")).to_have_text("yes")
    expect(details.locator("dt:text-is('DTD') + dd")).to_have_text("valid")
    expect(page.locator("pre.raw-document")).to_contain_text(tracking)
    with shop_server.database():
        outbound_secret = profile_credentials(PROFILE).outbound_secret
    expect(page.locator("pre.raw-document")).not_to_contain_text(outbound_secret)
