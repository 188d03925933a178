"""The OCI options of ``flask --app shop buyers add`` (``--protocol oci``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from shop.punchout.oci_settings import (
    CUST_SOURCES,
    HookQuery,
    MatgroupSource,
    OCISettings,
    parse_pairs,
)

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = [
    click.option("--username", help="OCI: the login user name SAP sends."),
    click.option("--password", help="OCI: the login password SAP sends (stored hashed)."),
    click.option("--username-field", default="USERNAME", show_default=True,
                 help="OCI: parameter name of the user name."),
    click.option("--password-field", default="PASSWORD", show_default=True,
                 help="OCI: parameter name of the password."),
    click.option("--hook-field", default="HOOK_URL", show_default=True,
                 help="OCI: parameter name of the return URL."),
    click.option("--login-field", "login_fields", multiple=True, metavar="NAME=VALUE",
                 help="OCI: a further fixed field the call must carry (repeatable)."),
    click.option("--allow-non-http-hook", is_flag=True,
                 help="OCI: accept SAP GUI's SAPEVENT: hook URLs."),
    click.option("--charset", default="", help="OCI: charset when SAP sends none (UTF-8)."),
    click.option("--oci-version", type=click.Choice(["4.0", "5.0"]), default="5.0",
                 show_default=True, help="OCI: version of the cart form."),
    click.option("--vendor", default="", help="OCI: the buyer's vendor number for this shop."),
    click.option("--matgroup-source", type=click.Choice([m.value for m in MatgroupSource]),
                 default="unspsc", show_default=True, help="OCI: how MATGROUP is filled."),
    click.option("--matgroup", "matgroups", multiple=True, metavar="KEY=CODE",
                 help="OCI: MATGROUP table row; KEY is a category slug or UNSPSC (repeatable)."),
    click.option("--matgroup-default", default="", help="OCI: MATGROUP when nothing matches."),
    click.option("--unit-map", "unit_map", multiple=True, metavar="OURS=THEIRS",
                 help="OCI: unit code map, e.g. EA=PCE (repeatable)."),
    click.option("--manufacturer-code", "manufacturer_codes", multiple=True,
                 metavar="NAME=CODE", help="OCI: MANUFACTCODE per manufacturer (repeatable)."),
    click.option("--cust-field", "cust_fields", multiple=True, metavar="CUST_FIELDn=SOURCE",
                 help="OCI: source of a CUST_FIELD: " + ", ".join(CUST_SOURCES)
                 + " or =TEXT (repeatable)."),
    click.option("--category-schema", default="",
                 help="OCI: send EXT_SCHEMA_TYPE (e.g. UNSPSC_V1) and the UNSPSC as category."),
    click.option("--description-length", type=int, default=40, show_default=True,
                 help="OCI: longest DESCRIPTION the buyer accepts."),
    click.option("--hook-query", type=click.Choice([h.value for h in HookQuery]),
                 default="verbatim", show_default=True,
                 help="OCI: post to HOOK_URL as received, or split its query into fields."),
]


def oci_options(command: F) -> F:
    """Add the OCI options to a click command (they arrive as keyword arguments)."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def oci_settings_from_options(options: dict[str, Any]) -> OCISettings:
    """The OCI settings named on the command line (checked later with the connection)."""
    return OCISettings(
        username=options["username"] or "",
        username_field=options["username_field"],
        password_field=options["password_field"],
        hook_field=options["hook_field"],
        login_fields=parse_pairs(options["login_fields"], "--login-field"),
        allow_non_http_hook=options["allow_non_http_hook"],
        charset=options["charset"],
        oci_version=options["oci_version"],
        vendor=options["vendor"],
        matgroup_source=MatgroupSource(options["matgroup_source"]),
        matgroup_table=parse_pairs(options["matgroups"], "--matgroup"),
        matgroup_default=options["matgroup_default"],
        unit_map=parse_pairs(options["unit_map"], "--unit-map"),
        manufacturer_codes=parse_pairs(options["manufacturer_codes"], "--manufacturer-code"),
        cust_fields=parse_pairs(options["cust_fields"], "--cust-field"),
        category_schema=options["category_schema"],
        description_length=options["description_length"],
        hook_query=HookQuery(options["hook_query"]),
    )
