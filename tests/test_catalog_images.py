"""Generated product pictures: valid, escaped, deterministic SVG with HTTP caching."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from shop.catalog.images import THEMES, Drawing, image_etag, product_svg
from shop.extensions import db

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode(), etree.XMLParser(resolve_entities=False, no_network=True))


def texts(root: etree._Element) -> str:
    return " ".join(root.itertext())


def test_drawing_is_valid_svg_with_the_product_data():
    root = parse(product_svg(Drawing("OFF-10001", "Ballpoint pen, blue", "Penwright", "BX",
                                     "office")))
    assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 480 360"
    assert root.get("aria-label") == "Ballpoint pen, blue"
    words = texts(root)
    assert "OFF-10001" in words and "PENWRIGHT" in words and "Ballpoint pen, blue" in words
    assert THEMES["office"][0] in product_svg(Drawing("OFF-10001", "Pen", theme="office"))


def test_hostile_text_stays_text():
    name = '</text><script>alert(1)</script><text x="1">" & \x00\x07\ud800\ufffe'
    svg = product_svg(Drawing("X&<1>", name, 'Evil "Corp" <b>', "EA", "<theme>"))
    root = parse(svg)  # well-formed XML despite control characters and markup in the data
    assert root.findall(f".//{SVG}script") == [] and "<script>" not in svg
    assert "</text><script>" in texts(root)  # shown, not executed
    assert "X&<1>" in texts(root)


def test_same_product_same_bytes_and_different_products_differ():
    first = product_svg(Drawing("LAB-1", "Beaker", "Kestrel", "PK", "lab"))
    assert first == product_svg(Drawing("LAB-1", "Beaker", "Kestrel", "PK", "lab"))
    assert first != product_svg(Drawing("LAB-2", "Beaker", "Kestrel", "PK", "lab"))


def test_long_names_are_wrapped_and_shortened():
    root = parse(product_svg(Drawing("P-1", "Very long product name " * 10, theme="it")))
    lines = [span.text for span in root.iter(f"{SVG}tspan")]
    assert len(lines) == 2 and lines[-1].endswith("…")


def test_unknown_departments_still_get_a_colour_and_pictogram():
    root = parse(product_svg(Drawing("P-1", "Thing", theme="new-department")))
    assert root.find(f".//{SVG}circle") is not None


@pytest.fixture
def pen(make_category, make_product):
    office = make_category("office", "Office Supplies")
    pens = make_category("pens", "Pens", parent_id=office.id)
    return make_product("PEN-1", "Gel pen <fine>", manufacturer="Penwright", category=pens)


def test_image_endpoint_serves_cacheable_svg(client, pen):
    response = client.get("/products/PEN-1/image.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["ETag"].strip('"') == image_etag("PEN-1", pen.updated_at.isoformat())
    assert response.cache_control.public and response.cache_control.max_age > 0
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    root = parse(response.text)
    assert THEMES["office"][0] in response.text  # the department's colour, from the tree
    assert "Gel pen <fine>" in texts(root)


def test_matching_etag_gets_304_without_a_body(client, pen):
    etag = client.get("/products/PEN-1/image.svg").headers["ETag"]
    again = client.get("/products/PEN-1/image.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag


def test_editing_the_product_changes_its_picture_and_url(client, pen):
    before = client.get("/products/PEN-1/image.svg").headers["ETag"]
    card_before = client.get("/categories/pens").text
    pen.name = "Gel pen, red"
    pen.updated_at = pen.updated_at + dt.timedelta(seconds=5)
    db.session.commit()
    after = client.get("/products/PEN-1/image.svg", headers={"If-None-Match": before})
    assert after.status_code == 200 and "Gel pen, red" in after.text
    assert after.headers["ETag"] != before
    assert client.get("/categories/pens").text != card_before  # the ?v= token moved too


def test_inactive_products_keep_their_picture(client, pen):
    pen.active = False
    db.session.commit()
    assert client.get("/products/PEN-1/image.svg").status_code == 200


@pytest.mark.parametrize("sku", ["NOPE", "PEN-1%00", "x" * 400])
def test_unknown_product_picture_is_404(client, pen, sku):
    assert client.get(f"/products/{sku}/image.svg").status_code == 404


def test_uploaded_image_url_wins(client, make_product):
    make_product("PIC-1", "Pictured", image_url="/static/img/logo.svg")
    assert 'src="/static/img/logo.svg"' in client.get("/products/PIC-1").text
