"""The three sites of the browser journeys, all served from 127.0.0.1 with one certificate.

Chromium maps each name to 127.0.0.1 (``--host-resolver-rules``). They are different
registrable domains, so the browser treats them as different sites: cookies, frames and
form posts between them are cross-site, as between a procurement system and a supplier.
"""

SHOP_HOST = "shop.test"
BUYER_HOST = "buyer.test"
# A third site, for probing the browser's own cookie rules (see test_browser_cookies.py).
PROBE_HOST = "probe.test"
HOSTS = (SHOP_HOST, BUYER_HOST, PROBE_HOST, "127.0.0.1")
