"""``POST /punchout/setup``: every Status a buyer can get, the real samples, the message log."""

from __future__ import annotations

import pytest
from conftest import dtd_path, log_in_session, shared_path
from punchout_support import (  # noqa: F401
    BUYER,
    RETURN_URL,
    SECRET,
    make_connection_fixture,
    post_setup,
    proxied_app_fixture,
    setup_request,
    start_url_of,
    status_of,
)
from sqlalchemy import select, text

from shop import cxml
from shop.extensions import db
from shop.punchout import services
from shop.punchout.errors import UNAUTHORIZED_TEXT
from shop.punchout.models import ConnectionMode, MessageLog, PunchOutSession

# ---------- success ----------


def test_setup_answers_a_start_page_that_logs_the_buyer_in(client, make_connection):
    make_connection()
    response = post_setup(client, setup_request())
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert status_of(response) == (200, "OK")
    url = start_url_of(response)
    assert url.startswith("http://shop.test/punchout/start/")
    started = client.get(url.removeprefix("http://shop.test"))
    assert started.status_code == 303
    home = client.get(client.get(started.headers["Location"]).headers["Location"])
    assert "Shopping for <strong>Acme Ariba</strong>" in home.text


@pytest.mark.shared
def test_the_answer_is_valid_cxml(client, make_connection):
    make_connection()
    response = post_setup(client, setup_request())
    result = cxml.validate_cxml(response.data, dtd_path())
    assert result.valid, result.errors


def test_start_page_is_https_behind_the_proxy(proxied_app, make_connection):
    make_connection()
    response = post_setup(proxied_app.test_client(), setup_request(),
                          headers={"X-Forwarded-Proto": "https"})
    assert start_url_of(response).startswith("https://shop.test/punchout/start/")


def test_start_page_uses_the_configured_base_url(app, client, make_connection):
    make_connection()
    app.config["SHOP_BASE_URL"] = "https://shop.example.com"
    response = post_setup(client, setup_request())
    assert start_url_of(response).startswith("https://shop.example.com/punchout/start/")
    assert "@shop.example.com" in cxml.read_cxml(response.data).payload_id


def test_the_setup_endpoint_needs_no_csrf_token_and_ignores_cookies(client, make_connection):
    make_connection()
    log_in_session(client, 1)
    assert status_of(post_setup(client, setup_request()))[0] == 200


@pytest.mark.shared
def test_profile_request_lists_this_url_and_the_order_url(client, make_connection):
    make_connection()
    header = cxml.Header(
        from_=cxml.Party((cxml.Credential(*BUYER),)), to=cxml.Party((cxml.Credential("D", "1"),)),
        sender=cxml.Party((cxml.Credential(*BUYER, shared_secret=SECRET),)))
    body = cxml.build_profile_request(header=header, host="buyer.example")
    response = post_setup(client, body)
    document = cxml.read_cxml(response.data)
    profile = document.payload.body
    assert isinstance(profile, cxml.ProfileResponse)
    assert profile.transactions["PunchOutSetupRequest"] == "http://shop.test/punchout/setup"
    assert profile.transactions["OrderRequest"] == "http://shop.test/orders/cxml"
    assert cxml.validate_cxml(response.data, dtd_path()).valid


def test_a_profile_request_with_a_wrong_secret_is_401(client, make_connection):
    make_connection()
    header = cxml.Header(
        from_=cxml.Party((cxml.Credential(*BUYER),)), to=cxml.Party((cxml.Credential("D", "1"),)),
        sender=cxml.Party((cxml.Credential(*BUYER, shared_secret="nope"),)))
    response = post_setup(client, cxml.build_profile_request(header=header, host="b.example"))
    assert status_of(response) == (401, UNAUTHORIZED_TEXT)


# ---------- every error Status ----------


def _refused(client, body: bytes) -> tuple[int, str]:
    response = post_setup(client, body)
    assert response.status_code == 200, "a readable body is always answered with HTTP 200"
    return status_of(response)


@pytest.mark.parametrize("body, words", [
    (b"<cXML><Header>", "Bad Request"),
    (b"", "Bad Request"),
    (b"not xml at all", "Bad Request"),
    (b"<?xml version='1.0'?><!DOCTYPE cXML [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
     b"<cXML payloadID='1' timestamp='2025-01-01T00:00:00Z'><Header/></cXML>", "Bad Request"),
])
def test_unreadable_bodies_are_400(client, make_connection, body, words):
    make_connection()
    code, status_text = _refused(client, body)
    assert code in (400, 406) and words in status_text
    assert "root:" not in status_text and "/etc/passwd" not in status_text
    assert db.session.scalar(select(PunchOutSession)) is None


@pytest.mark.parametrize("body, content_type", [
    (b"not xml", "text/xml"),
    (b"hello <x/>", "text/xml"),
    (b"cxml-urlencoded=%3CcXML%2F%3E", "application/x-www-form-urlencoded"),
])
def test_a_body_that_is_not_xml_is_not_called_empty(client, make_connection, body,
                                                     content_type):
    make_connection()
    response = client.post("/punchout/setup", data=body, content_type=content_type)
    assert status_of(response) == (400, "Bad Request: the document is not well-formed XML: "
                                         "it does not start with an XML element ('<' expected)")


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_opening_the_setup_url_in_a_browser_explains_it(client, method):
    response = client.open("/punchout/setup", method=method)
    assert response.status_code == 405 and response.headers["Allow"] == "POST"
    if method != "HEAD":
        assert "This is the cXML PunchOut setup endpoint" in response.text


def test_a_missing_browser_form_post_url_is_400(client, make_connection):
    make_connection()
    assert _refused(client, setup_request(return_url=None)) == (
        400, "Bad Request: BrowserFormPost URL is missing")


def test_unknown_identity_and_wrong_secret_get_the_same_401(client, make_connection):
    make_connection()
    unknown = _refused(client, setup_request(from_=("NetworkID", "AN-NOBODY"),
                                             sender=("NetworkID", "AN-NOBODY")))
    wrong = _refused(client, setup_request(secret="wrong-secret"))
    non_ascii = _refused(client, setup_request(secret="wrönğ-sécret-😀"))
    assert unknown == wrong == non_ascii == (401, UNAUTHORIZED_TEXT)
    assert db.session.scalar(select(PunchOutSession)) is None


def test_shop_identities_are_checked_when_listed(client, make_connection):
    make_connection(shop_identities=(("DUNS", "SHOP-1"),))
    assert _refused(client, setup_request(to=("DUNS", "OTHER")))[0] == 401
    assert status_of(post_setup(client, setup_request(to=("duns", "SHOP-1"))))[0] == 200


def test_inactive_connection_is_403(client, make_connection):
    services.set_active(make_connection().id, False)
    assert _refused(client, setup_request()) == (
        403, "Forbidden: this buyer connection is not active")


def test_return_url_outside_the_prefixes_is_403(client, make_connection):
    make_connection()
    code, status_text = _refused(client, setup_request(return_url="https://evil.example/steal"))
    assert code == 403 and "BrowserFormPost" in status_text
    assert db.session.scalar(select(PunchOutSession)) is None


def test_test_document_on_a_production_connection_is_403(client, make_connection):
    make_connection()
    assert _refused(client, setup_request(deployment_mode="test")) == (
        403, "Forbidden: test document sent to a production connection")


def test_source_operation_is_450(client, make_connection):
    make_connection()
    code, status_text = _refused(client, setup_request(operation="source"))
    assert code == 450 and "source" in status_text


@pytest.mark.shared
def test_other_documents_are_450(client, make_connection):
    make_connection()
    body = shared_path("cxml", "samples", "order_request",
                       "FriendsOfCXML__cxml-php__OrderRequest.xml").read_bytes()
    code, status_text = _refused(client, body)
    assert code == 450 and "OrderRequest" in status_text


def test_a_replayed_payload_id_is_refused(client, make_connection):
    make_connection()
    body = setup_request(payload_id="once@buyer.example")
    assert status_of(post_setup(client, body))[0] == 200
    assert _refused(client, body) == (409, "Conflict: this payloadID was already used")
    assert db.session.scalar(select(db.func.count()).select_from(PunchOutSession)) == 1


def test_per_user_mapping_without_a_user_is_400(client, make_connection):
    make_connection(user_mapping="per-user")
    code, status_text = _refused(client, setup_request(extrinsics=()))
    assert code == 400 and "UserEmail" in status_text


def test_oversized_bodies_get_413_before_parsing(app, client, make_connection):
    make_connection()
    app.config["MAX_XML_BYTES"] = 1000
    response = post_setup(client, setup_request() + b" " * 2000)
    assert response.status_code == 413 and b'code="413"' in response.data
    assert db.session.scalar(select(MessageLog)) is None


# ---------- the message log ----------


def test_request_and_answer_are_logged_without_the_secret(client, make_connection):
    connection = make_connection()
    post_setup(client, setup_request(payload_id="logged@buyer.example"))
    post_setup(client, setup_request(secret="bad-guess-123", payload_id="bad@buyer.example"))
    rows = db.session.scalars(select(MessageLog).order_by(MessageLog.id)).all()
    assert [(r.direction, r.document_type, r.status_code) for r in rows] == [
        ("in", "PunchOutSetupRequest", 200), ("out", "Response", 200),
        ("in", "PunchOutSetupRequest", 401), ("out", "Response", 401)]
    assert rows[0].payload_id == "logged@buyer.example"
    assert rows[0].connection_id == connection.id and rows[0].session_id is not None
    assert rows[2].connection_id is None  # an unauthenticated sender is not attributed
    assert "<SharedSecret>***</SharedSecret>" in rows[0].body
    dump = repr(db.session.execute(text("SELECT * FROM punchout_messages")).all())
    assert SECRET not in dump and "bad-guess-123" not in dump
    assert services.session_messages(rows[0].session_id)[0].id == rows[0].id


def test_unreadable_bodies_are_logged_too(client):
    post_setup(client, b"<cXML><SharedSecret>half-a-secret")
    row = db.session.scalar(select(MessageLog).where(MessageLog.direction == "in"))
    assert row.status_code == 400 and "half-a-secret" not in row.body


# ---------- real setup requests from public projects ----------

SAMPLES = {
    "FriendsOfCXML__cxml-php__PunchOutSetupRequest.xml": dict(
        identities=(("NetworkId", "inbound@prominate-platform.com"),), secret="s3cr3t",
        prefixes=("https://prominate-platform.com/",), mode=ConnectionMode.TEST),
    "chefworks__cxml-tester__create.xml": dict(
        identities=(("NetworkID", "superman42"), ("birchstreet.com", "superman42")),
        secret="12345", prefixes=("https://example.com/",)),
    "hscheffknecht__cxml__sample-request.xml": dict(
        identities=(("NetworkId", "buyer"),), secret="jd8je3$ndP",
        prefixes=("https://example.com/cxml_cart",)),
    "officeluv__cxml__punch_out_setup_request_doc.xml": dict(
        identities=(("DUNS", "punchout@test.com"), ("IESAnetworkUserID", "88888888")),
        secret="{shared secret in here}", prefixes=("http://return_to_supplier_url.com",)),
    "officeluv__cxml__punch_out_setup_request_doc_with_ship_to.xml": dict(
        identities=(("DUNS", "punchout@test.com"), ("IESAnetworkUserID", "88888888")),
        secret="{shared secret in here}", prefixes=("http://return_to_supplier_url.com",)),
}


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_real_setup_request_starts_a_session(client, make_connection, name):
    body = shared_path("cxml", "samples", "setup_request", name).read_bytes()
    settings = SAMPLES[name]
    assert status_of(post_setup(client, body))[0] == 401  # no connection yet
    make_connection(**settings)
    response = post_setup(client, body)
    url = start_url_of(response)
    entered = client.get(url.removeprefix("http://shop.test"))
    assert entered.status_code == 303, entered.text
    landing = client.get(entered.headers["Location"])
    assert landing.status_code == 303
    with client.session_transaction() as cookie:
        assert cookie["punchout_session_id"]
    # A wrong secret for the same identities is refused.
    services.set_shared_secret(services.list_connections()[0].id, "another-secret")
    assert status_of(post_setup(client, body.replace(b"payloadID=\"", b"payloadID=\"x")))[0] == 401


def test_setup_request_records_the_visit(client, make_connection, make_product):
    make_product("PEN-001")
    make_connection()
    # The toolkit drops whitespace around the cookie; everything inside is kept as sent.
    body = setup_request(operation="edit", buyer_cookie="exact  <cookie> & 'x'",
                         extrinsics=(("UserEmail", "jane@buyer.example"), ("CostCenter", "4711")),
                         items=(("PEN-001", "S1-L1", "3"),))
    assert status_of(post_setup(client, body))[0] == 200
    po = db.session.scalar(select(PunchOutSession))
    assert po.buyer_cookie == "exact  <cookie> & 'x'" and po.operation == "edit"
    assert po.extrinsics["CostCenter"] == "4711" and po.browser_form_post_url == RETURN_URL
    assert po.from_credentials == [list(BUYER)] and po.to_credentials == [["DUNS", "SHOP-1"]]
    assert [(line.product.sku, line.quantity) for line in po.cart.lines] == [("PEN-001", 3)]
