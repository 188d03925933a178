"""Back office for PunchOut: connections, secrets shown once, the message log."""

from __future__ import annotations

import re

import pytest
from conftest import csrf_token, session_identifier
from flask import g
from punchout_support import BUYER, SECRET, make_connection_fixture  # noqa: F401
from sqlalchemy import select, text

from shop.accounts.models import Role
from shop.extensions import db
from shop.punchout import credentials, services
from shop.punchout.models import BuyerConnection, Direction

SETUP_BODY = (b"<cXML payloadID='p1@buyer'><Header><Sender><Credential domain='d'>"
              b"<Identity>i</Identity><SharedSecret>leaky-secret</SharedSecret></Credential>"
              b"</Sender></Header></cXML>")


@pytest.fixture
def staff(client, make_user):
    user = make_user("staff@northwind.test", role=Role.STAFF)
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(user.id)
        cookie["_id"] = session_identifier(client)
    return user


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Globex Coupa", "company": "Globex Laboratories", "create_company": "y",
        "protocol": "cxml", "active": "y", "mode": "production",
        "identities": "DUNS:COUPA1\r\nNetworkId:AN02", "shop_identities": "",
        "shared_secret": "", "return_url_prefixes": "https://globex.example/po/",
        "frame_ancestors": "https://globex.example", "user_mapping": "per-user",
        "return_field": "cxml-base64", "form_target": "_top", "cxml_version": "",
        "accepted_units": "EA, BX", "default_unspsc": "44120000", "document_url": "",
        "outbound_identity": "", "outbound_secret": "",
    }
    data.update(overrides)
    return data


def test_only_staff_may_open_the_back_office(client, make_user):
    assert client.get("/admin/punchout/connections").status_code in (302, 401)
    buyer = make_user()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(buyer.id)
        cookie["_id"] = session_identifier(client)
    g.pop("_login_user", None)  # the fixture's app context outlives requests
    assert client.get("/admin/punchout/connections").status_code == 403
    assert client.get("/admin/punchout/messages").status_code == 403


def test_create_a_connection_with_a_generated_secret_shown_once(client, staff):
    page = client.get("/admin/punchout/connections/new")
    data = _form(generate_secret="y", csrf_token=csrf_token(page.text))
    response = client.post("/admin/punchout/connections/new", data=data)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="shared-secret">([^<]+)<', response.text).group(1)
    connection = db.session.scalar(select(BuyerConnection))
    assert connection.user_mapping == "per-user" and connection.accepted_units == ["EA", "BX"]
    assert services.authenticate([("duns", "COUPA1")], [("NetworkId", "AN02")], secret)
    # Never again in full: not on the connection page, not in the list, not in the edit form.
    for path in ("/admin/punchout/connections", f"/admin/punchout/connections/{connection.id}",
                 f"/admin/punchout/connections/{connection.id}/edit"):
        page = client.get(path)
        assert page.status_code == 200 and secret not in page.text
        assert connection.secret_hint in client.get(path).text or "edit" in path


def test_form_errors_are_shown_next_to_the_form(client, staff):
    page = client.get("/admin/punchout/connections/new")
    data = _form(shared_secret="typed-secret", return_url_prefixes="ftp://nope/",
                 csrf_token=csrf_token(page.text))
    response = client.post("/admin/punchout/connections/new", data=data)
    assert response.status_code == 200 and "Return-URL prefix" in response.text
    data = _form(shared_secret="typed-secret", identities="no colon here",
                 csrf_token=csrf_token(page.text))
    assert "DOMAIN:IDENTITY" in client.post("/admin/punchout/connections/new", data=data).text
    assert db.session.scalar(select(BuyerConnection)) is None


def test_edit_keeps_secrets_and_stores_outbound_secret_encrypted(client, staff, make_connection):
    connection = make_connection()
    page = client.get(f"/admin/punchout/connections/{connection.id}/edit")
    assert "AN01000000001" in page.text
    data = _form(name="Acme Ariba", company="Acme Industries", identities="NetworkID:AN01000000001",
                 outbound_identity="DUNS:SHOP-1", outbound_secret="our-outbound-pw",
                 document_url="https://acme.example/cxml", csrf_token=csrf_token(page.text))
    response = client.post(f"/admin/punchout/connections/{connection.id}/edit", data=data)
    assert response.status_code == 303
    db.session.refresh(connection)
    assert services.authenticate([BUYER], [BUYER], SECRET) == connection
    dump = repr(db.session.execute(text("SELECT * FROM buyer_connections")).all())
    assert "our-outbound-pw" not in dump
    assert credentials.decrypt_outbound_secret(connection.outbound_secret_encrypted) == (
        "our-outbound-pw")


def test_deactivate_activate_and_rotate(client, staff, make_connection):
    connection = make_connection()
    page = client.get(f"/admin/punchout/connections/{connection.id}")
    token = csrf_token(page.text)
    base = f"/admin/punchout/connections/{connection.id}"
    assert client.post(f"{base}/deactivate", data={"csrf_token": token}).status_code == 303
    db.session.refresh(connection)
    assert connection.active is False
    assert client.post(f"{base}/activate", data={"csrf_token": token}).status_code == 303
    assert client.post(f"{base}/deactivate").status_code == 400  # no CSRF token
    rotated = client.post(f"{base}/rotate-secret", data={"csrf_token": token})
    new_secret = re.search(r'id="shared-secret">([^<]+)<', rotated.text).group(1)
    assert services.authenticate([BUYER], [BUYER], new_secret) == connection
    assert services.authenticate([BUYER], [BUYER], SECRET) is None


def test_message_log_lists_filters_and_shows_redacted_bodies(client, staff, make_connection):
    connection = make_connection()
    started = services.open_session(connection, services.SetupData(
        return_url="https://buyer.example/punchout/x"))
    incoming = services.record_message(
        Direction.IN, SETUP_BODY, document_type="PunchOutSetupRequest", payload_id="p1@buyer",
        status_code=200, connection_id=connection.id, session_id=started.session_id)
    services.record_message(Direction.IN, b"not xml", status_code=400, status_text="Bad Request")
    listing = client.get("/admin/punchout/messages")
    assert listing.status_code == 200 and "2 documents" in listing.text
    failed = client.get("/admin/punchout/messages?failed=y")
    assert "1 document;" in failed.text
    by_connection = client.get(f"/admin/punchout/messages?connection={connection.id}")
    assert "1 document;" in by_connection.text and "p1@buyer" in by_connection.text
    detail = client.get(f"/admin/punchout/messages/{incoming.id}")
    assert "leaky-secret" not in detail.text and "&lt;SharedSecret&gt;***" in detail.text
    session_page = client.get(f"/admin/punchout/sessions/{started.session_id}")
    assert session_page.status_code == 200 and "PunchOutSetupRequest" in session_page.text
    assert client.get("/admin/punchout/messages/999999").status_code == 404
    assert client.get("/admin/punchout/sessions/999999").status_code == 404
    assert client.get("/admin/punchout/connections/999999").status_code == 404


def test_message_log_never_stores_the_secret(app, make_connection):
    services.record_message(Direction.IN, SETUP_BODY)
    stored = db.session.execute(text("SELECT body FROM punchout_messages")).scalar_one()
    assert "leaky-secret" not in stored


def test_message_log_bounds_hostile_bodies(app):
    app.config["PUNCHOUT_LOG_MAX_CHARS"] = 1000
    entry = services.record_message(Direction.IN, b"<x>" + b"A" * 5000)
    assert len(entry.body) < 1200 and entry.body.endswith("message log keeps]")
