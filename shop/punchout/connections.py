"""Use cases of buyer connections: create, change, rotate secrets, authenticate."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from shop.accounts.models import Company
from shop.database import utcnow
from shop.errors import NotFound
from shop.extensions import db
from shop.oci import normalize_name
from shop.punchout import credentials, urls
from shop.punchout.errors import ConnectionInvalid
from shop.punchout.models import (
    BuyerConnection,
    ConnectionIdentity,
    ConnectionMode,
    IdentityRole,
    Protocol,
    ReturnField,
    UserMapping,
)
from shop.punchout.oci_settings import OCISettings, validate_settings
from shop.secrets_store import outbound_cipher, reencrypt_columns

log = logging.getLogger(__name__)

Credential = tuple[str, str]  # (domain, identity) as found in a document's header

_TARGET = re.compile(r"^(_top|_parent|_self|_blank|[A-Za-z][A-Za-z0-9_-]{0,63})$")
_VERSION = re.compile(r"^1\.[12]\.\d{3}$")
_UNIT = re.compile(r"^[A-Z0-9]{1,3}$")
_UNSPSC = re.compile(r"^\d{8}(\d{2})?$")


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything staff set on a connection, except secrets (those have their own calls)."""

    name: str
    company_name: str
    protocol: Protocol = Protocol.CXML
    identities: Sequence[Credential] = ()
    shop_identities: Sequence[Credential] = ()
    return_url_prefixes: Sequence[str] = ()
    user_mapping: UserMapping = UserMapping.SHARED
    return_field: ReturnField = ReturnField.URLENCODED
    form_target: str = "_top"
    frame_ancestors: Sequence[str] = ()
    cxml_version: str = ""
    accepted_units: Sequence[str] = ()
    default_unspsc: str = ""
    active: bool = True
    mode: ConnectionMode = ConnectionMode.PRODUCTION
    document_url: str = ""
    outbound_identity: Credential | None = None
    oci_settings: dict[str, object] = field(default_factory=dict)


def parse_credential(text: str) -> Credential:
    """``"DOMAIN:IDENTITY"`` as a pair; the domain may be empty (seen in real documents)."""
    domain, sep, identity = text.partition(":")
    if not sep or not identity.strip():
        raise ConnectionInvalid(f"Identity {text!r} must be written DOMAIN:IDENTITY.")
    return domain.strip(), identity.strip()


def credential_key(domain: str, identity: str) -> Credential:
    """How credentials are compared: domain case-insensitively, identity exactly."""
    return domain.strip().lower(), identity.strip()


def _check_list(values: Iterable[str], rule: Callable[[str], str], label: str) -> list[str]:
    checked = []
    for value in values:
        try:
            checked.append(rule(value.strip()))
        except ValueError as error:
            raise ConnectionInvalid(f"{label} {value!r} {error}.") from None
    return list(dict.fromkeys(checked))


def _validated(settings: ConnectionSettings) -> dict[str, object]:
    """The model fields for ``settings``, or ConnectionInvalid naming the first problem."""
    name = settings.name.strip()
    if not name or len(name) > 120:
        raise ConnectionInvalid("The name is required (at most 120 characters).")
    if settings.protocol == Protocol.CXML and not settings.identities:
        raise ConnectionInvalid("A cXML connection needs at least one buyer identity.")
    if not _TARGET.match(settings.form_target):
        raise ConnectionInvalid("The form target must be _top, _parent, _self or a frame name.")
    version = settings.cxml_version.strip() or current_app.config["CXML_VERSION"]
    if not _VERSION.match(version):
        raise ConnectionInvalid(f"The cXML version {version!r} is not like 1.2.063.")
    units = [unit.strip().upper() for unit in settings.accepted_units if unit.strip()]
    if bad := [unit for unit in units if not _UNIT.match(unit)]:
        raise ConnectionInvalid(f"Units of measure must be UN/CEFACT codes, not {bad[0]!r}.")
    unspsc = settings.default_unspsc.strip()
    if unspsc and not _UNSPSC.match(unspsc):
        raise ConnectionInvalid("The default UNSPSC must be 8 (or 10) digits.")
    document_url = settings.document_url.strip()
    if document_url:
        _check_list([document_url], urls.normalise_prefix, "The document URL")
    domain, identity = settings.outbound_identity or ("", "")
    return {
        "name": name,
        "protocol": settings.protocol,
        "return_url_prefixes": _check_list(
            settings.return_url_prefixes, urls.normalise_prefix, "Return-URL prefix"
        ),
        "user_mapping": settings.user_mapping,
        "return_field": settings.return_field,
        "form_target": settings.form_target,
        "frame_ancestors": _check_list(
            settings.frame_ancestors, urls.normalise_origin, "Frame ancestor"
        ),
        "cxml_version": version,
        "accepted_units": list(dict.fromkeys(units)),
        "default_unspsc": unspsc,
        "active": settings.active,
        "mode": settings.mode,
        "document_url": document_url,
        "outbound_domain": domain,
        "outbound_identity": identity,
        "oci_settings": _oci_settings(settings),
    }


def _oci_settings(settings: ConnectionSettings) -> dict[str, object]:
    """The OCI settings checked and normalised (kept as given for other protocols)."""
    if settings.protocol != Protocol.OCI:
        return dict(settings.oci_settings)
    try:
        return validate_settings(OCISettings.from_json(settings.oci_settings)).to_json()
    except (AttributeError, TypeError, ValueError) as error:
        raise ConnectionInvalid(f"The OCI settings are not readable: {error}") from None


def _check_oci_login_free(fields: dict[str, object], connection_id: int | None) -> None:
    """An OCI call is matched to its connection by its login: two may not share one."""
    if fields["protocol"] != Protocol.OCI:
        return
    wanted = OCISettings.from_json(fields["oci_settings"])  # type: ignore[arg-type]
    others = db.session.scalars(select(BuyerConnection).where(
        BuyerConnection.protocol == Protocol.OCI, BuyerConnection.id != (connection_id or 0)))
    for other in others:
        theirs = OCISettings.from_json(other.oci_settings)
        if (theirs.username == wanted.username
                and normalize_name(theirs.username_field) == normalize_name(wanted.username_field)):
            raise ConnectionInvalid(
                f"Connection {other.name!r} already logs in as {wanted.username!r}.")


def _check_name_free(name: str, connection_id: int | None) -> None:
    query = select(BuyerConnection.id).where(BuyerConnection.name == name)
    if connection_id is not None:
        query = query.where(BuyerConnection.id != connection_id)
    if db.session.scalar(query) is not None:
        raise ConnectionInvalid(f"A connection named {name!r} already exists.")


def _company(name: str, create: bool) -> Company:
    name = name.strip()
    if not name:
        raise ConnectionInvalid("The company (storefront account) is required.")
    company = db.session.scalar(select(Company).where(Company.name == name))
    if company is None:
        if not create:
            raise ConnectionInvalid(f"There is no company named {name!r}.")
        company = Company(name=name)
        db.session.add(company)
    return company


def _set_identities(connection: BuyerConnection, settings: ConnectionSettings) -> None:
    wanted: dict[tuple[IdentityRole, str, str], str] = {}
    for role, pairs in ((IdentityRole.BUYER, settings.identities),
                        (IdentityRole.SHOP, settings.shop_identities)):
        for domain, identity in pairs:
            if not identity.strip() or len(identity.strip()) > 255 or len(domain.strip()) > 100:
                raise ConnectionInvalid(f"Identity {domain}:{identity} is empty or too long.")
            wanted.setdefault((role, *credential_key(domain, identity)), domain.strip())
    current = {(i.role, i.domain_key, i.identity): i for i in connection.identities}
    for key, row in current.items():
        if key not in wanted:
            connection.identities.remove(row)
    for key, domain in wanted.items():
        if key not in current:
            role, domain_key, identity = key
            connection.identities.append(ConnectionIdentity(
                role=role, domain=domain, domain_key=domain_key, identity=identity
            ))


def _commit(connection: BuyerConnection) -> BuyerConnection:
    name = connection.name
    try:
        db.session.commit()
    except IntegrityError:
        # Two staff members saving the same name at once: the unique index decides.
        db.session.rollback()
        raise ConnectionInvalid(f"A connection named {name!r} already exists.") from None
    return connection


def create_connection(
    settings: ConnectionSettings,
    *,
    shared_secret: str | None,
    outbound_secret: str = "",
    create_company: bool = False,
) -> BuyerConnection:
    """Add a buyer connection; the shared secret is stored only as a keyed hash."""
    fields = _validated(settings)
    if settings.protocol == Protocol.CXML and not shared_secret:
        raise ConnectionInvalid("A cXML connection needs a shared secret.")
    if settings.protocol == Protocol.OCI and not shared_secret:
        raise ConnectionInvalid("An OCI connection needs a password.")
    _check_name_free(str(fields["name"]), None)
    _check_oci_login_free(fields, None)
    connection = BuyerConnection(company=_company(settings.company_name, create_company), **fields)
    _set_identities(connection, settings)
    if shared_secret:
        _store_secret(connection, shared_secret)
    connection.outbound_secret_encrypted = credentials.encrypt_outbound_secret(outbound_secret)
    db.session.add(connection)
    _commit(connection)
    log.info("buyer connection %s created (id %s)", connection.name, connection.id)
    return connection


def update_connection(
    connection_id: int,
    settings: ConnectionSettings,
    *,
    outbound_secret: str | None = None,
    create_company: bool = False,
) -> BuyerConnection:
    """Change a connection's settings; ``outbound_secret=None`` keeps the stored one."""
    connection = get_connection(connection_id)
    fields = _validated(settings)
    _check_name_free(str(fields["name"]), connection_id)
    _check_oci_login_free(fields, connection_id)
    company = _company(settings.company_name, create_company)
    for name, value in fields.items():
        setattr(connection, name, value)
    connection.company = company
    _set_identities(connection, settings)
    if outbound_secret is not None:
        connection.outbound_secret_encrypted = credentials.encrypt_outbound_secret(outbound_secret)
    _commit(connection)
    log.info("buyer connection %s changed", connection.id)
    return connection


def _store_secret(connection: BuyerConnection, secret: str) -> None:
    if len(secret) > 256:
        raise ConnectionInvalid("The shared secret is longer than 256 characters.")
    connection.secret_hash = credentials.hash_shared_secret(secret)
    connection.secret_hint = credentials.secret_hint(secret)
    connection.secret_changed_at = utcnow()


def set_shared_secret(connection_id: int, secret: str | None = None) -> str:
    """Replace the shared secret (a new random one when None); returns it, to show once."""
    connection = get_connection(connection_id)
    secret = secret or credentials.generate_secret()
    _store_secret(connection, secret)
    db.session.commit()
    log.info("shared secret of buyer connection %s replaced", connection.id)
    return secret


def set_active(connection_id: int, active: bool) -> BuyerConnection:
    """Switch a connection on or off; an inactive one is answered 403."""
    connection = get_connection(connection_id)
    connection.active = active
    db.session.commit()
    log.info("buyer connection %s active=%s", connection.id, active)
    return connection


def reencrypt_outbound_secrets() -> int:
    """Re-encrypt every stored outbound secret under the newest key; returns how many changed.

    The same as ``flask --app shop secrets reencrypt``: every column marked ENCRYPTED_COLUMN.
    """
    count = reencrypt_columns(db.session.connection(), db.metadata, outbound_cipher())
    db.session.commit()
    db.session.expire_all()  # the rows in the session still hold the old tokens
    return count


def get_connection(connection_id: int) -> BuyerConnection:
    connection = db.session.get(BuyerConnection, connection_id)
    if connection is None:
        raise NotFound("No such buyer connection.")
    return connection


def list_connections() -> list[BuyerConnection]:
    return list(db.session.scalars(select(BuyerConnection).order_by(BuyerConnection.name)))


def authenticate(
    from_credentials: Iterable[Credential],
    sender_credentials: Iterable[Credential],
    shared_secret: str | None,
    to_credentials: Iterable[Credential] = (),
) -> BuyerConnection | None:
    """The cXML connection whose identities and secret match a document header, or None.

    Some From credential and some Sender credential must be identities of the connection,
    the secret must match, and where the connection lists the identities this shop goes by,
    some To credential must be one of them. Inactive connections are returned too, so the
    caller answers 403 only to someone who knows the secret.
    """
    from_keys = {credential_key(*c) for c in from_credentials}
    sender_keys = {credential_key(*c) for c in sender_credentials}
    to_keys = {credential_key(*c) for c in to_credentials}
    rows = db.session.execute(
        select(ConnectionIdentity.connection_id, ConnectionIdentity.domain_key,
               ConnectionIdentity.identity)
        .join(BuyerConnection)
        .where(
            BuyerConnection.protocol == Protocol.CXML,
            ConnectionIdentity.role == IdentityRole.BUYER,
            tuple_(ConnectionIdentity.domain_key, ConnectionIdentity.identity).in_(
                list(from_keys | sender_keys) or [("", "")]
            ),
        )
    ).all()
    matched: dict[int, set[str]] = {}
    for connection_id, domain_key, identity in rows:
        if (domain_key, identity) in from_keys:
            matched.setdefault(connection_id, set()).add("from")
        if (domain_key, identity) in sender_keys:
            matched.setdefault(connection_id, set()).add("sender")
    # The candidates with what the check and the session need, in one query (identities for
    # the To check, the shared user for the session) instead of a lazy load for each.
    candidates = db.session.scalars(
        select(BuyerConnection).where(BuyerConnection.id.in_(matched))
        .options(joinedload(BuyerConnection.identities), joinedload(BuyerConnection.shared_user))
        .order_by(BuyerConnection.id)
    ).unique().all() if matched else []
    found = None
    for connection in candidates:
        connection_id = connection.id
        # Every candidate's secret is checked, so timing does not reveal which one matched.
        ok = (matched[connection_id] == {"from", "sender"}
              and credentials.check_shared_secret(shared_secret, connection.secret_hash)
              and _to_matches(connection, to_keys))
        if ok and found is None:
            found = connection
    return found


def _to_matches(connection: BuyerConnection, to_keys: set[Credential]) -> bool:
    shop = {(i.domain_key, i.identity) for i in connection.shop_identities}
    return not shop or bool(shop & to_keys)
