"""The shop inside the buyer's page: only PunchOut pages may be framed by another site.

The buyer's site (https://buyer.test) and the shop (https://shop.test) are different sites to
the browser. Ordinary shop pages answer with ``frame-ancestors 'self'``, so a foreign page
cannot frame them (clickjacking); PunchOut pages name the buyer's origins instead.
"""

from __future__ import annotations

REFUSED = r"Framing '.*' violates .*\"frame-ancestors 'self'\""


def test_an_ordinary_shop_page_is_refused_in_a_cross_site_frame(journey, buyer_site,
                                                                 shop_server):
    page = journey.page
    journey.watcher.allow(REFUSED)  # the refusal is the expected outcome, checked below
    shop_home = f"{shop_server.url}/"
    with page.expect_response(shop_home) as shop_response:
        journey.goto(buyer_site.url("/frame", src=shop_home))
    assert "frame-ancestors 'self'" in shop_response.value.header_value(
        "content-security-policy")
    assert any("frame-ancestors 'self'" in line and "blocked" in line
               for line in journey.watcher.messages), journey.watcher.messages
    # The frame holds Chromium's error page, not the shop: nothing of the shop rendered.
    frame = page.frame(name="punchout")
    assert frame is not None
    assert not frame.url.startswith(shop_server.url)
    assert "Northwind Supply" not in frame.content()
