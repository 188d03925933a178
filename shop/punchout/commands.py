"""``flask --app shop buyers …``: manage buyer connections from the command line."""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import AppGroup

from shop.punchout import services
from shop.punchout.errors import ConnectionInvalid
from shop.punchout.models import (
    BuyerConnection,
    ConnectionMode,
    Protocol,
    ReturnField,
    UserMapping,
)
from shop.punchout.oci_commands import oci_options, oci_settings_from_options

buyers_cli = AppGroup("buyers", help="Manage buyer connections (PunchOut and purchase orders).")


def _choice(enum_class: type[Any]) -> click.Choice[str]:
    return click.Choice([member.value for member in enum_class])


@buyers_cli.command("add")
@click.argument("name")
@click.option("--protocol", type=_choice(Protocol), default="cxml", show_default=True)
@click.option("--identity", "identities", multiple=True, metavar="DOMAIN:IDENTITY",
              help="A credential the buyer sends in From or Sender (repeatable).")
@click.option("--shop-identity", "shop_identities", multiple=True, metavar="DOMAIN:IDENTITY",
              help="A To credential this shop goes by for this buyer (checked when given).")
@click.option("--shared-secret", help="The SharedSecret the buyer sends (stored hashed).")
@click.option("--return-url-prefix", "prefixes", multiple=True, metavar="PREFIX",
              help="Allowed start of the BrowserFormPost URL, e.g. https://buyer.example/po/")
@click.option("--company", help="Storefront account the buyer shops as (created if missing).")
@click.option("--frame-ancestor", "frame_ancestors", multiple=True, metavar="ORIGIN",
              help="Origin allowed to show the shop in a frame, e.g. https://buyer.example")
@click.option("--mode", type=_choice(ConnectionMode), default="production", show_default=True)
@click.option("--user-mapping", type=_choice(UserMapping), default="shared", show_default=True)
@click.option("--return-field", type=_choice(ReturnField), default="cxml-urlencoded",
              show_default=True)
@click.option("--form-target", default="_top", show_default=True)
@click.option("--cxml-version", default="", help="cXML version to answer with.")
@click.option("--unit", "units", multiple=True, help="Accepted unit of measure (repeatable).")
@click.option("--default-unspsc", default="")
@click.option("--document-url", default="", help="Where order documents are sent to.")
@click.option("--outbound-identity", metavar="DOMAIN:IDENTITY", default="")
@click.option("--outbound-secret", default="", help="Secret sent with outbound documents.")
@oci_options
def add_command(name: str, protocol: str, identities: tuple[str, ...],
                shop_identities: tuple[str, ...], shared_secret: str | None,
                prefixes: tuple[str, ...], company: str | None,
                frame_ancestors: tuple[str, ...], mode: str, user_mapping: str,
                return_field: str, form_target: str, cxml_version: str, units: tuple[str, ...],
                default_unspsc: str, document_url: str, outbound_identity: str,
                outbound_secret: str, **oci: Any) -> None:
    """Add a buyer connection NAME (cXML by default; --protocol oci for SAP OCI)."""
    if protocol == Protocol.OCI:
        if shared_secret and oci["password"]:
            raise click.UsageError("Give the OCI password once, with --password.")
        shared_secret = oci["password"] or shared_secret
    elif oci["username"] or oci["password"]:
        raise click.UsageError("--username and --password are for --protocol oci.")
    try:
        oci_settings = oci_settings_from_options(oci) if protocol == Protocol.OCI else None
        settings = services.ConnectionSettings(
            name=name, company_name=company or name, protocol=Protocol(protocol),
            identities=[services.parse_credential(i) for i in identities],
            shop_identities=[services.parse_credential(i) for i in shop_identities],
            return_url_prefixes=prefixes, frame_ancestors=frame_ancestors,
            mode=ConnectionMode(mode), user_mapping=UserMapping(user_mapping),
            return_field=ReturnField(return_field), form_target=form_target,
            cxml_version=cxml_version, accepted_units=units, default_unspsc=default_unspsc,
            document_url=document_url,
            outbound_identity=(services.parse_credential(outbound_identity)
                               if outbound_identity else None),
            oci_settings=oci_settings.to_json() if oci_settings else {},
        )
        connection = services.create_connection(
            settings, shared_secret=shared_secret, outbound_secret=outbound_secret,
            create_company=True,
        )
    except ConnectionInvalid as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"Added buyer connection {connection.name!r} (id {connection.id}) "
               f"for company {connection.company.name!r}, {connection.mode} mode.")
    if not connection.return_url_prefixes:
        click.echo("Note: no --return-url-prefix given, so every setup request is refused "
                   "until one is added.", err=True)
    for shared in services.shared_identities(connection):
        click.echo(_shared_message(connection.name, shared), err=True)


def _shared_message(name: str, shared: services.SharedIdentities) -> str:
    """Why a shared identity matters, or why it is fine (a network's Sender)."""
    identities = ", ".join(shared.identities)
    if shared.ambiguous:
        return (f"Warning: {name!r} and {shared.other!r} both go by {identities} and one of "
                "them has no identity of its own: a document from either matches both, and "
                "only the shared secret tells them apart. Give each buyer its own From "
                "identity (e.g. its ANID or DUNS).")
    return (f"Note: {shared.other!r} also goes by {identities}. That is normal for a "
            "network's Sender shared by many buyers (e.g. NetworkID:AN01000000001): "
            "documents are told apart by their From identity. If it is the From of both, "
            "only the shared secret tells them apart.")


def _as_dict(connection: BuyerConnection) -> dict[str, Any]:
    """What ``buyers list`` shows: everything except secrets (only whether one is set)."""
    return {
        "id": connection.id,
        "name": connection.name,
        "company": connection.company.name,
        "protocol": connection.protocol.value,
        "active": connection.active,
        "mode": connection.mode.value,
        "identities": [str(i) for i in connection.buyer_identities],
        "shop_identities": [str(i) for i in connection.shop_identities],
        "shared_secret_set": connection.has_secret,
        "return_url_prefixes": list(connection.return_url_prefixes),
        "frame_ancestors": list(connection.frame_ancestors),
        "user_mapping": connection.user_mapping.value,
        "return_field": connection.return_field.value,
        "form_target": connection.form_target,
        "cxml_version": connection.cxml_version,
        "accepted_units": list(connection.accepted_units),
        "default_unspsc": connection.default_unspsc,
        "document_url": connection.document_url,
        "outbound_identity": (f"{connection.outbound_domain}:{connection.outbound_identity}"
                              if connection.outbound_identity else ""),
        "outbound_secret_set": bool(connection.outbound_secret_encrypted),
        "oci": dict(connection.oci_settings) if connection.protocol == Protocol.OCI else None,
    }


@buyers_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts).")
def list_command(as_json: bool) -> None:
    """List buyer connections (secrets are never printed)."""
    rows = [_as_dict(connection) for connection in services.list_connections()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No buyer connections yet: add one with `flask --app shop buyers add`.")
        return
    for row in rows:
        state = "active" if row["active"] else "inactive"
        click.echo(f"{row['id']:>4}  {row['name']}  [{row['protocol']}, {row['mode']}, {state}]"
                   f"  company: {row['company']}")
        if row["oci"]:
            click.echo(f"      OCI login: {row['oci']['username_field']}={row['oci']['username']}"
                       f", password {'set' if row['shared_secret_set'] else 'missing'}")
        else:
            click.echo(f"      identities: {', '.join(row['identities']) or '-'}")
        click.echo(f"      return URLs: {', '.join(row['return_url_prefixes']) or '-'}")
