"""The storefront journey of issue 2, in a real browser over https.

A new visitor browses a department, searches, is asked to log in to order and comes back to the
product as the Acme buyer (demo login), sees the contract price, fills the cart, checks out
with a PO number and finds the order in the order history. Every page is checked: console,
Content-Security-Policy and the accessibility basics.
"""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import Page, expect

from tests.browser.journey import Journey

BUYER_EMAIL = "buyer@acme.test"
BUYER_PASSWORD = "buyer-demo-1"  # the demo login the README lists


def search(journey: Journey, words: str) -> None:
    page = journey.page
    page.get_by_role("searchbox", name="Search products").fill(words)
    journey.click(page.get_by_role("button", name="Search", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Results for “{words}”")


def open_product(journey: Journey, name: str) -> None:
    journey.click(journey.page.get_by_role("link", name=name, exact=True).first)
    expect(journey.page.get_by_role("heading", level=1)).to_have_text(name)


def add_to_cart(journey: Journey, quantity: str) -> None:
    page = journey.page
    page.get_by_label("Quantity").fill(quantity)
    journey.click(page.get_by_role("button", name="Add to cart"))


def price_on_product_page(page: Page) -> str:
    return page.locator(".buy-box .price").first.inner_text()


def test_visitor_browses_searches_logs_in_orders_with_a_po_number_and_sees_the_order(
        journey: Journey) -> None:
    page = journey.page
    paper = "Copy paper A4, 80 g/m², ream of 500 sheets, white"
    pens = "Ballpoint pen, retractable, medium tip, box of 50, blue"

    # Browse: from the home page into a department.
    journey.goto("/")
    journey.click(page.get_by_role("link", name=re.compile(r"^Office Supplies")).first)
    expect(page.get_by_role("heading", level=1)).to_have_text("Office Supplies")
    open_product(journey, pens)

    # Search, open the product: a visitor sees the list price.
    search(journey, "copy paper")
    open_product(journey, paper)
    list_price = price_on_product_page(page)

    # A visitor chooses a quantity, is asked to log in, and comes back to the same product
    # with that quantity filled in.
    page.get_by_label("Quantity").fill("3")
    journey.click(page.get_by_role("button", name="Log in to order"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_label("Email").fill(BUYER_EMAIL)
    page.get_by_label("Password").fill(BUYER_PASSWORD)
    journey.click(page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("heading", level=1)).to_have_text(paper)
    expect(page.get_by_label("Quantity")).to_have_value("3")

    # Logged in as Acme: the contract price replaces the list price.
    expect(page.get_by_text("Your contract price").first).to_be_visible()
    assert price_on_product_page(page) != list_price

    # Fill the cart: the paper, then pens found by search.
    add_to_cart(journey, "3")
    expect(page.get_by_text(f"Added 3 × {paper} to your cart.")).to_be_visible()
    search(journey, "ballpoint pen")
    open_product(journey, pens)
    add_to_cart(journey, "2")

    journey.click(page.get_by_role("navigation", name="Account").get_by_role(

        "link", name=re.compile(r"^Cart")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    lines = page.locator(".cart-table tbody tr")
    expect(lines).to_have_count(2)

    # Change a quantity in the cart.
    page.get_by_label(f"Quantity of {pens}").fill("4")
    journey.click(page.get_by_role("button", name=f"Update {pens}"))
    expect(page.get_by_label(f"Quantity of {pens}")).to_have_value("4")

    # Check out with a PO number: "pay on invoice", no card.
    journey.click(page.get_by_role("link", name="Proceed to checkout"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    po_number = f"PO-BROWSER-{secrets.token_hex(3).upper()}"
    page.get_by_label("Purchase-order number").fill(po_number)
    page.get_by_label("Comments for us").fill("Deliver to goods-in, gate 2.")
    journey.click(page.get_by_role("button", name="Place order"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("is placed")
    number = re.search(r"order (\S+) is placed", heading.inner_text()).group(1)
    expect(page.get_by_text(po_number)).to_be_visible()

    # The order: its detail page, then the order history.
    journey.click(page.get_by_role("link", name="View the order"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    expect(page.get_by_text(po_number).first).to_be_visible()
    expect(page.get_by_text(paper).first).to_be_visible()
    expect(page.get_by_text(pens).first).to_be_visible()

    journey.click(page.get_by_role("navigation", name="Account").get_by_role("link", name="Orders"))
    row = page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text(po_number)

    # The cart is empty after the order.
    journey.click(page.get_by_role("navigation", name="Account").get_by_role(
        "link", name=re.compile(r"^Cart")))
    expect(page.get_by_role("heading", name="Your cart is empty")).to_be_visible()
