"""The shop as a visitor first meets it: over https, through gunicorn, in a real browser."""

from __future__ import annotations


def test_home_page_loads_over_https_from_gunicorn_clean_and_accessible(journey, shop_server):
    response = journey.goto("/")  # checks the console, CSP and the accessibility basics
    assert response.url == f"{shop_server.url}/"
    assert response.header_value("server").startswith("gunicorn")
    assert response.security_details()["protocol"].startswith("TLS")
    assert response.header_value("strict-transport-security").startswith("max-age=")
    page = journey.page
    assert page.title().endswith("Northwind Supply")
    assert page.get_by_role("heading", level=1).count() == 1
    # The stylesheet and script came from the shop itself and were allowed by its CSP.
    assert page.evaluate("getComputedStyle(document.body).margin") is not None
    assert page.get_by_role("search").is_visible()


def test_the_footer_sits_at_the_bottom_of_a_short_page(journey):
    journey.goto("/login")  # a short page: far less than a window of content
    page = journey.page
    bottom = page.evaluate("document.querySelector('.site-footer').getBoundingClientRect().bottom")
    assert abs(bottom - page.evaluate("window.innerHeight")) < 1  # no band of background below
