"""``flask --app shop users …``: manage users from the command line."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from shop.accounts import services
from shop.accounts.models import Role

users_cli = AppGroup("users", help="Manage users and companies.")


@users_cli.command("add")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The user's password (asked for when not given).")
@click.option("--company", "company_name", help="The user's company; created when missing.")
@click.option("--role", default=Role.BUYER.value, show_default=True,
              help="buyer, company-admin or staff.")
@click.option("--first-name", default="", help="Given name.")
@click.option("--last-name", default="", help="Family name.")
def add_user(email: str, password: str, company_name: str | None, role: str,
             first_name: str, last_name: str) -> None:
    """Create a user EMAIL (and their company when it does not exist yet)."""
    try:
        user = services.create_user(email, password, company_name, role,
                                    first_name=first_name, last_name=last_name)
    except services.AccountError as error:
        raise click.ClickException(str(error)) from None
    company = user.company.name if user.company else "no company"
    click.echo(f"Created {user.role.value} {user.email} ({company}).")


@users_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per user, in an array.")
def list_users(as_json: bool) -> None:
    """List every user with their role and company."""
    rows = [
        {"email": user.email, "role": user.role.value,
         "company": user.company.name if user.company else None,
         "active": user.is_active_user}
        for user in services.all_users()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        state = "" if row["active"] else "  (deactivated)"
        click.echo(f"{row['email']:<40} {row['role']:<14} {row['company'] or '-'}{state}")
