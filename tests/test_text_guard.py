"""A NUL character in a form field or query string gets a clear 400 on every database.

PostgreSQL cannot store or compare text holding U+0000; these requests used to be server
errors there. The CI runs this file on SQLite and again on PostgreSQL.
"""

from __future__ import annotations

from oci_support import (  # noqa: F401
    entry_params,
    get_entry,
    make_oci_connection_fixture,
    oci_catalog_fixture,
    post_entry,
)
from punchout_support import (  # noqa: F401
    make_connection_fixture,
    post_setup,
    setup_request,
    status_of,
)
from sqlalchemy import func, select

from shop.extensions import db
from shop.punchout.models import Direction, MessageLog, PunchOutSession


def test_a_nul_in_the_login_form_is_refused_and_nobody_logs_in(client, auth, make_user):
    make_user("buyer@acme.test")
    response = auth.login("buyer@acme.test\x00", "correct horse")
    assert response.status_code == 400
    assert "NUL character" in response.text
    assert client.get("/account").status_code == 302  # still anonymous: back to the login


def test_a_nul_in_an_oci_login_is_refused_by_post_and_by_get(client, make_oci_connection,
                                                             oci_catalog):
    make_oci_connection()
    for send in (post_entry, get_entry):
        response = send(client, entry_params(USERNAME="catalog\x00user"))
        assert response.status_code == 400, send.__name__
        assert "NUL character" in response.text
    assert db.session.scalar(select(func.count(PunchOutSession.id))) == 0


def test_a_cxml_endpoint_posted_as_a_form_still_reads_its_own_body(client, make_connection):
    # Some buyers send cXML with a form content type. The guard must not parse (and so
    # consume) that body: the setup view reads it and answers the document itself.
    make_connection()
    body = setup_request()
    response = client.post("/punchout/setup", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert status_of(response)[0] == 200


def test_a_nul_in_a_cxml_body_is_answered_in_cxml_and_logged_without_it(client,
                                                                        make_connection):
    make_connection()
    response = post_setup(client, b"<?xml version='1.0'?>\x00<cXML/>")
    assert status_of(response)[0] == 400
    (entry,) = db.session.scalars(
        select(MessageLog).where(MessageLog.direction == Direction.IN)).all()
    assert "\x00" not in entry.body and "\ufffd" in entry.body
