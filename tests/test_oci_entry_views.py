"""The OCI entry call through HTTP: login, parameters, the way back, and every FUNCTION.

SAP opens the catalog in the user's browser (GET or POST) with login fields and HOOK_URL;
these tests play that browser with the test client, against the real database.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

import pytest
from conftest import csrf_token
from oci_support import (  # noqa: F401
    HOOK_URL,
    OCI_PASSWORD,
    OCI_USER,
    SRM_ORIGIN,
    enter_shop,
    entry_params,
    get_entry,
    make_oci_connection_fixture,
    oci_catalog_fixture,
    post_entry,
)
from sqlalchemy import func, select

from shop import oci
from shop.accounts.models import User
from shop.extensions import db
from shop.punchout import credentials
from shop.punchout.models import (
    BuyerConnection,
    Direction,
    MessageLog,
    Operation,
    PunchOutSession,
    SessionStatus,
    UserMapping,
)
from shop.ratelimit import get_limiter


def messages() -> list[MessageLog]:
    return list(db.session.scalars(select(MessageLog).order_by(MessageLog.id)))


def session_count() -> int:
    return db.session.scalar(select(func.count(PunchOutSession.id))) or 0


# ---------- entering the shop ----------


def test_entry_by_get_opens_a_procurement_session_like_cxml(client, make_oci_connection,
                                                            oci_catalog):
    connection = make_oci_connection()
    params = entry_params(**{"sy-langu": "DE", "COST_CENTER": "4711"})
    first = get_entry(client, params)
    assert first.status_code == 303
    assert first.headers["Location"].startswith("/punchout/start/")
    assert first.headers["Referrer-Policy"] == "no-referrer"
    assert first.headers["Cache-Control"] == "no-store"
    po = enter_shop(client, params)
    assert po.connection_id == connection.id and po.status == SessionStatus.ACTIVE
    assert po.browser_form_post_url == HOOK_URL  # kept exactly, query string and all
    assert po.operation == Operation.CREATE and po.payload_id is None
    assert po.oci_parameters == {
        "ok_code": "ADDI", "target": "_top", "caller": "CTLG", "returntarget": "_parent",
        "charset": "utf-8", "oci_version": "5.0", "opi_version": "1.0"}
    # Buyer data is kept like cXML extrinsics; login fields are not.
    assert po.extrinsics == {"sy-langu": "DE", "COST_CENTER": "4711"}
    assert po.user.email == f"connection-{connection.id}@punchout.invalid"
    page = client.get("/")
    assert "Shopping for <strong>Acme SRM</strong>" in page.text
    assert SRM_ORIGIN in page.headers["Content-Security-Policy"]


def test_entry_by_post_with_mixed_case_and_encoded_tilde_names(client, make_oci_connection,
                                                               oci_catalog):
    make_oci_connection()
    params = {"username": OCI_USER, "PassWord": OCI_PASSWORD, "hook_url": HOOK_URL,
              "~okcode": "ADDI", "~Target": "_top", "~CALLER": "CTLG",
              "ReturnTarget": "_self", "HTTP_CONTENT_CHARSET": "ISO-8859-1"}
    body = "&".join(f"{name.replace('~', '%7E')}={quote(value, safe='')}"
                    for name, value in params.items())
    assert "%7Eokcode=ADDI" in body
    response = client.post("/punchout/oci", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 303, response.text
    po = db.session.scalars(select(PunchOutSession)).one()
    assert po.oci_parameters == {"ok_code": "ADDI", "target": "_top", "caller": "CTLG",
                                 "returntarget": "_self", "charset": "iso-8859-1",
                                 # echoed back as SAP spelled them (~CALLER is SAP's own)
                                 "ok_code_name": "~okcode", "target_name": "~Target"}


@pytest.mark.parametrize("tilde", ["%7E", "%7e", "~", "%257E"])  # %257E: SAP encoded twice
def test_entry_by_get_reads_encoded_tildes_and_names_in_any_case(client, make_oci_connection,
                                                                  oci_catalog, tilde):
    """SAP writes the URL itself: ``~`` as ``%7E`` (or not), names upper or lower case."""
    make_oci_connection()
    query = "&".join([
        f"username={quote(OCI_USER, safe='')}", f"Password={quote(OCI_PASSWORD, safe='')}",
        f"hook_url={quote(HOOK_URL, safe='')}", f"{tilde}okcode=ADDI", f"{tilde}TARGET=_top",
        f"{tilde}Caller=CTLG", "oci_version=5", "Http_Content_Charset=ISO-8859-1",
        "ReturnTarget=_parent",
    ])
    response = client.get(f"/punchout/oci?{query}")
    assert response.status_code == 303, response.text
    po = db.session.scalars(select(PunchOutSession)).one()
    assert po.browser_form_post_url == HOOK_URL
    assert po.oci_parameters == {
        "ok_code": "ADDI", "target": "_top", "caller": "CTLG", "returntarget": "_parent",
        "charset": "iso-8859-1", "oci_version": "5",
        "ok_code_name": "~okcode", "caller_name": "~Caller"}  # to be echoed as spelled
    assert po.extrinsics == {}  # nothing mistaken for buyer data


def test_upper_and_lower_case_twins_with_one_value_count_once(client, make_oci_connection,
                                                             oci_catalog):
    """Some SAP releases send ``HOOK_URL`` and ``hook_url`` both; the same value is fine."""
    make_oci_connection()
    query = (f"HOOK_URL={quote(HOOK_URL, safe='')}&hook_url={quote(HOOK_URL, safe='')}"
             f"&USERNAME={OCI_USER}&PASSWORD={quote(OCI_PASSWORD, safe='')}"
             "&%7EOkCode=ADDI&~okcode=ADDI")
    assert client.get(f"/punchout/oci?{query}").status_code == 303
    po = db.session.scalars(select(PunchOutSession)).one()
    assert po.browser_form_post_url == HOOK_URL and po.oci_parameters["ok_code"] == "ADDI"
    # Two different hooks: one would be silently dropped, so the call is refused.
    other = query.replace("hook_url=https", "hook_url=http")
    refused = client.get(f"/punchout/oci?{other}")
    assert refused.status_code == 400 and "sent twice with different values" in refused.text


def test_entry_merges_query_string_and_form(client, make_oci_connection, oci_catalog):
    """Some buyers POST the login but leave HOOK_URL and the ~ parameters in the URL."""
    make_oci_connection()
    url = "/punchout/oci?HOOK_URL=" + quote(HOOK_URL, safe="")
    url += "&%7EOkCode=ADDI"
    response = client.post(url, data={"USERNAME": OCI_USER, "PASSWORD": OCI_PASSWORD})
    assert response.status_code == 303, response.text
    po = db.session.scalars(select(PunchOutSession)).one()
    assert po.browser_form_post_url == HOOK_URL and po.oci_parameters["ok_code"] == "ADDI"


def test_the_entry_is_logged_without_the_password(client, make_oci_connection, oci_catalog):
    connection = make_oci_connection()
    enter_shop(client)
    (entry,) = messages()
    assert entry.direction == Direction.IN and entry.document_type == "OCI entry"
    assert entry.connection_id == connection.id and entry.session_id is not None
    assert (entry.status_code, entry.status_text) == (200, "session opened")
    assert f"USERNAME={OCI_USER}" in entry.body and f"HOOK_URL={HOOK_URL}" in entry.body
    assert "PASSWORD=***" in entry.body and OCI_PASSWORD not in entry.body


def test_the_password_is_stored_only_as_a_keyed_hash(make_oci_connection):
    connection = make_oci_connection()
    assert OCI_PASSWORD not in str(connection.oci_settings)
    assert credentials.check_shared_secret(OCI_PASSWORD, connection.secret_hash)
    assert not credentials.check_shared_secret(OCI_PASSWORD + "x", connection.secret_hash)


def test_a_stale_ended_session_does_not_block_a_new_entry(client, make_oci_connection,
                                                          oci_catalog):
    make_oci_connection()
    first = enter_shop(client)
    token = csrf_token(client.get("/").text)
    assert client.post("/punchout/cancel", data={"csrf_token": token}).status_code == 200
    second = enter_shop(client)
    assert second.id != first.id and second.status == SessionStatus.ACTIVE


def test_renamed_and_fixed_login_fields(client, make_oci_connection, oci_catalog):
    make_oci_connection(username_field="LOGIN", password_field="PASS", hook_field="RETURN",
                        login_fields={"REQTYPE": "CATALOG"})
    params = entry_params(USERNAME=None, PASSWORD=None, HOOK_URL=None)
    params.update({"login": OCI_USER, "Pass": OCI_PASSWORD, "return": HOOK_URL})
    assert get_entry(client, params).status_code == 401  # REQTYPE missing
    assert get_entry(client, {**params, "REQTYPE": "OTHER"}).status_code == 401
    response = get_entry(client, {**params, "reqtype": "CATALOG"})
    assert response.status_code == 303, response.text
    po = db.session.scalars(select(PunchOutSession)).one()
    assert po.browser_form_post_url == HOOK_URL
    assert "REQTYPE" not in {name.upper() for name in po.extrinsics}


def test_per_user_connection_maps_the_sap_user_from_buyer_data(client, make_oci_connection,
                                                               oci_catalog):
    make_oci_connection(connection={"user_mapping": UserMapping.PER_USER})
    po = enter_shop(client, entry_params(email="Jane.Doe@Acme.example", first_name="Jane",
                                         last_name="Doe"))
    user = db.session.get(User, po.user_id)
    assert (user.email, user.first_name, user.last_name) == (
        "jane.doe@acme.example", "Jane", "Doe")
    assert get_entry(client, entry_params()).status_code == 400  # no user named


# ---------- refused calls: clear page, right status, logged ----------


@pytest.mark.parametrize("password", ["wrong", "", OCI_PASSWORD.upper(), OCI_PASSWORD + " "])
def test_bad_credentials_are_refused_with_401(client, make_oci_connection, oci_catalog,
                                              password):
    make_oci_connection()
    response = get_entry(client, entry_params(PASSWORD=password or None))
    assert response.status_code == 401
    assert "Catalog login not accepted" in response.text
    assert "the user name and password" in response.text
    assert session_count() == 0
    (entry,) = messages()
    assert entry.status_code == 401 and entry.connection_id is None
    assert password not in entry.body.replace(f"USERNAME={OCI_USER}", "") or not password


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, make_oci_connection):
    make_oci_connection()
    unknown = get_entry(client, entry_params(USERNAME="nobody"))
    wrong = get_entry(client, entry_params(PASSWORD="wrong"))
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.text == wrong.text


def test_a_locked_login_is_refused_with_429_and_retry_after_even_for_the_right_password(
        client, make_oci_connection, oci_catalog):
    make_oci_connection()
    for _ in range(10):  # RATE_LIMIT_IDENTITY_FAILURES, the default
        assert get_entry(client, entry_params(PASSWORD="guess")).status_code == 401
    locked = get_entry(client, entry_params())  # the 11th, with the right password
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 600  # RATE_LIMIT_WINDOW
    assert "Catalog login locked for a while" in locked.text
    assert "Too many failed catalog logins" in locked.text and "10 minutes" in locked.text
    assert locked.headers["Cache-Control"] == "no-store"
    assert session_count() == 0
    refused = messages()[-1]
    assert refused.status_code == 429 and OCI_PASSWORD not in refused.body
    # Still locked on the next try, and by POST too.
    assert post_entry(client, entry_params()).status_code == 429


def test_the_lock_ends_with_its_window(client, make_oci_connection, oci_catalog):
    make_oci_connection()
    for _ in range(10):
        get_entry(client, entry_params(PASSWORD="guess"))
    wait = int(get_entry(client, entry_params()).headers["Retry-After"])
    limiter = get_limiter()
    now = limiter.clock()
    limiter.clock = lambda: now + wait + 1
    assert get_entry(client, entry_params()).status_code == 303


def test_a_locked_oci_user_leaves_other_oci_users_at_the_same_address_alone(
        client, make_oci_connection, oci_catalog):
    make_oci_connection()
    make_oci_connection("Globex SRM", username="srm-globex", password="globex-pass",
                        company="Globex")
    for _ in range(10):
        get_entry(client, entry_params(PASSWORD="guess"))
    assert get_entry(client, entry_params()).status_code == 429
    other = get_entry(client, entry_params(USERNAME="srm-globex", PASSWORD="globex-pass"))
    assert other.status_code == 303


def test_a_locked_address_is_refused_with_429_for_every_user(app, client, make_oci_connection,
                                                             oci_catalog):
    app.config["RATE_LIMIT_ADDRESS_FAILURES"] = 5  # configurable; default 100
    make_oci_connection()
    for n in range(5):  # a different user name each time: only the address adds up
        get_entry(client, entry_params(USERNAME=f"guess-{n}"))
    locked = get_entry(client, entry_params())
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    elsewhere = get_entry(client, entry_params(), environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert elsewhere.status_code == 303


def test_missing_hook_url_is_a_400(client, make_oci_connection):
    make_oci_connection()
    response = get_entry(client, entry_params(HOOK_URL=None))
    assert response.status_code == 400
    assert "The call has no HOOK_URL" in response.text
    assert messages()[-1].status_code == 400 and session_count() == 0
    # The error page does not echo the URL, which carries the password in a GET call.
    for form in (OCI_PASSWORD, quote(OCI_PASSWORD, safe=""), quote(quote(OCI_PASSWORD))):
        assert form not in response.text
    assert OCI_PASSWORD not in messages()[-1].body


@pytest.mark.parametrize("target", ["javascript:alert(1)", "https://evil.example/", "_top x"])
def test_a_return_target_that_is_not_a_frame_name_is_a_400(client, make_oci_connection,
                                                           target):
    make_oci_connection()
    response = get_entry(client, entry_params(returntarget=target))
    assert response.status_code == 400 and "is not a frame name" in response.text
    assert session_count() == 0


@pytest.mark.parametrize("hook", [
    "https://evil.example/sap/bc/return",
    "http://srm.acme.example/sap/bc/return",  # downgraded to http
    "https://srm.acme.example/sap/bcx",  # beside the prefix's path
    "https://srm.acme.example/sap/bc/../../admin",
    "javascript:alert(document.cookie)",
    "SAPEVENT:ADDI",  # SAP GUI hook, not allowed on this connection
])
def test_a_hook_url_outside_the_prefixes_is_a_403(client, make_oci_connection, hook):
    make_oci_connection()
    response = get_entry(client, entry_params(HOOK_URL=hook))
    assert response.status_code == 403, response.text
    assert "HOOK_URL" in response.text and session_count() == 0
    assert messages()[-1].status_code == 403


def test_sapevent_hook_only_where_the_connection_allows_it(client, make_oci_connection,
                                                           oci_catalog):
    make_oci_connection(allow_non_http_hook=True)
    po = enter_shop(client, entry_params(HOOK_URL="SAPEVENT:ADDI"))
    assert po.browser_form_post_url == "SAPEVENT:ADDI"


def test_an_inactive_connection_is_a_403(client, make_oci_connection):
    connection = make_oci_connection(connection={"active": False})
    response = get_entry(client, entry_params())
    assert response.status_code == 403 and "not active" in response.text
    assert messages()[-1].connection_id == connection.id


def test_unknown_function_and_secure_oci_are_400(client, make_oci_connection):
    make_oci_connection()
    assert get_entry(client, entry_params(FUNCTION="RETRIEVEOCI")).status_code == 400
    assert get_entry(client, entry_params(FUNCTION="EXPLODE")).status_code == 400


# ---------- FUNCTION calls ----------


def test_detail_shows_the_product_read_only(client, make_oci_connection, oci_catalog):
    make_oci_connection()
    page = get_entry(client, entry_params(FUNCTION="detail", PRODUCTID="BOLT-M8"),
                     follow_redirects=True)
    assert page.status_code == 200
    assert page.request.path == "/products/BOLT-M8"
    assert "Hex bolt M8x40" in page.text and "viewing a product (read-only)" in page.text
    assert "Transfer cart" not in page.text
    po = db.session.scalars(select(PunchOutSession)).one()
    assert po.operation == Operation.INSPECT and po.selected_item == "BOLT-M8"
    assert po.oci_parameters["function"] == "DETAIL"
    assert messages()[0].document_type == "OCI DETAIL"


def test_detail_of_a_product_no_longer_sold_lands_on_the_search(client, make_oci_connection,
                                                               oci_catalog):
    make_oci_connection()
    page = get_entry(client, entry_params(FUNCTION="DETAIL", PRODUCTID="GONE-1"),
                     follow_redirects=True)
    assert page.status_code == 200 and page.request.path == "/search"


def test_detail_without_productid_is_a_400(client, make_oci_connection):
    make_oci_connection()
    response = get_entry(client, entry_params(FUNCTION="DETAIL"))
    assert response.status_code == 400 and "PRODUCTID" in response.text


def test_sourcing_shows_the_search_results_for_normal_shopping(client, make_oci_connection,
                                                               oci_catalog):
    make_oci_connection()
    page = get_entry(client, entry_params(FUNCTION="SOURCING", SEARCHSTRING="hex bolt",
                                          VENDOR="4711"), follow_redirects=True)
    assert page.status_code == 200 and page.request.path == "/search"
    assert page.request.args["q"] == "hex bolt" and "Hex bolt M8x40" in page.text
    assert "Transfer cart" in page.text
    po = db.session.scalars(select(PunchOutSession)).one()
    assert po.operation == Operation.CREATE
    assert po.oci_parameters["function"] == "SOURCING"


def test_validate_resends_one_item_at_the_current_contract_price(client, make_oci_connection,
                                                                 oci_catalog):
    make_oci_connection(unit_map={"EA": "PCE"}, vendor="100200")
    page = get_entry(client, entry_params(FUNCTION="VALIDATE", PRODUCTID="BOLT-M8",
                                          QUANTITY="250"))
    assert page.status_code == 200, page.text
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1" not in page.text and "<main" not in page.text  # nothing to see
    assert "punchout-transfer.js" in page.text and "<noscript>" in page.text
    assert "form-action" not in page.headers["Content-Security-Policy"]
    assert SRM_ORIGIN in page.headers["Content-Security-Policy"]
    assert f'action="{HOOK_URL.replace("&", "&amp;")}"' in page.text
    assert 'id="punchout-transfer"' in page.text and 'target="_parent"' in page.text
    (item,) = oci.parse_oci_form(page.text)
    assert (item.ext_product_id, item.vendormat, item.quantity) == ("BOLT-M8", "BOLT-M8",
                                                                    Decimal(250))
    assert item.unit_price == Decimal("0.245") and item.currency == "EUR"
    assert (item.unit, item.vendor) == ("PCE", "100200")
    fields = dict(oci.read_form_fields(page.text))
    assert fields["~OkCode"] == "ADDI" and fields["~CALLER"] == "CTLG"
    assert session_count() == 0  # a background call: no session, no login
    inbound, outbound = messages()
    assert inbound.document_type == "OCI VALIDATE" and inbound.status_code == 200
    assert outbound.direction == Direction.OUT and "NEW_ITEM-PRICE[1]=2.45" in outbound.body


def test_validate_leaves_a_running_shopping_session_alone(client, make_oci_connection,
                                                          oci_catalog):
    make_oci_connection()
    po = enter_shop(client)
    assert get_entry(client, entry_params(FUNCTION="VALIDATE", PRODUCTID="PAP-500"),
                     ).status_code == 200
    page = client.get("/")
    assert "Shopping for <strong>Acme SRM</strong>" in page.text
    with client.session_transaction() as cookie:
        assert cookie["punchout_session_id"] == po.id


def test_validate_defaults_to_one_and_refuses_unknown_products(client, make_oci_connection,
                                                               oci_catalog):
    make_oci_connection()
    page = get_entry(client, entry_params(FUNCTION="VALIDATE", PRODUCTID="PAP-500"))
    (item,) = oci.parse_oci_form(page.text)
    assert item.quantity == 1 and item.price == Decimal("4.50")  # list price, no contract
    missing = get_entry(client, entry_params(FUNCTION="VALIDATE", PRODUCTID="GONE-1"))
    assert missing.status_code == 404 and "no longer in this catalog" in missing.text
    bad = get_entry(client, entry_params(FUNCTION="VALIDATE", PRODUCTID="PAP-500",
                                         QUANTITY="1.000,5"))
    assert bad.status_code == 400


def test_background_search_returns_every_hit_in_one_form_that_stays_put(
        app, client, make_oci_connection, make_product, oci_catalog):
    make_oci_connection()
    for number in range(30):  # more than one page of the normal search
        make_product(f"CLIP-{number:02}", f"Paper clip size {number}", "0.05")
    app.config["PRODUCTS_PER_PAGE"] = 12
    page = get_entry(client, entry_params(FUNCTION="BACKGROUND_SEARCH",
                                          SEARCHSTRING="paper clip"))
    assert page.status_code == 200
    assert "<script" not in page.text and 'id="punchout-transfer"' not in page.text
    assert "30 products found for “paper clip”" in page.text
    items = oci.parse_oci_form(page.text)
    assert sorted(item.ext_product_id for item in items) == [f"CLIP-{n:02}" for n in range(30)]
    assert all(item.quantity == 1 for item in items)
    assert session_count() == 0
    assert messages()[-1].document_type == "OCI BACKGROUND_SEARCH answer"


def test_background_search_is_capped_and_finds_nothing_for_nothing(
        app, client, make_oci_connection, make_product, oci_catalog):
    make_oci_connection()
    for number in range(5):
        make_product(f"CLIP-{number:02}", f"Paper clip size {number}", "0.05")
    app.config["OCI_BACKGROUND_SEARCH_LIMIT"] = 3
    page = get_entry(client, entry_params(FUNCTION="BACKGROUND_SEARCH", SEARCHSTRING="clip"))
    assert len(oci.parse_oci_form(page.text)) == 3
    empty = get_entry(client, entry_params(FUNCTION="BACKGROUND_SEARCH",
                                           SEARCHSTRING="zzzz-nothing"))
    assert empty.status_code == 200 and oci.parse_oci_form(empty.text) == []


def test_post_entry_works_without_a_csrf_token(client, make_oci_connection, oci_catalog):
    make_oci_connection()
    response = post_entry(client, entry_params(FUNCTION="VALIDATE", PRODUCTID="BOLT-M8"))
    assert response.status_code == 200 and len(oci.parse_oci_form(response.text)) == 1
    assert db.session.scalar(select(func.count(BuyerConnection.id))) == 1
