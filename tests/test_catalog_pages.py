"""Home, category and product pages: what buyers see, at which price, in which order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import html as lxml_html

from shop.catalog.models import Product
from shop.extensions import db
from tests.catalog_support import add_contract_price, add_products, login_as, select_all


def names_on(page_html: str) -> list[str]:
    """Product names in the order the cards show them."""
    tree = lxml_html.fromstring(page_html)
    return [link.text_content().strip() for link in select_all(tree, ".product-card h3 a")]


@pytest.fixture
def office(make_category):
    parent = make_category("office", "Office Supplies", description="Pens, paper and more.")
    pens = make_category("pens", "Writing instruments", parent_id=parent.id, position=0)
    paper = make_category("paper", "Paper", parent_id=parent.id, position=1)
    return parent, pens, paper


# ---------- home ----------


def test_home_shows_top_level_categories_with_counts_of_their_subtrees(client, office):
    parent, pens, paper = office
    add_products(pens, 3, prefix="PEN")
    add_products(paper, 2, prefix="PAP")
    add_products(paper, 1, prefix="OLD", active=False)

    response = client.get("/")
    assert response.status_code == 200
    cards = select_all(lxml_html.fromstring(response.text), ".category-card")
    assert [select_all(card, "h3")[0].text for card in cards] == ["Office Supplies"]
    assert "5 products" in cards[0].text_content()  # children's products, inactive left out
    assert cards[0].get("href") == "/categories/office"


def test_home_shows_featured_products_at_list_price_to_visitors(client, office, make_product):
    make_product("FEAT-1", "Featured stapler", "9.80", featured=True, category=office[1])
    make_product("PLAIN-1", "Ordinary stapler", "7.00", category=office[1])
    make_product("GONE-1", "Withdrawn stapler", "5.00", featured=True, active=False)

    page = client.get("/").text
    assert names_on(page) == ["Featured stapler"]
    assert "€9.80" in page and "Your contract price" not in page


def test_home_shows_featured_products_at_the_buyers_contract_price(client, office, make_product,
                                                                   make_user, make_company):
    stapler = make_product("FEAT-1", "Featured stapler", "9.80", featured=True,
                           category=office[1])
    acme = make_company("Acme Industries")
    add_contract_price(acme, stapler, "8.10")
    login_as(client, make_user(company=acme))
    card = select_all(lxml_html.fromstring(client.get("/").text), ".product-card")[0]
    assert "€8.10" in card.text_content() and "Your contract price" in card.text_content()
    assert select_all(card, "s.price-list")[0].text_content() == "List price €9.80"


def test_home_counts_follow_catalog_changes(client, office, make_product):
    make_product("A-1", "First", category=office[1])
    assert "1 product<" in client.get("/").text
    make_product("A-2", "Second", category=office[1])  # clears this worker's cached counts
    assert "2 products" in client.get("/").text


def test_empty_catalog_home_says_how_to_seed(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "seed_catalog.py" in response.text


# ---------- navigation ----------


def test_category_bar_lists_top_level_and_marks_the_current_one(client, office, make_category):
    make_category("lab", "Laboratory", position=1)
    page = client.get("/categories/pens").text
    bar = select_all(lxml_html.fromstring(page), ".category-nav a")
    assert [link.text for link in bar] == ["Office Supplies", "Laboratory"]
    assert bar[0].get("aria-current") == "true" and bar[1].get("aria-current") is None


def test_category_bar_shows_renamed_categories_at_once(client, office):
    assert "Office Supplies" in client.get("/").text
    office[0].name = "Office & Stationery"
    db.session.commit()
    assert "Office &amp; Stationery" in client.get("/").text


def test_sidebar_shows_the_department_and_marks_the_page(client, office):
    page = lxml_html.fromstring(client.get("/categories/paper").text)
    sidebar = select_all(page, ".sidebar")[0]
    current = select_all(sidebar, "[aria-current=page]")
    assert [link.text for link in current] == ["Paper"]
    assert "Writing instruments" in sidebar.text_content()
    crumbs = [item.text_content().strip() for item in select_all(page, ".breadcrumbs li")]
    assert crumbs == ["Home", "Office Supplies", "Paper"]


# ---------- category pages ----------


def test_parent_category_lists_its_children_products(client, office):
    parent, pens, paper = office
    add_products(pens, 2, prefix="PEN")
    add_products(paper, 2, prefix="PAP")
    response = client.get("/categories/office")
    assert response.status_code == 200
    assert sorted(names_on(response.text)) == [
        "PAP product 001", "PAP product 002", "PEN product 001", "PEN product 002"]
    assert client.get("/categories/pens").text.count("product-card") == 2


def test_product_cards_show_image_sku_unit_price_and_stock(client, office, make_product):
    make_product("PEN-9", "Gel pen <b>bold</b>", "2.40", unit="BX", stock_quantity=3,
                 manufacturer="Penwright", category=office[1])
    page = client.get("/categories/pens").text
    card = select_all(lxml_html.fromstring(page), ".product-card")[0]
    text = card.text_content()
    assert "PEN-9" in text and "Penwright" in text and "€2.40" in text and "/ BX" in text
    assert "Only 3 left" in text
    assert select_all(card, "img")[0].get("src").startswith("/products/PEN-9/image.svg?v=")
    assert "<b>bold</b>" not in page and "Gel pen &lt;b&gt;bold&lt;/b&gt;" in page


def test_stock_hint_for_items_out_of_stock(client, office, make_product):
    make_product("LATE-1", "Backordered pen", stock_quantity=0, lead_time_days=10,
                 category=office[1])
    assert "Not in stock – ships in 10 working days" in client.get("/categories/pens").text


@pytest.mark.parametrize(("stock", "lead", "hint", "availability"), [
    (0, 2, "Not in stock – ships in 2 working days", "Not in stock – ships in 2 working days"),
    (0, 1, "Not in stock – ships in 1 working day", "Not in stock – ships in 1 working day"),
    (0, 0, "Not in stock – ships the same working day", "Not in stock – ships the same"),
    (4, 7, "Only 4 left · more ships in 7 working days", "4 in stock; more ships in 7 working"),
    (120, 3, "In stock · 120 available; more ships in 3 working days",
     "120 in stock; more ships in 3 working days"),
])
def test_product_page_words_stock_and_lead_time(client, make_product, stock, lead, hint,
                                                availability):
    make_product("PEN-7", stock_quantity=stock, lead_time_days=lead)
    page = lxml_html.fromstring(client.get("/products/PEN-7").text)
    buy_box = " ".join(select_all(page, ".buy-box")[0].text_content().split())
    assert hint in buy_box
    details = select_all(page, "dl.details")[0]
    terms = [" ".join(node.text_content().split()) for node in details]
    assert "Stock" not in terms  # no bare number: "Stock 0" read as "sold out"
    assert availability in terms[terms.index("Availability") + 1]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Apple", "Banana", "Cherry"]),
        ("price", ["Cherry", "Apple", "Banana"]),
        ("-price", ["Banana", "Apple", "Cherry"]),
        ("newest", ["Cherry", "Banana", "Apple"]),
        ("bogus", ["Apple", "Banana", "Cherry"]),  # an unknown sort falls back to the default
    ],
)
def test_sorting(client, office, make_product, sort, expected):
    make_product("S-1", "Apple", "5.00", category=office[1])
    make_product("S-2", "Banana", "9.00", category=office[1])
    make_product("S-3", "Cherry", "1.00", category=office[1])
    response = client.get(f"/categories/pens?sort={sort}")
    assert response.status_code == 200
    assert names_on(response.text) == expected


def test_pagination_walks_every_product_once(client, app, office):
    add_products(office[1], 50, prefix="PEN")
    per_page = app.config["PRODUCTS_PER_PAGE"]
    seen = []
    for page in (1, 2, 3):
        response = client.get(f"/categories/pens?page={page}&sort=price")
        assert response.status_code == 200
        seen += names_on(response.text)
    assert seen == [f"PEN product {n:03d}" for n in range(1, 51)]
    assert len(names_on(client.get("/categories/pens?page=3").text)) == 50 - 2 * per_page


def test_pagination_links_keep_the_sort_order(client, office):
    add_products(office[1], 30, prefix="PEN")
    page = lxml_html.fromstring(client.get("/categories/pens?sort=-price").text)
    links = [link.get("href") for link in select_all(page, ".pagination a")]
    assert "/categories/pens?page=2&sort=-price" in links
    assert select_all(page, ".pagination [aria-current=page]")[0].text == "1"
    assert "1–24 of 30 products" in page.text_content()


@pytest.mark.parametrize("page", ["0", "-1", "abc", "3", "1.5", "²", "99999999999999999999"])
def test_page_out_of_range_or_malformed_is_404(client, office, page):
    add_products(office[1], 30, prefix="PEN")
    assert client.get("/categories/pens", query_string={"page": page}).status_code == 404


def test_empty_category_has_a_first_page(client, office):
    response = client.get("/categories/paper")
    assert response.status_code == 200
    assert "No products in this category yet" in response.text
    assert client.get("/categories/paper?page=2").status_code == 404


@pytest.mark.parametrize("slug", ["nope", "office%00", "x" * 300])
def test_unknown_category_is_404(client, office, slug):
    response = client.get(f"/categories/{slug}")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_inactive_products_are_not_listed(client, office):
    add_products(office[1], 2, prefix="ON")
    add_products(office[1], 2, prefix="OFF", active=False)
    assert names_on(client.get("/categories/pens").text) == ["ON product 001", "ON product 002"]


# ---------- prices ----------


def test_logged_in_buyer_sees_contract_prices_marked(client, office, make_user, make_company):
    pens = add_products(office[1], 2, prefix="PEN")  # list prices 1.50 and 2.50
    acme = make_company("Acme Industries")
    add_contract_price(acme, pens[0], "1.05")
    login_as(client, make_user(company=acme))

    card = lxml_html.fromstring(client.get("/categories/pens?sort=price").text)
    first, second = select_all(card, ".product-card")
    assert "€1.05" in first.text_content()
    assert select_all(first, "s.price-list")[0].text_content() == "List price €1.50"
    assert "contract price" in first.text_content()
    assert "€2.50" in second.text_content() and not select_all(second, "s.price-list")


def test_other_companies_and_visitors_see_list_prices(client, office, make_user, make_company):
    pen = add_products(office[1], 1, prefix="PEN")[0]
    add_contract_price(make_company("Acme Industries"), pen, "1.05")
    assert "€1.05" not in client.get("/categories/pens").text
    login_as(client, make_user("buyer@globex.test", company=make_company("Globex")))
    page = client.get("/categories/pens").text
    assert "€1.50" in page and "€1.05" not in page


# ---------- product page ----------


@pytest.fixture
def stapler(office, make_product):
    return make_product(
        "STA-30", "Stapler, 30 sheets", "9.80", unit="EA", unspsc="44121615",
        manufacturer="Deskcraft", manufacturer_part_number="DC-3001", lead_time_days=4,
        stock_quantity=120, category=office[1], short_description="An all-metal stapler.",
        description="Staples 30 sheets.\nFront loading.\n\n<script>alert(1)</script> & more",
    )


def test_product_page_shows_everything_a_buyer_checks(client, stapler):
    response = client.get("/products/STA-30")
    assert response.status_code == 200
    page = lxml_html.fromstring(response.text)
    text = page.text_content()
    for expected in ("Stapler, 30 sheets", "STA-30", "Deskcraft", "DC-3001", "44121615",
                     "120 in stock; more ships in 4 working days", "€9.80", "each (EA)",
                     "In stock"):
        assert expected in text
    assert select_all(page, ".product-page img")[0].get("src").startswith("/products/STA-30/image")
    crumbs = [item.text_content().strip() for item in select_all(page, ".breadcrumbs li")]
    assert crumbs == ["Home", "Office Supplies", "Writing instruments", "Stapler, 30 sheets"]


def test_description_is_escaped_plain_text_in_paragraphs(client, stapler):
    response = client.get("/products/STA-30")
    assert "<script>alert(1)</script>" not in response.text
    paragraphs = select_all(lxml_html.fromstring(response.text), "p.prose")
    assert [p.text_content() for p in paragraphs] == [
        "Staples 30 sheets.\nFront loading.", "<script>alert(1)</script> & more"]


def test_a_visitor_is_asked_to_log_in_and_comes_back_to_the_product(client, stapler,
                                                                    make_user):
    response = client.get("/products/STA-30")
    page = lxml_html.fromstring(response.text)
    # The same quantity field as a buyer's, in a form that asks to log in first; no token,
    # so the page holds nothing personal.
    [form] = select_all(page, "form.add-to-cart")
    assert (form.get("method"), form.get("action")) == ("get", "/products/STA-30")
    assert select_all(form, "input[name=quantity]")[0].get("value") == "1"
    assert select_all(form, "button")[0].text == "Log in to order"
    assert "csrf_token" not in response.text and "Set-Cookie" not in response.headers

    asked = client.get("/products/STA-30?quantity=3")
    assert asked.status_code == 302
    assert asked.headers["Location"] == "/login?next=/products/STA-30?quantity%3D3"
    login_as(client, make_user())
    back = lxml_html.fromstring(client.get("/products/STA-30?quantity=3").text)
    [form] = select_all(back, "form.add-to-cart")
    assert form.get("method") == "post" and form.get("action") == "/cart/add"
    assert select_all(form, "input[name=quantity]")[0].get("value") == "3"


@pytest.mark.parametrize("quantity", ["abc", "-1", "0", "1e9", "NaN", "Infinity", "9" * 30])
def test_a_product_page_ignores_a_quantity_nobody_can_order(client, stapler, quantity):
    response = client.get("/products/STA-30", query_string={"quantity": quantity})
    assert response.status_code == 200  # no detour to the login page
    assert 'value="1"' in response.text


def test_add_to_cart_form(client, stapler, make_user):
    login_as(client, make_user())
    page = lxml_html.fromstring(client.get("/products/STA-30").text)
    form = select_all(page, "form.add-to-cart")[0]
    assert form.get("method") == "post" and form.get("action") == "/cart/add"
    assert select_all(form, "input[name=sku]")[0].get("type") == "hidden"
    assert select_all(form, "input[name=sku]")[0].get("value") == "STA-30"
    assert select_all(form, "input[name=csrf_token]")[0].get("value")
    quantity = select_all(form, "input[name=quantity]")[0]
    attributes = (quantity.get("type"), quantity.get("min"), quantity.get("value"))
    assert attributes == ("number", "1", "1")
    label = select_all(form, f"label[for={quantity.get('id')}]")[0]
    assert label.text.strip() == "Quantity"
    assert select_all(label, ".required-mark")[0].text == "(required)"


def test_contract_price_on_product_page_strikes_the_list_price(client, stapler, make_user,
                                                               make_company):
    acme = make_company("Acme Industries")
    add_contract_price(acme, stapler, "8.25")
    login_as(client, make_user(company=acme))
    page = lxml_html.fromstring(client.get("/products/STA-30").text)
    box = select_all(page, ".buy-box")[0]
    assert select_all(box, ".price")[0].text == "€8.25"
    assert select_all(box, "s.price-list")[0].text_content() == "List price €9.80"
    assert "Your contract price" in box.text_content()


@pytest.mark.parametrize("sku", ["NOPE-1", "STA-30%00", "sta-30", "x" * 500])
def test_unknown_product_is_404(client, stapler, sku):
    assert client.get(f"/products/{sku}").status_code == 404


def test_inactive_product_is_404(client, stapler):
    stapler.active = False
    db.session.commit()
    assert client.get("/products/STA-30").status_code == 404


def test_product_without_category_or_description(client, make_product):
    make_product("LONE-1", "Lonely product", description="")
    response = client.get("/products/LONE-1")
    assert response.status_code == 200
    assert "No description yet" in response.text


# ---------- the add-to-cart form's own validation ----------


@pytest.mark.parametrize(
    ("quantity", "valid"),
    [("1", True), ("2.5", True), ("0", False), ("-3", False), ("abc", False), ("", False),
     ("1e9", False), ("NaN", False), ("Infinity", False)],
)
def test_add_to_cart_form_validates_quantity(app, quantity, valid):
    from shop.catalog.forms import AddToCartForm

    with app.test_request_context(method="POST", data={"sku": "PEN-1", "quantity": quantity}):
        form = AddToCartForm(meta={"csrf": False})
        assert form.validate() is valid
        if valid:
            assert form.quantity.data == Decimal(quantity)


def test_page_shows_no_raw_markup_from_names(client, office, make_product):
    make_product("XSS-1", '"><img src=x onerror=alert(1)>', category=office[1], featured=True)
    for url in ("/", "/categories/pens", "/products/XSS-1"):
        text = client.get(url).text
        assert "<img src=x" not in text
        assert lxml_html.fromstring(text).xpath("//*[@onerror]") == []


def test_product_model_defaults_fit_the_card(client, office):
    db.session.add(Product(sku="MIN-1", name="Minimal", list_price=Decimal("1"),
                           category=office[1]))
    db.session.commit()
    assert client.get("/categories/pens").status_code == 200


def test_links_work_for_skus_and_slugs_with_odd_characters(client, make_category, make_product):
    category = make_category("odd slug+ü", "Odd")
    make_product("A B&C+ü?#%", "Odd product", category=category, featured=True)
    home = lxml_html.fromstring(client.get("/").text)
    category_link = select_all(home, ".category-card")[0].get("href")
    listing = client.get(category_link)
    assert listing.status_code == 200
    product_link = select_all(lxml_html.fromstring(listing.text), ".product-card h3 a")[0]
    page = client.get(product_link.get("href"))
    assert page.status_code == 200 and "Odd product" in page.text
    image = select_all(lxml_html.fromstring(page.text), ".product-page img")[0].get("src")
    assert client.get(image).mimetype == "image/svg+xml"


def test_error_pages_render_without_the_category_bar_when_the_database_is_down(make_app,
                                                                               tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "shop.db"
    app = make_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    client = app.test_client()
    not_found = client.get("/no-such-page")
    assert not_found.status_code == 404 and "category-nav" not in not_found.text
    broken = client.get("/")
    # A database error is a passing state: 503 with Retry-After (shop/errors.py).
    assert broken.status_code == 503 and "shop.css" in broken.text
    assert broken.headers["Retry-After"] == "30"
