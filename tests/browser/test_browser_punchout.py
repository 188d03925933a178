"""cXML PunchOut in a real browser: the buyer's page on another site, the shop in its iframe.

The procurement system (the buyer's site, https://buyer.test) sends a PunchOutSetupRequest
server to server, shows the StartPage in an iframe or a window, and receives the cart as a
form post from the shop (https://shop.test). The browser keeps its default third-party-cookie
blocking, so the iframe journey works only thanks to partitioned cookies; the strict browser
refuses those too, and the shop must offer to continue in a new window.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

import pytest
from playwright.sync_api import Frame, Page, expect

from shop.cxml.validate import validate_cxml
from tests.browser.buyer_site import BuyerSite, ReceivedCart
from tests.browser.journey import Journey
from tests.browser.punchout import (
    Connection,
    add_cxml_connection,
    order_message,
    punchout_setup,
    requisition_lines,
)
from tests.browser.shop_server import ShopServer
from tests.conftest import dtd_path

# The order messages are validated against the official DTDs (tests/conftest.py).
pytestmark = pytest.mark.shared

PAPER = "Copy paper A4, 80 g/m², ream of 500 sheets, white"
PAPER_SKU = "OFF-10015"


def shop_for_paper(journey: Journey, where: Page | Frame, quantity: str) -> None:
    """Search, open the product and add it to the cart, checking each page."""
    where.get_by_role("searchbox", name="Search products").fill("copy paper")
    journey.click(where.get_by_role("button", name="Search", exact=True), where)
    journey.click(where.get_by_role("link", name=PAPER, exact=True).first, where)
    where.get_by_label("Quantity").fill(quantity)
    journey.click(where.get_by_role("button", name="Add to cart"), where)


def open_cart(journey: Journey, where: Page | Frame) -> None:
    journey.click(where.get_by_role("navigation", name="Account").get_by_role("link", name="Cart"),
                  where)
    expect(where.get_by_role("heading", level=1)).to_have_text("Your cart")


def assert_order_message(cart: ReceivedCart, buyer_cookie: str, quantity: int) -> None:
    """The buyer received a valid PunchOutOrderMessage for its session with the line."""
    dtds = dtd_path()  # skips the test without them
    assert cart.cxml is not None, f"no cXML field in {list(cart.form)}"
    validation = validate_cxml(cart.cxml.encode("utf-8"), dtds)
    assert validation.valid, validation.errors
    message = order_message(cart)
    assert message.buyer_cookie == buyer_cookie
    [line] = message.items
    assert line.item_id.supplier_part_id == PAPER_SKU
    assert line.quantity == quantity


def start(journey: Journey, shop_server: ShopServer, buyer_site: BuyerSite
          ) -> tuple[Connection, str, str]:
    """A buyer connection and a PunchOut session for it; returns the StartPage URL."""
    # The transfer and cancel pages submit their form to the buyer as soon as they load.
    journey.passes_through(r"/punchout/(transfer|cancel)$")
    connection = add_cxml_connection(shop_server, buyer_site)
    cookie = f"requisition-{secrets.token_hex(4)}"
    start_url = punchout_setup(shop_server, connection, buyer_site.return_url,
                               buyer_cookie=cookie)
    return connection, cookie, start_url


def shop_in_window_and_transfer(journey: Journey, window: Page, shop_server: ShopServer,
                                buyer_site: BuyerSite, connection: Connection,
                                quantity: str) -> ReceivedCart:
    """In the window the shop opened in: procurement mode, paper in the cart, the transfer."""
    window.wait_for_url(f"{shop_server.url}/**")
    journey.check(window)
    expect(window.get_by_role("region", name="Procurement system")).to_contain_text(
        connection.name)
    shop_for_paper(journey, window, quantity)
    open_cart(journey, window)
    window.get_by_role("button", name=f"Transfer cart to {connection.name}").click()
    window.wait_for_url(buyer_site.return_url)
    journey.check(window)
    return buyer_site.wait_for_cart()


def test_punchout_in_a_cross_site_iframe_sends_the_cart_to_the_buyers_top_window(
        journey: Journey, shop_server: ShopServer, buyer_site: BuyerSite) -> None:
    connection, cookie, start_url = start(journey, shop_server, buyer_site)
    page = journey.page
    journey.goto(buyer_site.url("/frame", src=start_url))
    frame = page.frame(name="punchout")
    assert frame is not None
    frame.wait_for_url(f"{shop_server.url}/**")
    journey.check(frame)
    banner = frame.get_by_role("region", name="Procurement system")
    expect(banner).to_contain_text(f"Shopping for {connection.name}")

    # Partitioned cookies keep the session across the frame's navigations.
    shop_for_paper(journey, frame, "5")
    open_cart(journey, frame)
    expect(frame.get_by_role("region", name="Procurement system")).to_be_visible()

    frame.get_by_role("button", name=f"Transfer cart to {connection.name}").click()
    # The transfer page posts with target _top: the buyer's window, not the frame, gets it.
    page.wait_for_url(buyer_site.return_url)
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cart received")
    cart = buyer_site.wait_for_cart()
    assert cart.sec_fetch_dest == "document"
    assert cart.origin == shop_server.url
    assert_order_message(cart, cookie, 5)


# What procurement systems put on their iframe: the shop keeps its scripts, forms and origin
# (its cookies); leaving the frame is allowed always, or only on a click of the person.
SANDBOX = "allow-forms allow-scripts allow-same-origin allow-popups"
TOP_NAVIGATION = "allow-top-navigation"
TOP_NAVIGATION_ON_CLICK = "allow-top-navigation-by-user-activation"


def shop_in_sandboxed_frame(journey: Journey, shop_server: ShopServer, buyer_site: BuyerSite,
                            top_navigation: str) -> tuple[str, Frame]:
    """Start a PunchOut in a sandboxed iframe, add paper, press Transfer; (cookie, frame)."""
    connection, cookie, start_url = start(journey, shop_server, buyer_site)
    journey.goto(buyer_site.url("/frame", src=start_url, sandbox=f"{SANDBOX} {top_navigation}"))
    frame = journey.page.frame(name="punchout")
    assert frame is not None
    frame.wait_for_url(f"{shop_server.url}/**")
    journey.check(frame)
    shop_for_paper(journey, frame, "4")
    open_cart(journey, frame)
    frame.get_by_role("button", name=f"Transfer cart to {connection.name}").click()
    return cookie, frame


def test_punchout_in_a_sandboxed_iframe_that_may_leave_sends_the_cart_to_the_top_window(
        journey: Journey, shop_server: ShopServer, buyer_site: BuyerSite) -> None:
    cookie, _ = shop_in_sandboxed_frame(journey, shop_server, buyer_site, TOP_NAVIGATION)
    journey.page.wait_for_url(buyer_site.return_url)
    journey.check()
    assert_order_message(buyer_site.wait_for_cart(), cookie, 4)


def test_when_the_sandbox_lets_only_a_click_leave_the_frame_the_transfer_button_sends_the_cart(
        journey: Journey, shop_server: ShopServer, buyer_site: BuyerSite) -> None:
    # The transfer page's automatic post to _top has no click behind it: Chromium refuses it
    # and says so in the console. The page stays, with its button.
    journey.watcher.allow(r"Unsafe attempt to initiate navigation .* no user activation")
    cookie, frame = shop_in_sandboxed_frame(journey, shop_server, buyer_site,
                                            TOP_NAVIGATION_ON_CLICK)
    frame.wait_for_url(f"{shop_server.url}/punchout/transfer")
    journey.check(frame)
    assert buyer_site.received == []
    frame.get_by_role("button", name=re.compile(r"^Send cart to ")).click()
    journey.page.wait_for_url(buyer_site.return_url)
    journey.check()
    assert_order_message(buyer_site.wait_for_cart(), cookie, 4)


def test_punchout_in_a_new_window_from_the_buyers_page_sends_the_cart_back(
        journey: Journey, shop_server: ShopServer, buyer_site: BuyerSite) -> None:
    connection, cookie, start_url = start(journey, shop_server, buyer_site)
    # The buyer's requisition page opens the StartPage in a new window: a navigation that
    # another site starts, unlike typing the URL.
    launch = buyer_site.url("/launch", action=start_url, target="_blank", method="get")
    journey.goto(launch)
    with journey.context.expect_page() as opened:
        journey.page.get_by_role("button", name="Punch out").click()
    cart = shop_in_window_and_transfer(journey, opened.value, shop_server, buyer_site,
                                       connection, "2")
    assert cart.sec_fetch_dest == "document"
    assert cart.origin == shop_server.url
    assert_order_message(cart, cookie, 2)
    assert journey.page.url == launch  # the requisition stays open behind the shop's window


def test_when_even_partitioned_cookies_are_refused_the_shop_continues_in_a_new_window(
        strict_journey: Journey, shop_server: ShopServer, buyer_site: BuyerSite) -> None:
    journey = strict_journey
    connection, cookie, start_url = start(journey, shop_server, buyer_site)
    journey.goto(buyer_site.url("/frame", src=start_url))
    frame = journey.page.frame(name="punchout")
    assert frame is not None
    frame.wait_for_url(f"{shop_server.url}/**")
    journey.check(frame)
    expect(frame.get_by_role("heading", level=1)).to_have_text("Continue in a new window")

    with journey.context.expect_page() as opened:
        frame.get_by_role("link", name="Open the shop in a new window").click()
    cart = shop_in_window_and_transfer(journey, opened.value, shop_server, buyer_site,
                                       connection, "3")
    assert_order_message(cart, cookie, 3)


def test_edit_rebuilds_the_requisition_cart_and_inspect_shows_it_read_only(
        journey: Journey, shop_server: ShopServer, buyer_site: BuyerSite) -> None:
    connection, cookie, start_url = start(journey, shop_server, buyer_site)
    page = journey.page
    journey.goto(start_url)
    shop_for_paper(journey, page, "2")
    open_cart(journey, page)
    page.get_by_role("button", name=f"Transfer cart to {connection.name}").click()
    page.wait_for_url(buyer_site.return_url)
    journey.check()
    first = buyer_site.wait_for_cart()

    # Edit: the buyer sends the lines back; the shop shows them as the cart to change.
    edit_url = punchout_setup(shop_server, connection, buyer_site.return_url,
                              operation="edit", buyer_cookie=cookie,
                              items=requisition_lines(first))
    journey.goto(edit_url)
    expect(page.get_by_role("region", name="Procurement system")).to_contain_text(
        "editing a requisition")
    open_cart(journey, page)
    quantity = page.get_by_label(f"Quantity of {PAPER}")
    expect(quantity).to_have_value("2")
    quantity.fill("6")
    journey.click(page.get_by_role("button", name=f"Update {PAPER}"))
    page.get_by_role("button", name=f"Transfer cart to {connection.name}").click()
    page.wait_for_url(buyer_site.return_url)
    journey.check()
    edited = buyer_site.wait_for_cart(count=2)
    assert_order_message(edited, cookie, 6)

    # Inspect: the same lines, read-only; the only way out is back to the buyer.
    inspect_url = punchout_setup(shop_server, connection, buyer_site.return_url,
                                 operation="inspect", buyer_cookie=cookie,
                                 items=requisition_lines(edited))
    journey.goto(inspect_url)
    open_cart(journey, page)
    expect(page.get_by_text("This cart is shown for reference and cannot be changed.")
           ).to_be_visible()
    expect(page.get_by_label(f"Quantity of {PAPER}")).to_have_count(0)
    expect(page.get_by_role("button", name=f"Transfer cart to {connection.name}")
           ).to_have_count(0)
    page.get_by_role("button", name=f"Return to {connection.name}").first.click()
    page.wait_for_url(buyer_site.return_url)
    journey.check()
    buyer_site.wait_for_cart(count=3)


def test_cancel_and_return_sends_an_empty_cart(journey: Journey, shop_server: ShopServer,
                                              buyer_site: BuyerSite) -> None:
    connection, cookie, start_url = start(journey, shop_server, buyer_site)
    page = journey.page
    journey.goto(buyer_site.url("/frame", src=start_url))
    frame = page.frame(name="punchout")
    assert frame is not None
    frame.wait_for_url(f"{shop_server.url}/**")
    journey.check(frame)
    shop_for_paper(journey, frame, "1")
    page.on("dialog", lambda dialog: dialog.accept())  # "Return ... without sending the cart?"
    frame.get_by_role("region", name="Procurement system").get_by_role(
        "button", name="Cancel and return").click()
    page.wait_for_url(buyer_site.return_url)
    journey.check()
    message = order_message(buyer_site.wait_for_cart())
    assert message.buyer_cookie == cookie
    assert message.items == ()


def test_an_idle_session_ends_with_a_clear_page_and_nothing_is_sent(
        journey: Journey, shop_server: ShopServer, buyer_site: BuyerSite) -> None:
    start_url = start(journey, shop_server, buyer_site)[2]
    page = journey.page
    journey.goto(start_url)
    shop_for_paper(journey, page, "1")

    # An afternoon passes without a click.
    with shop_server.database():
        from shop.database import utcnow
        from shop.extensions import db
        from shop.punchout.models import PunchOutSession

        session = db.session.scalars(db.select(PunchOutSession).order_by(
            PunchOutSession.id.desc())).first()
        session.last_seen_at = utcnow() - dt.timedelta(hours=5)
        db.session.commit()

    journey.watcher.allow(r"status of 410 \(GONE\)")  # the answer asserted just below
    with page.expect_response(f"{shop_server.url}/punchout/transfer") as answer:
        journey.click(page.get_by_role("button", name="Transfer cart").first)
    assert answer.value.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("Your PunchOut session has ended")
    expect(page.get_by_text("expired after a period of inactivity")).to_be_visible()
    assert buyer_site.received == []
