"""Buyer connections: settings, secrets at rest, authentication and the ``buyers`` CLI."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet
from punchout_support import BUYER, SECRET, make_connection_fixture  # noqa: F401
from sqlalchemy import select, text

from shop.accounts.models import Company
from shop.extensions import db
from shop.punchout import credentials, services
from shop.punchout.errors import ConnectionInvalid
from shop.punchout.models import BuyerConnection, ConnectionIdentity, IdentityRole
from shop.secrets_store import (
    SecretCipher,
    hash_inbound_secret,
    parse_keys,
    verify_inbound_secret,
)

ARIBA = ("NetworkID", "AN-NETWORK")


def _dump_connections() -> str:
    """Every stored value of the connection tables, as a database dump would show them."""
    rows = []
    for table in ("buyer_connections", "buyer_connection_identities"):
        rows += [repr(tuple(row)) for row in db.session.execute(text(f"SELECT * FROM {table}"))]
    return "\n".join(rows)


def test_shared_secret_is_stored_only_as_a_keyed_hash(make_connection):
    connection = make_connection()
    assert SECRET not in _dump_connections()
    assert connection.secret_hash == credentials.hash_shared_secret(SECRET)
    assert connection.secret_hint == "…rd"
    # Keyed: a plain SHA-256 of the secret is not what is stored.
    import hashlib
    assert connection.secret_hash != hashlib.sha256(SECRET.encode()).hexdigest()


def test_outbound_secret_is_encrypted_and_rotates(app, make_connection):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app.config["SHOP_ENCRYPTION_KEYS"] = old_key
    connection = services.create_connection(
        services.ConnectionSettings(name="Out", company_name="Acme Industries",
                                    identities=[BUYER], outbound_identity=("DUNS", "123")),
        shared_secret="x" * 12, outbound_secret="outbound-pw", create_company=True,
    )
    assert "outbound-pw" not in _dump_connections()
    assert services.decrypt_outbound_secret(connection.outbound_secret_encrypted) == "outbound-pw"
    app.config["SHOP_ENCRYPTION_KEYS"] = f"{new_key},{old_key}"
    assert services.reencrypt_outbound_secrets() == 1
    app.config["SHOP_ENCRYPTION_KEYS"] = new_key  # the old key is gone now
    db.session.refresh(connection)
    assert services.decrypt_outbound_secret(connection.outbound_secret_encrypted) == "outbound-pw"


def test_shared_secret_hash_is_the_shops_one_inbound_hash(app, make_connection):
    # One pepper (INBOUND_SECRET_PEPPER / SHOP_SECRET_PEPPER) for every inbound secret.
    connection = make_connection()
    pepper = app.config["INBOUND_SECRET_PEPPER"].encode()
    assert connection.secret_hash == hash_inbound_secret(SECRET, pepper)
    assert verify_inbound_secret(SECRET, connection.secret_hash, pepper)
    assert "PUNCHOUT_PEPPER" not in app.config


def test_rotate_key_command_reencrypts_outbound_secrets(app, runner, tmp_path, make_connection):
    app.config["SHOP_ENCRYPTION_KEYS"] = None  # keys from a file, as after installation
    app.config["ENCRYPTION_KEY_FILE"] = str(tmp_path / "keys")
    make_connection("No outbound secret")  # an empty column is left alone
    connection = services.create_connection(
        services.ConnectionSettings(name="Out", company_name="Acme Industries",
                                    identities=[("DUNS", "42")]),
        shared_secret="x" * 12, outbound_secret="outbound-pw", create_company=True,
    )
    old_token = connection.outbound_secret_encrypted
    result = runner.invoke(args=["secrets", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 stored secret" in result.output
    db.session.expire_all()
    assert connection.outbound_secret_encrypted != old_token
    newest = SecretCipher(parse_keys((tmp_path / "keys").read_text())[:1])
    assert newest.decrypt(connection.outbound_secret_encrypted) == "outbound-pw"


def test_outbound_secret_with_a_lost_key_is_a_clear_error(app, make_connection):
    app.config["SHOP_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    token = credentials.encrypt_outbound_secret("pw")
    app.config["SHOP_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    with pytest.raises(credentials.OutboundSecretError):
        services.decrypt_outbound_secret(token)


def test_identities_keep_their_spelling_but_compare_domains_in_lower_case(make_connection):
    connection = make_connection(identities=(("NetworkId", "AN01"), (" DUNS ", " 1234 ")))
    stored = {(i.domain, i.domain_key, i.identity) for i in connection.identities}
    assert stored == {("NetworkId", "networkid", "AN01"), ("DUNS", "duns", "1234")}


@pytest.mark.parametrize("field, value, message", [
    ("return_url_prefixes", ["ftp://buyer.example/"], "Return-URL prefix"),
    ("frame_ancestors", ["https://buyer.example/page"], "Frame ancestor"),
    ("form_target", "javascript:x", "form target"),
    ("cxml_version", "2.0", "cXML version"),
    ("accepted_units", ["EACH"], "UN/CEFACT"),
    ("default_unspsc", "12-34", "UNSPSC"),
    ("identities", [], "at least one buyer identity"),
    ("document_url", "file:///etc/passwd", "document URL"),
])
def test_bad_settings_are_refused_with_a_message(app, field, value, message):
    settings = services.ConnectionSettings(name="X", company_name="Acme", identities=[BUYER])
    settings = services.ConnectionSettings(**{**settings.__dict__, field: value})
    with pytest.raises(ConnectionInvalid, match=message):
        services.create_connection(settings, shared_secret="secret", create_company=True)
    assert db.session.scalar(select(BuyerConnection)) is None


def test_names_are_unique_and_companies_must_exist_unless_asked(app, make_connection):
    make_connection(name="One")
    settings = services.ConnectionSettings(name="One", company_name="Acme Industries",
                                           identities=[BUYER])
    with pytest.raises(ConnectionInvalid, match="already exists"):
        services.create_connection(settings, shared_secret="s")
    other = services.ConnectionSettings(name="Two", company_name="Nowhere Ltd", identities=[BUYER])
    with pytest.raises(ConnectionInvalid, match="no company named"):
        services.create_connection(other, shared_secret="s")
    services.create_connection(other, shared_secret="s", create_company=True)
    assert db.session.scalar(select(Company).where(Company.name == "Nowhere Ltd"))


def test_update_replaces_identities_and_keeps_secrets(make_connection):
    connection = make_connection()
    before = connection.secret_hash
    settings = services.ConnectionSettings(
        name="Renamed", company_name="Acme Industries", identities=[("DUNS", "999")],
        shop_identities=[("DUNS", "SHOP1")], return_url_prefixes=["https://b.example/"],
    )
    services.update_connection(connection.id, settings)
    db.session.refresh(connection)
    assert connection.name == "Renamed" and connection.secret_hash == before
    assert [(i.role, str(i)) for i in connection.identities] == [
        (IdentityRole.BUYER, "DUNS:999"), (IdentityRole.SHOP, "DUNS:SHOP1")]
    assert db.session.scalar(select(db.func.count()).select_from(ConnectionIdentity)) == 2


def test_rotating_the_secret_returns_it_once_and_the_old_one_stops_working(make_connection):
    connection = make_connection()
    new = services.set_shared_secret(connection.id)
    assert len(new) >= 40 and new not in _dump_connections()
    assert services.authenticate([BUYER], [BUYER], new) == connection
    assert services.authenticate([BUYER], [BUYER], SECRET) is None


# ---------- authentication on plain (domain, identity) pairs ----------


def test_authenticate_needs_from_and_sender_identities_and_the_secret(make_connection):
    connection = make_connection(identities=(BUYER, ARIBA))
    assert services.authenticate([BUYER], [ARIBA], SECRET) == connection
    assert services.authenticate([("networkid", BUYER[1])], [ARIBA], SECRET) == connection
    assert services.authenticate([("x", "y"), BUYER], [ARIBA], SECRET) == connection
    assert services.authenticate([BUYER], [("NetworkID", "someone")], SECRET) is None
    assert services.authenticate([("NetworkID", "someone")], [ARIBA], SECRET) is None
    assert services.authenticate([BUYER], [ARIBA], SECRET + "x") is None
    assert services.authenticate([BUYER], [ARIBA], None) is None
    assert services.authenticate([BUYER], [ARIBA], "") is None
    # Identities compare exactly (only the domain ignores case).
    assert services.authenticate([("NetworkID", BUYER[1].lower())], [ARIBA], SECRET) is None


def test_non_ascii_and_odd_secrets_are_just_wrong(make_connection):
    make_connection()
    for guess in ("\udcff", "ü" * 300, "\x00", SECRET.encode().decode("latin-1")):
        assert services.authenticate([BUYER], [BUYER], guess) is None


def test_to_credentials_are_checked_only_when_the_connection_lists_them(make_connection):
    open_one = make_connection(name="Open")
    assert services.authenticate([BUYER], [BUYER], SECRET, [("DUNS", "anything")]) == open_one
    strict = make_connection(name="Strict", identities=(("DUNS", "B2"),),
                             shop_identities=(("DUNS", "SHOP"),))
    assert services.authenticate([("DUNS", "B2")], [("DUNS", "B2")], SECRET,
                                 [("duns", "SHOP")]) == strict
    assert services.authenticate([("DUNS", "B2")], [("DUNS", "B2")], SECRET,
                                 [("DUNS", "OTHER")]) is None


def test_a_shared_sender_identity_is_resolved_by_from_and_secret(make_connection):
    """Ariba Network is the Sender for many buyers; the From identity tells them apart."""
    first = make_connection(name="First", identities=(("NetworkID", "AN-A"), ARIBA), secret="a" * 9)
    second = make_connection(name="Second", identities=(("NetworkID", "AN-B"), ARIBA),
                             secret="b" * 9)
    assert services.authenticate([("NetworkID", "AN-A")], [ARIBA], "a" * 9) == first
    assert services.authenticate([("NetworkID", "AN-B")], [ARIBA], "b" * 9) == second
    assert services.authenticate([("NetworkID", "AN-A")], [ARIBA], "b" * 9) is None


def test_shared_identities_are_ambiguous_only_when_a_connection_has_none_of_its_own(
        make_connection):
    hub = make_connection(name="Hub only", identities=(ARIBA,))
    first = make_connection(name="First", identities=(("NetworkID", "AN-A"), ARIBA))
    second = make_connection(name="Second", identities=(("networkid", "AN-B"), ARIBA))
    alone = make_connection(name="Alone", identities=(("DUNS", "123"),))
    shared = services.shared_identities(second)
    assert shared == [
        services.SharedIdentities("First", ("NetworkID:AN-NETWORK",), ambiguous=False),
        # "Hub only" has nothing but the network's identity: its documents match Second too.
        services.SharedIdentities("Hub only", ("NetworkID:AN-NETWORK",), ambiguous=True),
    ]
    assert [s.other for s in services.shared_identities(hub)] == ["First", "Second"]
    assert [(s.other, s.ambiguous) for s in services.shared_identities(first)] == [
        ("Hub only", True), ("Second", False)]
    assert services.shared_identities(alone) == []
    # Different To identities tell two connections with the same buyer identities apart.
    north = make_connection(name="North", identities=(("DUNS", "9"),),
                            shop_identities=(("DUNS", "SHOP-N"),))
    south = make_connection(name="South", identities=(("DUNS", "9"),),
                            shop_identities=(("DUNS", "SHOP-S"),))
    assert services.shared_identities(south) == [
        services.SharedIdentities("North", ("DUNS:9",), ambiguous=False)]
    assert services.shared_identities(north)[0].other == "South"


def test_inactive_connections_are_still_returned_for_a_403(make_connection):
    connection = make_connection()
    services.set_active(connection.id, False)
    assert services.authenticate([BUYER], [BUYER], SECRET) == connection


# ---------- CLI ----------


def test_cli_adds_a_connection_and_creates_its_company(runner, app):
    result = runner.invoke(args=[
        "buyers", "add", "Globex Coupa", "--protocol", "cxml",
        "--identity", "DUNS:COUPA1", "--identity", "NetworkId:AN02",
        "--shared-secret", "cli-secret-1", "--return-url-prefix", "https://globex.example/po/",
        "--company", "Globex Laboratories", "--frame-ancestor", "https://globex.example",
        "--mode", "test",
    ])
    assert result.exit_code == 0, result.output
    assert "Globex Coupa" in result.output and "cli-secret-1" not in result.output
    connection = db.session.scalar(select(BuyerConnection))
    assert connection.company.name == "Globex Laboratories"
    assert connection.mode == "test" and connection.cxml_version == app.config["CXML_VERSION"]
    assert services.authenticate([("duns", "COUPA1")], [("NETWORKID", "AN02")],
                                 "cli-secret-1") == connection


def test_cli_sets_where_order_documents_go_and_keeps_the_outbound_secret_encrypted(runner):
    result = runner.invoke(args=[
        "buyers", "add", "Acme Coupa", "--identity", "NetworkID:AN01000000001",
        "--shared-secret", "inbound-secret-1", "--company", "Acme Industries",
        "--document-url", "https://acme.coupahost.com/cxml/invoices",
        "--outbound-identity", "DUNS:123456789", "--outbound-secret", "outbound-secret-1",
    ])
    assert result.exit_code == 0, result.output
    assert "outbound-secret-1" not in result.output
    connection = db.session.scalar(select(BuyerConnection))
    assert connection.document_url == "https://acme.coupahost.com/cxml/invoices"
    assert (connection.outbound_domain, connection.outbound_identity) == ("DUNS", "123456789")
    assert "outbound-secret-1" not in _dump_connections()
    assert services.decrypt_outbound_secret(connection.outbound_secret_encrypted) == (
        "outbound-secret-1")
    listed = json.loads(runner.invoke(args=["buyers", "list", "--json"]).output)[0]
    assert listed["document_url"] == connection.document_url
    assert listed["outbound_identity"] == "DUNS:123456789" and listed["outbound_secret_set"]


def test_cli_defaults_to_production_and_explains_bad_input(runner):
    result = runner.invoke(args=["buyers", "add", "B", "--identity", "DUNS:1",
                                 "--shared-secret", "s"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(BuyerConnection)).mode == "production"
    assert "no --return-url-prefix" in result.output
    bad = runner.invoke(args=["buyers", "add", "C", "--identity", "no-colon",
                              "--shared-secret", "s"])
    assert bad.exit_code == 2 and "DOMAIN:IDENTITY" in bad.output
    bad = runner.invoke(args=["buyers", "add", "D", "--identity", "DUNS:1"])
    assert bad.exit_code == 2 and "shared secret" in bad.output


def test_cli_warns_when_a_new_connection_goes_by_another_ones_identities(runner,
                                                                          make_connection):
    make_connection()  # "Acme Ariba", identity NetworkID:AN01000000001
    result = runner.invoke(args=["buyers", "add", "Acme Copy", "--identity",
                                 "NetworkId:AN01000000001", "--shared-secret", "other-secret"])
    assert result.exit_code == 0, result.output  # warned, not refused
    assert ("Warning: 'Acme Copy' and 'Acme Ariba' both go by NetworkId:AN01000000001 and one "
            "of them has no identity of its own") in " ".join(result.output.split())
    assert "only the shared secret tells them apart" in result.output


def test_cli_notes_a_shared_network_sender_without_alarm(runner, make_connection):
    make_connection(name="Acme Ariba", identities=(("NetworkID", "AN-ACME"), ARIBA))
    result = runner.invoke(args=["buyers", "add", "Globex Ariba", "--identity",
                                 "NetworkID:AN-GLOBEX", "--identity", "NetworkID:AN-NETWORK",
                                 "--shared-secret", "globex-secret"])
    assert result.exit_code == 0, result.output
    assert "Note: 'Acme Ariba' also goes by NetworkID:AN-NETWORK" in result.output
    assert "Warning" not in result.output
    alone = runner.invoke(args=["buyers", "add", "Initech", "--identity", "DUNS:42",
                                "--shared-secret", "initech-secret"])
    assert "Note: '" not in alone.output and "Warning" not in alone.output


def test_cli_lists_connections_without_secrets(runner, make_connection):
    make_connection()
    result = runner.invoke(args=["buyers", "list", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert rows[0]["name"] == "Acme Ariba" and rows[0]["shared_secret_set"] is True
    assert rows[0]["identities"] == ["NetworkID:AN01000000001"]
    plain = runner.invoke(args=["buyers", "list"])
    for output in (result.output, plain.output):
        assert SECRET not in output and "secret_hash" not in output
        assert credentials.hash_shared_secret(SECRET) not in output
    assert "Acme Ariba" in plain.output
