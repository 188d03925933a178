"""Pure PunchOut rules: return-URL prefixes and frame origins (no app).

Secret redaction of PunchOut documents is tested with the shop's one redaction module, in
``test_redaction.py``.
"""

from __future__ import annotations

import pytest

from shop.punchout.urls import normalise_origin, normalise_prefix, url_allowed

PREFIXES = ["https://buyer.example/punchout/", "http://127.0.0.1:8001/return"]


@pytest.mark.parametrize("url", [
    "https://buyer.example/punchout/return",
    "https://BUYER.example/punchout/return?cart=1#x",
    "https://buyer.example:443/punchout/a/b",
    "http://127.0.0.1:8001/return",
    "http://127.0.0.1:8001/return/more?x=1",
])
def test_urls_under_an_allowed_prefix_pass(url):
    assert url_allowed(url, PREFIXES)


@pytest.mark.parametrize("url, why", [
    ("http://buyer.example/punchout/return", "https is required when the prefix says https"),
    ("https://evil.example/punchout/return", "another host"),
    ("https://buyer.example.evil.example/punchout/", "a host that only starts the same"),
    ("https://buyer.example@evil.example/punchout/", "user info pointing elsewhere"),
    ("https://buyer.example:8443/punchout/return", "another port"),
    ("https://buyer.example/punchoutx", "a path that only starts the same"),
    ("https://buyer.example/punchout/../admin", "dot segments"),
    ("https://buyer.example/punchout/%2e%2e/admin", "encoded dot segments"),
    ("http://127.0.0.1:8001/returnx", "a sibling path of an http prefix"),
    ("https://127.0.0.1:8001/return", "the scheme of an http prefix must match exactly"),
    ("javascript:alert(1)//buyer.example/punchout/", "not http"),
    ("//buyer.example/punchout/", "not absolute"),
    ("https://buyer.example/punchout/\nx", "control characters"),
    ("https://buyer.example\\@evil.example/punchout/", "backslashes"),
    ("", "empty"),
])
def test_urls_outside_the_prefixes_are_refused(url, why):
    assert not url_allowed(url, PREFIXES), why


def test_prefix_without_path_allows_the_whole_host():
    assert url_allowed("https://buyer.example/any/where", ["https://buyer.example"])


def test_prefixes_are_normalised_and_checked():
    assert normalise_prefix("HTTPS://Buyer.Example:443/PunchOut/") == "https://buyer.example/PunchOut/"
    assert normalise_prefix("http://127.0.0.1:8001") == "http://127.0.0.1:8001/"
    for bad in ("ftp://buyer.example/", "https://u:p@buyer.example/", "https://buyer.example/?x=1",
                "buyer.example/punchout", "https://bad_host!/x", "https://buyer.example:99999/"):
        with pytest.raises(ValueError):
            normalise_prefix(bad)


def test_frame_origins_are_normalised():
    assert normalise_origin("https://Buyer.Example") == "https://buyer.example"
    assert normalise_origin("https://*.ariba.com") == "https://*.ariba.com"
    assert normalise_origin("http://localhost:8001/") == "http://localhost:8001"
    for bad in ("https://buyer.example/path", "buyer.example",
                "https://buyer.example; script-src *", "'unsafe-inline'", "*"):
        with pytest.raises(ValueError):
            normalise_origin(bad)
