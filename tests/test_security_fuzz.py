"""Fuzzing the doors that read untrusted input: the cXML reader, the OCI readers, redaction.

What ``test_cxml_properties.py`` and ``test_oci_properties.py`` already do (random bytes,
damaged documents, odd values, random OCI pairs and HTML) is not repeated. Added here:

* hostile *structure* (DOCTYPEs, entities, CDATA, comments, processing instructions, deep
  nesting, foreign encodings) spliced into a real PunchOutSetupRequest;
* a stricter property: the reader refuses with its *own* error, not through the safety net
  that turns an unexpected exception into "the document could not be read";
* OCI hook URLs and frame names from any text;
* redaction: whatever the secret, it never survives in the stored document.

Every test has a deadline per example and a pytest timeout, so a hang fails instead of
stalling the suite. The deadlines are generous (slow shared machines): they catch
runaway behaviour, not speed.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from punchout_support import setup_request

from shop.cxml import CXMLError, read_cxml
from shop.oci import OCIError, check_hook_url, read_entry, return_target
from shop.oci.entry import check_target
from shop.oci.hook import split_hook_url
from shop.redaction import MASK, redact_document, redact_text, redact_xml_secrets

pytestmark = pytest.mark.timeout(600)

FUZZ = settings(max_examples=150, deadline=dt.timedelta(seconds=5),
                suppress_health_check=[HealthCheck.too_slow])
SAFETY_NET = "the document could not be read"

VALID = setup_request(payload_id="fuzz@buyer.example", secret="fuzz-secret")

HOSTILE_PIECES = st.sampled_from([
    b"<!DOCTYPE cXML [<!ENTITY x \"y\">]>", b"<!DOCTYPE cXML SYSTEM \"http://127.0.0.1:9/x\">",
    b"<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;", b"&x;", b"&#0;", b"&#x110000;", b"&lt;",
    b"<![CDATA[", b"]]>", b"<!--", b"-->", b"<?php ?>", b"<?xml version='1.0'?>",
    b"<a>" * 300, b"</a>", b"<Request>", b"</Request>", b"<Header/>", b"<cXML>", b"</cXML>",
    b"xmlns:x='urn:x'", b"x:y='1'", b"\xff\xfe", b"\xef\xbb\xbf", b"\x00", b"\r\n", b"\t",
    b"encoding='UTF-16'", b"encoding='no-such'", b"<xi:include href='file:///etc/passwd'/>",
    b"<SharedSecret>", b"</SharedSecret>", b"operation=\"edit\"", b"<ItemOut quantity='1e999'>",
    b"<URL>javascript:alert(1)</URL>", b"deploymentMode=\"test\"", b"'", b'"', b"<", b">", b"&",
])


def read_with_own_error(body: bytes) -> None:
    """Reading works, or fails with CXMLError raised by the reader itself."""
    try:
        read_cxml(body)
    except CXMLError as error:
        assert error.message != SAFETY_NET, error.internal


@pytest.mark.timeout(600)
@FUZZ
@given(st.integers(0, len(VALID)), st.integers(0, 60), st.lists(HOSTILE_PIECES, max_size=6))
def test_hostile_structure_in_a_setup_request_is_refused_by_the_reader(start, length, pieces):
    read_with_own_error(VALID[:start] + b"".join(pieces) + VALID[start + length:])


@FUZZ
@given(st.text(max_size=80))
def test_any_text_in_any_field_of_a_setup_request_is_read_or_refused(value):
    encoded = value.encode("utf-8", "surrogatepass")
    for target in (b"cookie-1234", b"AN01000000001", b"jane@buyer.example", b"create",
                   b"https://buyer.example/punchout/return?req=42", b"production"):
        read_with_own_error(VALID.replace(target, encoded, 1))


@FUZZ
@given(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "utf-8-sig"]),
       st.integers(0, 400))
def test_reencoded_and_cut_documents_are_read_or_refused(codec, cut):
    text = VALID.decode("utf-8")
    try:
        body = text.encode(codec)
    except UnicodeEncodeError:
        return
    read_with_own_error(body[: len(body) - cut])


# ---------- OCI ----------


URLISH = st.one_of(
    st.text(max_size=120),
    st.builds(lambda scheme, host, rest: f"{scheme}{host}{rest}",
              st.sampled_from(["https://", "http://", "HTTPS://", "javascript:", "sapevent:",
                               "//", "https:/", "file://", " https://", "data:"]),
              st.sampled_from(["srm.buyer.example", "srm.buyer.example.evil", "127.0.0.1",
                               "user@srm.buyer.example", "[::1]", "srm.buyer.example:99999",
                               "xn--", "", "srm.buyer.example%2f"]),
              st.text(max_size=40)),
)


@FUZZ
@given(URLISH)
def test_any_hook_url_is_allowed_only_under_the_prefix_or_refused(url):
    prefix = "https://srm.buyer.example/sap/bc/"
    try:
        check_hook_url(url, [prefix])
    except OCIError:
        return
    assert url.lower().startswith("https://srm.buyer.example")
    action, pairs = split_hook_url(url)
    assert action and isinstance(pairs, list)


@FUZZ
@given(st.text(max_size=70))
def test_any_target_is_a_frame_name_or_refused(value):
    try:
        checked = check_target(value)
    except OCIError:
        return
    assert ":" not in checked and "/" not in checked and checked.strip() == checked


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["~TARGET", "returntarget", "HOOK_URL", "~caller",
                                           "OkCode", "PASSWORD"]),
                          st.text(max_size=40) | URLISH), max_size=8))
def test_an_entry_never_gives_a_script_target(pairs):
    try:
        entry = read_entry([("HOOK_URL", "https://srm.buyer.example/sap/bc/x"), *pairs])
    except OCIError:
        return
    target = return_target(entry)
    assume(target)
    assert "javascript" not in target.lower() and ":" not in target


# ---------- redaction ----------


@FUZZ
@given(st.text(max_size=60), st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_whatever_the_secret_it_never_survives_in_a_stored_document(text, codec):
    # A marker makes the secret unique in the document; the rest is anything at all.
    secret = "QZX" + text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    body = VALID.decode().replace("fuzz-secret", secret)
    try:
        raw = body.replace('encoding="UTF-8"', f'encoding="{codec}"').encode(codec)
    except UnicodeEncodeError:
        return
    for stored in (redact_document(raw), redact_xml_secrets(raw).decode(codec)):
        assert f"<SharedSecret>{MASK}</SharedSecret>" in stored
        assert "QZX" not in stored


@FUZZ
@given(st.binary(max_size=3000))
def test_redaction_never_raises_and_masking_twice_changes_nothing(body):
    once = redact_xml_secrets(body)
    assert redact_xml_secrets(once) == once
    assert isinstance(redact_document(body), str)
    assert isinstance(redact_text(body.decode("latin-1")), str)
