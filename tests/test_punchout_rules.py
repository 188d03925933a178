"""Pure PunchOut rules: return-URL prefixes, frame origins and secret redaction (no app)."""

from __future__ import annotations

import pytest

from shop.punchout.redaction import MASK, decode_document, redact_document, redact_fields
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


SETUP = b"""<?xml version="1.0" encoding="UTF-8"?>
<cXML payloadID="1@b" timestamp="2025-01-01T00:00:00+00:00"><Header>
<Sender><Credential domain="NetworkID"><Identity>AN1</Identity>
<SharedSecret>top-secret</SharedSecret></Credential>
<Credential domain="x"><Identity>y</Identity><CredentialMac type="FromSenderCredentials"
 algorithm="HMAC-SHA1-96" creationDate="2025" expirationDate="2026">bWFjLXZhbHVl</CredentialMac>
</Credential><UserAgent>t</UserAgent></Sender></Header></cXML>"""


def test_redaction_masks_shared_secrets_and_macs():
    text = redact_document(SETUP)
    assert "top-secret" not in text and "bWFjLXZhbHVl" not in text
    assert f"<SharedSecret>{MASK}</SharedSecret>" in text
    assert 'algorithm="HMAC-SHA1-96"' in text  # the rest of the document is kept
    assert "<Identity>AN1</Identity>" in text


@pytest.mark.parametrize("body, secret", [
    (b"<sharedsecret>abc-secret</SHAREDSECRET>", "abc-secret"),
    (b"<cxml:SharedSecret >ns-secret</cxml:SharedSecret>", "ns-secret"),
    (b"<SharedSecret><![CDATA[cdata-secret]]></SharedSecret>", "cdata-secret"),
    (b"<SharedSecret>unclosed-secret <Identity>x</Identity>", "unclosed-secret"),
    (b"<SharedSecret>one</SharedSecret><SharedSecret>second-one</SharedSecret>", "second-one"),
    ("<?xml version='1.0' encoding='UTF-16'?><SharedSecret>utf16-secret</SharedSecret>"
     .encode("utf-16"), "utf16-secret"),
    ("<?xml version='1.0' encoding='ISO-8859-1'?><SharedSecret>lätin-secret</SharedSecret>"
     .encode("latin-1"), "lätin-secret"),
])
def test_redaction_survives_odd_and_broken_documents(body, secret):
    assert secret not in redact_document(body)


def test_redaction_keeps_empty_elements_and_other_text():
    body = b"<SharedSecret/><Comments>SharedSecret is a word</Comments>"
    assert redact_document(body) == body.decode()


def test_decoding_falls_back_to_utf8_for_unknown_encodings():
    assert decode_document(b"<?xml version='1.0' encoding='no-such'?><a>\xc3\xa9</a>").endswith(
        "<a>é</a>")


def test_form_fields_are_redacted_by_name_in_any_case():
    fields = {"USERNAME": "u", "password": "p", "HOOK_URL": "https://x"}
    assert redact_fields(fields, ["PASSWORD"]) == {
        "USERNAME": "u", "password": MASK, "HOOK_URL": "https://x"}
