"""``flask --app shop sandbox …``: connect profiles and run the whole journey headless."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import DBAPIError

from shop.extensions import db
from shop.punchout.errors import ConnectionInvalid
from shop.sandbox.connect import Credentials, connect_profile
from shop.sandbox.profiles import OPERATIONS, PROFILES, get_profile
from shop.sandbox.report import StepFailed
from shop.sandbox.runner import Target, run_journey

sandbox_cli = AppGroup("sandbox", help="The procurement sandbox: a built-in buyer simulator.")


def _default_base() -> str:
    return current_app.config.get("SHOP_BASE_URL") or "http://127.0.0.1:5000"


@sandbox_cli.command("profiles")
def profiles_command() -> None:
    """List the buyer profiles."""
    for profile in PROFILES.values():
        click.echo(f"{profile.key:<9} {profile.system}")
        click.echo(f"          {profile.summary}")


@sandbox_cli.command("connect")
@click.option("--profile", "profile_key", type=click.Choice(list(PROFILES)), required=True)
@click.option("--shop-url", default=None, metavar="URL",
              help="This shop's public URL (default SHOP_BASE_URL or http://127.0.0.1:5000).")
def connect_command(profile_key: str, shop_url: str | None) -> None:
    """Create (or align) the buyer connection that matches a profile in this shop."""
    profile = get_profile(profile_key)
    try:
        credentials = connect_profile(profile, shop_url or _default_base())
    except ConnectionInvalid as error:
        raise click.ClickException(str(error)) from None
    verb = "Created" if credentials.created else "Updated"
    click.echo(f"{verb} buyer connection {credentials.connection_name!r} "
               f"(id {credentials.connection_id}) for {profile.company}.")


@sandbox_cli.command("run")
@click.option("--profile", "profile_key", type=click.Choice(list(PROFILES)), required=True)
@click.option("--shop-url", required=True, metavar="URL", help="The supplier's shop, e.g. "
              "http://127.0.0.1:5000")
@click.option("--operation", type=click.Choice(OPERATIONS), default="create",
              show_default=True)
@click.option("--lines", type=click.IntRange(1, 50), default=2, show_default=True,
              help="How many different products to add.")
@click.option("--item", default=None, metavar="SKU", help="Level-2 PunchOut: open this item.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--secret", default=None, help="Use this shared secret (a shop elsewhere, "
              "whose connection for this profile's identities you made) instead of "
              "connecting in this shop's database.")
@click.option("--oci-password", default="", help="OCI password, with --secret.")
@click.option("--setup-url", default="", help="Default <shop-url>/punchout/setup.")
@click.option("--oci-url", default="", help="Default <shop-url>/punchout/oci.")
@click.option("--order-url", default="", help="Default <shop-url>/orders/cxml.")
@click.option("--return-url", default="", help="BrowserFormPost / HOOK_URL to send.")
@click.option("--skip-dtd", is_flag=True, help="Do not validate against the DTDs.")
def run_command(profile_key: str, shop_url: str, operation: str, lines: int, item: str | None,
                as_json: bool, secret: str | None, oci_password: str, setup_url: str,
                oci_url: str, order_url: str, return_url: str, skip_dtd: bool) -> None:
    """Play a buyer's whole journey against a shop and print a conformance report."""
    profile = get_profile(profile_key)
    if operation not in profile.operations:
        raise click.UsageError(f"profile {profile.key} uses {', '.join(profile.operations)}")
    dtd_dir = None if skip_dtd else Path(current_app.config["CXML_DTD_DIR"])
    target = Target.for_shop(shop_url, dtd_dir=dtd_dir, setup_url=setup_url, oci_url=oci_url,
                             order_url=order_url, return_url=return_url)

    def connect() -> Credentials:
        if secret is not None:
            return Credentials(f"{profile.connection_name} (given)", secret,
                               oci_password=oci_password)
        try:
            return connect_profile(profile, target.return_url)
        except DBAPIError as error:  # e.g. "no such table": a database never migrated
            db.session.rollback()
            raise StepFailed(
                f"cannot use this shop's database ({str(error.orig).splitlines()[0][:120]}): "
                "run `flask --app shop db upgrade` first, or pass --secret to play against "
                "a shop whose connection you made yourself") from None

    report = run_journey(profile, target, connect, operation=operation, lines=lines, item=item)
    click.echo(report.to_json() if as_json else report.to_text())
    sys.exit(0 if report.passed else 1)
