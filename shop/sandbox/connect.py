"""The buyer connection that matches a sandbox profile, and the secrets both sides use.

"Connect" creates the connection in this shop (or brings an existing one back in line with
the profile) in one step. The sandbox never stores the secrets: it derives them from the
shop's SECRET_KEY, so the shop keeps only its keyed hash of the shared secret (and the
encrypted outbound secret, as for any buyer) while the sandbox can always recompute them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from shop.extensions import db
from shop.punchout import services as punchout
from shop.punchout.models import (
    BuyerConnection,
    ConnectionMode,
    Protocol,
    ReturnField,
    UserMapping,
)
from shop.sandbox.profiles import Profile

log = logging.getLogger(__name__)

RECEIVE_PATH = "/sandbox/receive/"
INBOX_PATH = "/sandbox/inbox/"


@dataclass(frozen=True)
class Credentials:
    """What the simulated buyer sends: who it is and the secrets agreed with the shop."""

    connection_name: str
    shared_secret: str = field(repr=False)
    outbound_secret: str = field(repr=False, default="")
    oci_password: str = field(repr=False, default="")
    connection_id: int | None = None
    created: bool = False


def derived_secret(profile_key: str, purpose: str) -> str:
    """A secret for one profile and purpose, recomputable from SECRET_KEY alone."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"sandbox:{profile_key}:{purpose}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")[:32]


def profile_credentials(profile: Profile) -> Credentials:
    """The derived credentials of a profile, without touching the database."""
    return Credentials(
        connection_name=profile.connection_name,
        shared_secret=derived_secret(profile.key, "shared"),
        outbound_secret=derived_secret(profile.key, "outbound"),
        oci_password=derived_secret(profile.key, "oci") if profile.is_oci else "",
    )


def origin_of(base_url: str) -> str:
    """``http://127.0.0.1:5000/x`` → ``http://127.0.0.1:5000``."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def _settings(profile: Profile, base_url: str, name: str, *,
              oci: bool) -> punchout.ConnectionSettings:
    """The connection for the PunchOut (cXML or OCI), or for the purchase orders (cXML)."""
    origin = origin_of(base_url)
    prefixes = [origin + RECEIVE_PATH]
    ancestors = [origin]
    existing = _existing(name)
    if existing is not None:
        # Keep what was there: the same shop is often opened as 127.0.0.1 and as localhost.
        prefixes = list(dict.fromkeys([*existing.return_url_prefixes, *prefixes]))
        ancestors = list(dict.fromkeys([*existing.frame_ancestors, *ancestors]))
    cxml_part = not oci
    return punchout.ConnectionSettings(
        name=name,
        company_name=profile.company,
        protocol=Protocol.OCI if oci else Protocol.CXML,
        identities=list(dict.fromkeys([*profile.from_credentials, profile.sender]))
        if cxml_part else [],
        shop_identities=[profile.supplier_credential] if cxml_part else [],
        return_url_prefixes=prefixes,
        user_mapping=UserMapping(profile.user_mapping),
        return_field=ReturnField(profile.return_field),
        form_target="_top",
        frame_ancestors=ancestors,
        cxml_version=profile.cxml_version,
        mode=ConnectionMode.TEST,
        document_url=origin + INBOX_PATH + profile.key if cxml_part else "",
        outbound_identity=profile.supplier_credential if cxml_part else None,
        oci_settings=oci_settings(profile) if oci else {},
    )


def order_connection_name(profile: Profile) -> str:
    """OCI has no purchase order: SAP sends it as cXML through a network, on a connection
    of its own (the shop authenticates OrderRequests against cXML connections only)."""
    return f"{profile.connection_name} (orders)"


def oci_settings(profile: Profile) -> dict[str, object]:
    """The OCI part of the connection: login and hook parameter names as the profile spells them."""
    names = profile.oci_names
    return {
        "username": profile.oci_username,
        "username_field": names.username,
        "password_field": names.password,
        "hook_field": names.hook_url,
        "oci_version": profile.oci_version,
    }


def _ensure(settings: punchout.ConnectionSettings, secret: str, outbound_secret: str
            ) -> tuple[BuyerConnection, bool]:
    """Create the connection, or bring the existing one of that name in line."""
    existing = db.session.scalar(
        select(BuyerConnection).where(BuyerConnection.name == settings.name))
    if existing is None:
        connection = punchout.create_connection(
            settings, shared_secret=secret, outbound_secret=outbound_secret,
            create_company=True)
        return connection, True
    connection = punchout.update_connection(
        existing.id, settings, outbound_secret=outbound_secret, create_company=True)
    punchout.set_shared_secret(connection.id, secret)
    return connection, False


def _existing(name: str) -> BuyerConnection | None:
    return db.session.scalar(select(BuyerConnection).where(BuyerConnection.name == name))


def connect_profile(profile: Profile, base_url: str) -> Credentials:
    """Create the profile's buyer connection(s) in this shop, or align them with it."""
    credentials = profile_credentials(profile)
    name = profile.connection_name
    if profile.is_oci:
        settings = _settings(profile, base_url, name, oci=True)
        connection, created = _ensure(settings, credentials.oci_password, "")
        orders = _settings(profile, base_url, order_connection_name(profile), oci=False)
        _ensure(orders, credentials.shared_secret, credentials.outbound_secret)
    else:
        settings = _settings(profile, base_url, name, oci=False)
        connection, created = _ensure(settings, credentials.shared_secret,
                                      credentials.outbound_secret)
    log.info("sandbox profile %s connected as buyer connection %s", profile.key, connection.id)
    return Credentials(
        connection_name=connection.name, shared_secret=credentials.shared_secret,
        outbound_secret=credentials.outbound_secret, oci_password=credentials.oci_password,
        connection_id=connection.id, created=created,
    )


def find_connection(profile: Profile) -> BuyerConnection | None:
    """The profile's buyer connection in this shop, if it was connected."""
    return db.session.scalar(
        select(BuyerConnection).where(BuyerConnection.name == profile.connection_name)
    )
