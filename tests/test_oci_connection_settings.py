"""OCI buyer connections: the typed settings, the CLI and the back-office form."""

from __future__ import annotations

import json

import pytest
from conftest import csrf_token, log_in_session
from oci_support import (  # noqa: F401
    HOOK_PREFIX,
    enter_shop,
    entry_params,
    make_oci_connection_fixture,
    oci_catalog_fixture,
)
from sqlalchemy import select

from shop.accounts.models import Role
from shop.extensions import db
from shop.punchout import credentials, services
from shop.punchout.errors import ConnectionInvalid
from shop.punchout.models import BuyerConnection, Protocol
from shop.punchout.oci_settings import (
    HookQuery,
    MatgroupSource,
    OCISettings,
    parse_pairs,
    validate_settings,
)

# ---------- the settings ----------


def test_settings_survive_the_json_column_unchanged():
    settings = OCISettings(
        username="srm", login_fields={"REQTYPE": "CATALOG"}, allow_non_http_hook=True,
        charset="iso-8859-1", oci_version="4.0", vendor="100200",
        matgroup_source=MatgroupSource.TABLE, matgroup_table={"screws": "FASTEN"},
        unit_map={"EA": "PCE"}, cust_fields={"CUST_FIELD5": "line_key"},
        category_schema="UNSPSC_V1", description_length=128, hook_query=HookQuery.SPLIT)
    stored = json.loads(json.dumps(settings.to_json()))
    assert OCISettings.from_json(stored) == settings
    assert OCISettings.from_json({}) == OCISettings()  # defaults: USERNAME, PASSWORD, HOOK_URL
    assert OCISettings.from_json({"username": "x", "later_setting": 1}).username == "x"


def test_validation_normalises_codes_and_charsets():
    settings = validate_settings(OCISettings(
        username=" srm ", charset="latin1", unit_map={"ea": "pce"},
        cust_fields={"cust_field1": "manufacturer", "CUST_FIELD2": ""}))
    assert settings.username == "srm" and settings.charset == "iso-8859-1"
    assert settings.unit_map == {"EA": "PCE"}
    assert settings.cust_fields == {"CUST_FIELD1": "manufacturer"}


@pytest.mark.parametrize(("written", "kept"), [("4", "4.0"), ("4.00", "4.0"), ("5", "5.0"),
                                               (" 5.0 ", "5.0")])
def test_the_version_setting_is_kept_by_its_major_number(written, kept):
    settings = validate_settings(OCISettings(username="srm", oci_version=written))
    assert settings.oci_version == kept


@pytest.mark.parametrize(("changes", "message"), [
    ({"username": ""}, "needs a login user name"),
    ({"password_field": "USERNAME"}, "must differ"),
    ({"login_fields": {"hook_url": "x"}}, "must differ"),
    ({"username_field": "FUNCTION"}, "is an OCI parameter"),
    ({"username_field": "user name"}, "letters, digits"),
    ({"charset": "utf-16"}, "cannot carry an OCI form"),
    ({"charset": "klingon"}, "Unknown character set"),
    ({"oci_version": "3.0"}, "4.0 or 5.0"),
    ({"oci_version": "6"}, "4.0 or 5.0"),
    ({"oci_version": "five"}, "4.0 or 5.0"),
    ({"vendor": "12345678901"}, "VENDOR"),
    ({"matgroup_table": {"x": "ELEVENCHARS"}}, "MATGROUP"),
    ({"unit_map": {"EACH": "PCE"}}, "1-3 letters"),
    ({"cust_fields": {"CUST_FIELD6": "sku"}}, "CUST_FIELD1 to CUST_FIELD5"),
    ({"cust_fields": {"CUST_FIELD1": "password_hash"}}, "is not a source"),
    ({"cust_fields": {"CUST_FIELD1": "line_key"}}, "CUST_FIELD4 or CUST_FIELD5"),
    ({"description_length": 0}, "between 1 and 255"),
])
def test_validation_names_the_problem(changes, message):
    with pytest.raises(ConnectionInvalid, match=message):
        validate_settings(OCISettings(**{"username": "srm", **changes}))


def test_name_value_lines():
    assert parse_pairs(["EA=PCE", "", " BX = BOX "], "Units") == {"EA": "PCE", "BX": "BOX"}
    with pytest.raises(ConnectionInvalid, match="NAME=VALUE"):
        parse_pairs(["EA"], "Units")


def test_two_connections_cannot_share_a_login(make_oci_connection):
    make_oci_connection("First SRM")
    with pytest.raises(ConnectionInvalid, match="already logs in as"):
        make_oci_connection("Second SRM")
    make_oci_connection("Third SRM", username_field="LOGIN")  # another field: no clash


def test_an_oci_connection_needs_a_password(app):
    settings = services.ConnectionSettings(
        name="No password", company_name="Acme", protocol=Protocol.OCI,
        oci_settings=OCISettings(username="srm").to_json())
    with pytest.raises(ConnectionInvalid, match="needs a password"):
        services.create_connection(settings, shared_secret=None, create_company=True)


# ---------- the command line ----------


def test_cli_adds_an_oci_connection_that_sap_can_log_in_with(runner, client, oci_catalog):
    result = runner.invoke(args=[
        "buyers", "add", "Acme SRM", "--protocol", "oci", "--username", "srm-acme",
        "--password", "Kennwort-Ä1&x=2", "--return-url-prefix", HOOK_PREFIX,
        "--company", "Acme Industries", "--vendor", "100200", "--unit-map", "EA=PCE",
        "--cust-field", "CUST_FIELD5=line_key", "--charset", "latin1",
        "--login-field", "REQTYPE=CATALOG", "--oci-version", "4.0"])
    assert result.exit_code == 0, result.output
    connection = db.session.scalars(select(BuyerConnection)).one()
    assert connection.protocol == Protocol.OCI and connection.company.name == "Acme Industries"
    settings = OCISettings.from_json(connection.oci_settings)
    assert (settings.username, settings.vendor, settings.charset) == (
        "srm-acme", "100200", "iso-8859-1")
    assert settings.unit_map == {"EA": "PCE"} and settings.oci_version == "4.0"
    assert credentials.check_shared_secret("Kennwort-Ä1&x=2", connection.secret_hash)
    listed = runner.invoke(args=["buyers", "list", "--json"])
    assert "Kennwort" not in listed.output
    (row,) = json.loads(listed.output)
    assert row["oci"]["username"] == "srm-acme" and row["shared_secret_set"] is True
    assert "OCI login: USERNAME=srm-acme" in runner.invoke(args=["buyers", "list"]).output
    po = enter_shop(client, entry_params(REQTYPE="CATALOG"))
    assert po.connection_id == connection.id


@pytest.mark.parametrize(("args", "message"), [
    (["--password", "p"], "needs a login user name"),
    (["--username", "u"], "needs a password"),
    (["--username", "u", "--password", "p", "--unit-map", "EA"], "NAME=VALUE"),
    (["--username", "u", "--password", "p", "--cust-field", "CUST_FIELD1=line_key"],
     "CUST_FIELD4 or CUST_FIELD5"),
    (["--username", "u", "--password", "p", "--shared-secret", "s"], "once, with --password"),
    (["--username", "u", "--password", "p", "--oci-version", "3.0"], "Invalid value"),
])
def test_cli_refuses_incomplete_or_wrong_oci_options(runner, args, message):
    result = runner.invoke(args=["buyers", "add", "X", "--protocol", "oci", *args])
    assert result.exit_code == 2 and message in result.output, result.output
    assert db.session.scalars(select(BuyerConnection)).all() == []


def test_cli_keeps_oci_options_away_from_cxml(runner):
    result = runner.invoke(args=["buyers", "add", "X", "--identity", "NetworkID:AN1",
                                 "--shared-secret", "s", "--username", "u"])
    assert result.exit_code == 2 and "are for --protocol oci" in result.output


# ---------- the back office ----------


@pytest.fixture
def staff(client, make_user):
    user = make_user("staff@northwind.test", role=Role.STAFF)
    log_in_session(client, user.id)
    return user


def _oci_form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Globex SRM", "company": "Globex Laboratories", "create_company": "y",
        "protocol": "oci", "active": "y", "mode": "production", "identities": "",
        "shop_identities": "", "shared_secret": "Init-1234",
        "return_url_prefixes": "https://srm.globex.example/sap/", "frame_ancestors": "",
        "user_mapping": "shared", "return_field": "cxml-urlencoded", "form_target": "_top",
        "cxml_version": "", "accepted_units": "", "default_unspsc": "", "document_url": "",
        "outbound_identity": "", "outbound_secret": "",
        "oci-username": "globex", "oci-username_field": "USERNAME",
        "oci-password_field": "PASSWORD", "oci-hook_field": "HOOK_URL",
        "oci-login_fields": "REQTYPE=CATALOG", "oci-charset": "iso-8859-1",
        "oci-oci_version": "5.0", "oci-vendor": "300400", "oci-matgroup_source": "table",
        "oci-matgroup_table": "screws=FASTEN\r\n43=IT", "oci-matgroup_default": "MISC",
        "oci-unit_map": "EA=PCE", "oci-manufacturer_codes": "Würth=W01",
        "oci-cust_field1": "manufacturer", "oci-cust_field5": "line_key",
        "oci-category_schema": "", "oci-description_length": "60", "oci-hook_query": "split",
    }
    data.update(overrides)
    return data


def test_back_office_creates_and_edits_an_oci_connection(client, staff):
    page = client.get("/admin/punchout/connections/new")
    assert 'name="oci-username"' in page.text and "/punchout/oci" in page.text
    response = client.post("/admin/punchout/connections/new",
                           data=_oci_form(csrf_token=csrf_token(page.text)))
    assert response.status_code == 303, response.text
    connection = db.session.scalars(select(BuyerConnection)).one()
    settings = OCISettings.from_json(connection.oci_settings)
    assert settings.username == "globex" and settings.login_fields == {"REQTYPE": "CATALOG"}
    assert settings.matgroup_table == {"screws": "FASTEN", "43": "IT"}
    assert settings.manufacturer_codes == {"Würth": "W01"}
    assert settings.hook_query == HookQuery.SPLIT and settings.description_length == 60
    assert credentials.check_shared_secret("Init-1234", connection.secret_hash)

    shown = client.get(f"/admin/punchout/connections/{connection.id}")
    assert "OCI password" in shown.text and "USERNAME=globex" in shown.text
    assert "Init-1234" not in shown.text
    edit = client.get(f"/admin/punchout/connections/{connection.id}/edit")
    assert 'value="globex"' in edit.text and "screws=FASTEN" in edit.text
    changed = _oci_form(csrf_token=csrf_token(edit.text), **{"oci-vendor": "999"})
    assert client.post(f"/admin/punchout/connections/{connection.id}/edit",
                       data=changed).status_code == 303
    db.session.refresh(connection)
    assert connection.oci_settings["vendor"] == "999"
    assert credentials.check_shared_secret("Init-1234", connection.secret_hash)  # kept


def test_back_office_shows_what_is_wrong_with_oci_settings(client, staff):
    page = client.get("/admin/punchout/connections/new")
    data = _oci_form(csrf_token=csrf_token(page.text), **{"oci-unit_map": "EACH=PCE"})
    response = client.post("/admin/punchout/connections/new", data=data)
    assert response.status_code == 200 and "both sides must be codes" in response.text
    assert db.session.scalars(select(BuyerConnection)).all() == []


def test_back_office_shows_an_oci_session_and_its_calls(app, client, make_user,
                                                        make_oci_connection, oci_catalog):
    make_oci_connection()
    po = enter_shop(client, entry_params(**{"sy-langu": "DE"}))
    staff_browser = app.test_client()
    user = make_user("staff@northwind.test", role=Role.STAFF)
    log_in_session(staff_browser, user.id)
    page = staff_browser.get(f"/admin/punchout/sessions/{po.id}")
    assert page.status_code == 200
    assert "OCI ok_code" in page.text and "ADDI" in page.text and "sy-langu" in page.text
    assert "OCI entry" in page.text
    log = staff_browser.get("/admin/punchout/messages?document_type=OCI+entry")
    assert "OCI entry" in log.text and "Kennwort" not in log.text
