"""The browser under test blocks cookies the way the iframe journeys assume.

The PunchOut iframe journeys prove that partitioned cookies keep the session alive, and that
the shop falls back to a new window when even those are refused. Both claims hold only if the
browser really blocks ordinary third-party cookies (default) and also partitioned ones
(``strict_journey``): these probes fail first if a Chromium update changes that.
"""

from __future__ import annotations

from tests.browser.sites import PROBE_HOST


def _probe_in_frame(journey, buyer_site) -> tuple[str, str]:
    """Embed the probe site in the buyer's page: set its cookies, then read what comes back."""
    page = journey.page
    journey.goto(buyer_site.url("/frame", src=buyer_site.url_as(PROBE_HOST, "/cookies/set")))
    frame = page.frame(name="punchout")
    frame.wait_for_selector("#cookies")
    frame.goto(buyer_site.url_as(PROBE_HOST, "/cookies/show"))
    in_frame = frame.inner_text("#cookies")
    journey.check(frame)
    journey.goto(buyer_site.url_as(PROBE_HOST, "/cookies/set"))
    journey.goto(buyer_site.url_as(PROBE_HOST, "/cookies/show"))
    top_level = page.inner_text("#cookies")
    return in_frame, top_level


def test_default_browser_keeps_only_partitioned_cookies_in_a_cross_site_frame(journey,
                                                                               buyer_site):
    in_frame, top_level = _probe_in_frame(journey, buyer_site)
    assert in_frame == "partitioned"
    assert top_level == "partitioned plain"


def test_strict_browser_refuses_even_partitioned_cookies_in_a_cross_site_frame(
        strict_journey, buyer_site):
    in_frame, top_level = _probe_in_frame(strict_journey, buyer_site)
    assert in_frame == "none"
    # In a window of its own the site is first-party: the new-window fallback works.
    assert top_level == "partitioned plain"
