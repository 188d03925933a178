"""Search: words, prefixes and exact SKUs, kept in sync with the catalog, safe with any input.

Runs on the database the suite runs on: FTS5 on SQLite, the GIN tsvector index on PostgreSQL.
"""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from shop.catalog.search import search_products, search_terms
from shop.catalog.search_index import create_search_index, include_object
from shop.errors import NotFound
from shop.extensions import db
from tests.catalog_support import add_contract_price, add_products, login_as, select_all


def skus(results) -> list[str]:
    return [product.sku for product in results.listing.products]


@pytest.fixture
def catalog(make_category, make_product):
    lab = make_category("lab", "Laboratory")
    make_product("SAF-10001", "Nitrile examination gloves, size M", "8.90", category=lab,
                 manufacturer="Armada Safety", manufacturer_part_number="ARM-4471-02",
                 short_description="Powder-free disposable gloves.",
                 description="Textured fingertips for a sure grip.")
    make_product("SAF-10005", "Cut-resistant work gloves, size 9", "6.40", category=lab,
                 manufacturer="Armada Safety", manufacturer_part_number="ARM-5120-01")
    make_product("MRO-10020", "Wood screws, countersunk, box of 200", "6.80", category=lab,
                 manufacturer="Fixmaster", manufacturer_part_number="FIX-2231-01",
                 description="Yellow zinc-plated with a cutting point.")
    make_product("MRO-10001", "Screwdriver set, VDE insulated", "29.90", category=lab,
                 manufacturer="Halden Tools", manufacturer_part_number="HAL-9001-01")
    make_product("LAB-10001", "Beaker, borosilicate glass, 250 ml", "18.40", category=lab,
                 manufacturer="Kestrel Labware", manufacturer_part_number="KES-1000-03",
                 description="Mentions SAF-10001 in passing, which must not outrank it.")
    return lab


def test_finds_words_in_names(catalog):
    assert sorted(skus(search_products("gloves"))) == ["SAF-10001", "SAF-10005"]


def test_all_words_must_match(catalog):
    assert skus(search_products("nitrile gloves")) == ["SAF-10001"]
    assert skus(search_products("nitrile screws")) == []


def test_stemming_finds_singular_and_plural(catalog):
    assert sorted(skus(search_products("glove"))) == ["SAF-10001", "SAF-10005"]


def test_last_word_matches_as_a_prefix(catalog):
    assert sorted(skus(search_products("scre"))) == ["MRO-10001", "MRO-10020"]
    assert skus(search_products("wood scre")) == ["MRO-10020"]


def test_searches_descriptions_brands_and_part_numbers(catalog):
    assert skus(search_products("fingertips")) == ["SAF-10001"]
    assert skus(search_products("powder-free")) == ["SAF-10001"]
    assert skus(search_products("kestrel")) == ["LAB-10001"]
    assert skus(search_products("HAL-9001-01")) == ["MRO-10001"]


def test_exact_sku_ranks_first(catalog):
    results = search_products("SAF-10001")
    assert skus(results)[0] == "SAF-10001"
    assert "LAB-10001" in skus(results)  # it mentions the SKU, but comes after it
    assert results.exact_ids and results.listing.total == len(set(skus(results)))


def test_exact_sku_is_found_in_any_case(catalog):
    assert skus(search_products("  saf-10005 "))[0] == "SAF-10005"


def test_exact_part_number_ranks_first(catalog):
    assert skus(search_products("KES-1000-03"))[0] == "LAB-10001"


def test_inactive_products_are_not_found(catalog, make_product):
    make_product("OLD-1", "Old gloves", active=False)
    assert "OLD-1" not in skus(search_products("gloves"))
    assert "OLD-1" not in skus(search_products("OLD-1"))


def test_deactivating_and_reactivating_follow_in_search(catalog):
    from shop.catalog.models import Product

    gloves = db.session.scalar(db.select(Product).filter_by(sku="SAF-10005"))
    gloves.active = False
    db.session.commit()
    assert skus(search_products("gloves")) == ["SAF-10001"]
    assert search_products("gloves").listing.total == 1
    gloves.active = True
    gloves.name = "Cut-resistant work mittens"
    db.session.commit()
    assert skus(search_products("mittens")) == ["SAF-10005"]


def test_broad_searches_put_name_matches_first(app, make_category, monkeypatch):
    from shop.catalog import search

    monkeypatch.setattr(search, "RANK_LIMIT", 2)  # take the path of very common words
    category = make_category("bulk")
    add_products(category, 4, prefix="DESC", description="Comes with a paper manual")
    add_products(category, 2, prefix="NAME", name="Paper tray")
    results = search_products("paper")
    assert results.listing.total == 6
    assert [p.name for p in results.listing.products][:2] == ["Paper tray", "Paper tray"]


def test_index_follows_inserts_updates_and_deletes(catalog, make_product):
    product = make_product("NEW-1", "Label printer, desktop")
    assert skus(search_products("label")) == ["NEW-1"]
    product.name = "Thermal printer, desktop"
    db.session.commit()
    assert skus(search_products("label")) == []
    assert skus(search_products("thermal")) == ["NEW-1"]
    db.session.delete(product)
    db.session.commit()
    assert skus(search_products("thermal")) == []


def test_results_are_paginated(app, make_category):
    add_products(make_category("bulk"), 30, prefix="BULK", description="Bulk item")
    first = search_products("bulk", page=1, per_page=24)
    second = search_products("bulk", page=2, per_page=24)
    assert first.listing.total == 30 and first.listing.pages == 2
    assert len(skus(first)) == 24 and len(skus(second)) == 6
    assert not set(skus(first)) & set(skus(second))
    with pytest.raises(NotFound):
        search_products("bulk", page=3, per_page=24)


def test_pagination_with_an_exact_match_shows_every_product_once(app, make_category):
    add_products(make_category("bulk"), 30, prefix="BULK", description="Mentions BULK-0007")
    pages = [skus(search_products("BULK-0007", page=page, per_page=24)) for page in (1, 2)]
    assert pages[0][0] == "BULK-0007"
    everything = pages[0] + pages[1]
    assert sorted(everything) == sorted(set(everything)) and len(everything) == 30


def test_words_are_cleaned_before_searching():
    assert search_terms('"Nitrile" NEAR(gloves) -size* OR x') == [
        "nitrile", "near", "gloves", "size", "or", "x"]
    assert search_terms("a_b²") == ["a", "b2"]
    assert len(search_terms(" ".join(f"w{n}" for n in range(50)))) == 8
    assert search_terms("\x00\x01'\";--") == []


HOSTILE = [
    '"', '""', "'", "*", "-", "-gloves", "gloves -", "NEAR", "NEAR(gloves size, 2)",
    "gloves OR screws", "AND", "NOT gloves", "(((", ")", "^gloves", "gloves:*", "title:gloves",
    "'; DROP TABLE products; --", "\\", "%", "_", "&|!", "<script>",
    "gloves" * 2000, "x " * 5000, "²³", "🔥 gloves", "שלום", "\u202egloves",
    "a" * 65, "\t\n", "\x01\x1f",
]


@pytest.mark.parametrize("query", ["\x00", "glo\x00ves", "SAF-10001\x00"])
def test_a_nul_character_in_the_query_gets_a_clear_400_on_every_database(client, catalog, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 400
    assert "NUL character" in response.text


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(client, catalog, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert "Results for" in response.text or "Search the catalog" in response.text


def test_invalid_utf8_in_the_query_never_fails(client, catalog):
    response = client.get("/search?q=%ED%A0%80%FF%FEgloves")
    assert response.status_code == 200


@pytest.mark.parametrize("page", ["0", "-1", "x", "2", "1e3", "99999999999999"])
def test_bad_result_pages_are_404(client, catalog, page):
    assert client.get("/search", query_string={"q": "gloves", "page": page}).status_code == 404


def test_empty_query_shows_help(client, catalog):
    for url in ("/search", "/search?q=", "/search?q=%20%20"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Search the catalog" in response.text and "Laboratory" in response.text


def test_no_results_page_is_helpful(client, catalog):
    response = client.get("/search?q=unobtainium")
    assert response.status_code == 200
    assert "No products match “unobtainium”" in response.text


def test_search_page_shows_cards_with_the_viewers_prices(client, catalog, make_user,
                                                        make_company):
    from shop.catalog.models import Product

    acme = make_company("Acme Industries")
    gloves = db.session.scalar(db.select(Product).filter_by(sku="SAF-10001"))
    add_contract_price(acme, gloves, "7.50")
    login_as(client, make_user(company=acme))
    page = lxml_html.fromstring(client.get("/search?q=SAF-10001").text)
    first = select_all(page, ".product-card")[0]
    assert "SAF-10001" in first.text_content() and "€7.50" in first.text_content()
    assert "Results for “SAF-10001”" in page.text_content()
    assert select_all(page, "input[name=q]")[0].get("value") == "SAF-10001"


def test_search_pagination_links_keep_the_query(client, make_category):
    add_products(make_category("bulk"), 30, prefix="BULK", description="Bulk item")
    page = lxml_html.fromstring(client.get("/search?q=bulk item").text)
    links = [link.get("href") for link in select_all(page, ".pagination a")]
    assert "/search?page=2&q=bulk+item" in links


def test_creating_the_index_again_changes_nothing(catalog):
    from shop.catalog.search_index import has_search_index

    with db.engine.begin() as connection:
        assert has_search_index(connection)
        create_search_index(connection)
        create_search_index(connection)
    assert sorted(skus(search_products("gloves"))) == ["SAF-10001", "SAF-10005"]


def test_alembic_autogenerate_ignores_the_search_index():
    assert not include_object(None, "products_fts", "table", True, None)
    assert not include_object(None, "products_fts_data", "table", True, None)
    assert not include_object(None, "ix_products_search", "index", True, None)
    assert include_object(None, "products", "table", True, None)
    assert include_object(None, "products_fts", "table", False, object())
