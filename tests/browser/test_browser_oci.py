"""SAP OCI in a real browser: SAP's page on another site opens the shop, the cart comes back.

The buyer's site (https://buyer.test) plays SAP: its page sends the OCI entry (login fields
and a HOOK_URL on the buyer's site) to the shop (https://shop.test), in a new window by GET
or into a cross-site iframe by POST. The person shops, transfers the cart, and the buyer's
page receives the form post of ``NEW_ITEM-*`` fields, which must describe the cart exactly:
descriptions, quantities, units, prices, vendor and the shop's keys.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from playwright.sync_api import Frame, Page, expect

from shop.oci import shorten_text
from tests.browser.buyer_site import BuyerSite, ReceivedCart
from tests.browser.journey import Journey
from tests.browser.punchout import add_oci_connection, oci_launch_url
from tests.browser.shop_server import ShopServer

VENDOR = "100200"  # the buyer's vendor number for this shop
UNIT_MAP = ("EA", "PCE")  # the buyer's SAP calls a piece PCE
PAPER = ("copy paper", "Copy paper A4, 80 g/m², ream of 500 sheets, white", "OFF-10015")
NOTEBOOK = ("spiral notebook", "Spiral notebook A4, 80 sheets, squared", "OFF-10021")


@dataclass(frozen=True)
class Expected:
    """One cart line as the shop knows it: what SAP must receive for it."""

    sku: str
    name: str
    quantity: int
    unit: str
    unit_price: Decimal
    currency: str
    lead_time: int
    unspsc: str
    long_text_start: str  # the start of the product's description


def connect(shop_server: ShopServer, buyer_site: BuyerSite) -> tuple[str, str, str]:
    """An OCI connection for Acme with a vendor number and a unit map: (name, user, password)."""
    name = f"Acme SAP {secrets.token_hex(3)}"
    username, password = add_oci_connection(
        shop_server, buyer_site, name=name,
        extra=("--vendor", VENDOR, "--unit-map", "=".join(UNIT_MAP), "--oci-version", "5.0"))
    return name, username, password


def add_product(journey: Journey, where: Page | Frame, product: tuple[str, str, str],
                quantity: int) -> None:
    """Search, open the product and add it to the cart, checking each page."""
    search, name, _ = product
    where.get_by_role("searchbox", name="Search products").fill(search)
    journey.click(where.get_by_role("button", name="Search", exact=True), where)
    journey.click(where.get_by_role("link", name=name, exact=True).first, where)
    where.get_by_label("Quantity").fill(str(quantity))
    journey.click(where.get_by_role("button", name="Add to cart"), where)


def fill_cart_and_transfer(journey: Journey, where: Page | Frame, connection: str) -> None:
    add_product(journey, where, PAPER, 5)
    add_product(journey, where, NOTEBOOK, 12)
    journey.click(where.get_by_role("navigation", name="Account").get_by_role(
        "link", name="Cart"), where)
    expect(where.get_by_role("heading", level=1)).to_have_text("Your cart")
    expect(where.get_by_label(f"Quantity of {PAPER[1]}")).to_have_value("5")
    expect(where.get_by_label(f"Quantity of {NOTEBOOK[1]}")).to_have_value("12")
    where.get_by_role("button", name=f"Transfer cart to {connection}").click()


def expected_lines(shop_server: ShopServer, *lines: tuple[tuple[str, str, str], int]
                   ) -> list[Expected]:
    """The lines with Acme's prices, read from the shop's own database."""
    with shop_server.database():
        from sqlalchemy import select

        from shop.accounts.models import Company
        from shop.catalog.models import Product
        from shop.catalog.pricing import price_for
        from shop.extensions import db

        acme = db.session.scalars(select(Company).where(Company.name == "Acme Industries")).one()
        expected = []
        for (_, _, sku), quantity in lines:
            product = db.session.scalars(select(Product).where(Product.sku == sku)).one()
            price = price_for(acme.id, product)
            expected.append(Expected(
                sku, product.name, quantity, product.unit, price.amount, price.currency,
                product.lead_time_days, product.unspsc,
                (product.short_description or product.description).strip()[:20]))
        return expected


def assert_cart_received(cart: ReceivedCart, expected: list[Expected]) -> None:
    """The buyer's HOOK_URL got one NEW_ITEM line per cart line, field by field."""
    # The entry's ~ parameters come back first, as SAP needs them to carry on.
    assert (cart.form["~OkCode"], cart.form["~TARGET"], cart.form["~CALLER"]) == (
        "ADDI", "_top", "CTLG")
    items = cart.oci_items
    assert len(items) == len(expected), items
    for number, (item, line) in enumerate(zip(items, expected, strict=True), start=1):
        description = item["DESCRIPTION"]
        assert 0 < len(description) <= 40, description
        # SAP's 40 characters: a longer name is shortened between words and marked with "…",
        # and then travels whole as the first line of the long text.
        assert description == shorten_text(line.name, 40)
        long_text_start = line.long_text_start
        if description != line.name:
            long_text_start = f"{line.name}\n{long_text_start}"
        assert Decimal(item["QUANTITY"]) == line.quantity
        assert item["UNIT"] == (UNIT_MAP[1] if line.unit == UNIT_MAP[0] else line.unit)
        # The price per PRICEUNIT units: together exactly the contract price per unit.
        price, per = Decimal(item["PRICE"]), int(item["PRICEUNIT"])
        assert price / per == line.unit_price, (item["PRICE"], item["PRICEUNIT"])
        assert "," not in item["PRICE"] and len(item["PRICE"].partition(".")[2]) <= 3
        assert item["CURRENCY"] == line.currency
        assert item["LEADTIME"] == str(line.lead_time)
        assert item["VENDOR"] == VENDOR
        assert item["VENDORMAT"] == item["EXT_PRODUCT_ID"] == line.sku
        assert item["MATGROUP"] == line.unspsc
        # The long description, in SAP's own field syntax: NEW_ITEM-LONGTEXT_<n>:132[].
        long_text = cart.form[f"NEW_ITEM-LONGTEXT_{number}:132[]"]
        assert long_text.replace("\r\n", "\n").startswith(long_text_start)  # the form sent CRLF
        assert "MATNR" not in item  # the buyer's material number is never ours to send
    assert cart.content_type == "application/x-www-form-urlencoded"
    # The OCI pages say Referrer-Policy: no-referrer (an entry URL may hold the password), so
    # the browser names neither the page nor even the shop's origin to SAP.
    assert cart.referer is None and cart.origin == "null"


def assert_no_password(where: Page | Frame, password: str) -> None:
    assert password not in where.content(), f"the OCI password is in the page {where.url}"


def test_oci_in_a_new_window_by_get_returns_the_cart_to_sap(
        journey: Journey, shop_server: ShopServer, buyer_site: BuyerSite) -> None:
    connection, username, password = connect(shop_server, buyer_site)
    journey.passes_through(r"/punchout/transfer$")  # submits the cart on load
    # SAP's page: its "Punch out" button opens the catalog in a new window, by GET, so the
    # login travels in the URL.
    journey.goto(oci_launch_url(shop_server, buyer_site, username, password,
                                target="_blank", method="get", OCI_VERSION="5"))
    with journey.context.expect_page() as opened:
        journey.page.get_by_role("button", name="Punch out").click()
    window = opened.value
    window.wait_for_url(f"{shop_server.url}/**")
    journey.check(window)
    assert "PASSWORD" not in window.url  # the entry URL was left by a redirect
    expect(window.get_by_role("region", name="Procurement system")).to_contain_text(
        f"Shopping for {connection}")
    assert_no_password(window, password)

    fill_cart_and_transfer(journey, window, connection)
    window.wait_for_url(buyer_site.return_url)
    journey.check(window)
    expect(window.get_by_role("heading", level=1)).to_have_text("Cart received")
    cart = buyer_site.wait_for_cart()
    assert cart.sec_fetch_dest == "document"
    assert_cart_received(cart, expected_lines(shop_server, (PAPER, 5), (NOTEBOOK, 12)))


def test_oci_in_a_cross_site_iframe_returns_the_cart_to_saps_window(
        journey: Journey, shop_server: ShopServer, buyer_site: BuyerSite) -> None:
    connection, username, password = connect(shop_server, buyer_site)
    journey.passes_through(r"/punchout/transfer$")
    page = journey.page
    # SAP's page posts the entry into the iframe beside its button.
    journey.goto(oci_launch_url(shop_server, buyer_site, username, password,
                                target="punchout", OCI_VERSION="5.0"))
    page.get_by_role("button", name="Punch out").click()
    frame = page.frame(name="punchout")
    assert frame is not None
    frame.wait_for_url(f"{shop_server.url}/**")
    journey.check(frame)
    expect(frame.get_by_role("region", name="Procurement system")).to_contain_text(
        f"Shopping for {connection}")
    assert_no_password(frame, password)

    # Partitioned cookies keep the session across the frame's navigations.
    fill_cart_and_transfer(journey, frame, connection)
    # ~TARGET=_top: SAP's window, not the frame, receives the cart.
    page.wait_for_url(buyer_site.return_url)
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cart received")
    cart = buyer_site.wait_for_cart()
    assert_cart_received(cart, expected_lines(shop_server, (PAPER, 5), (NOTEBOOK, 12)))


def test_a_locked_oci_login_shows_its_page_with_retry_after_in_the_browser(
        journey: Journey, shop_server: ShopServer, buyer_site: BuyerSite) -> None:
    """After ten wrong passwords even the right one is refused: 429, and a page that says so
    (without the password SAP put into the URL)."""
    _, username, password = connect(shop_server, buyer_site)
    for _ in range(10):
        status, _ = shop_server.post(
            "/punchout/oci", f"USERNAME={username}&PASSWORD=guess&HOOK_URL={buyer_site.return_url}"
            .encode(), "application/x-www-form-urlencoded")
        assert status == 401
    journey.watcher.allow(r"status of 429")  # the answer asserted below
    launch = oci_launch_url(shop_server, buyer_site, username, password, target="_self",
                            method="get")
    journey.goto(launch)
    with journey.page.expect_navigation() as navigation:
        journey.page.get_by_role("button", name="Punch out").click()
    response = navigation.value
    assert response is not None and response.status == 429
    assert 0 < int(response.headers["retry-after"]) <= 600
    journey.check()
    expect(journey.page.get_by_role("heading", level=1)).to_have_text(
        "Catalog login locked for a while")
    assert_no_password(journey.page, password)
    assert buyer_site.received == []
