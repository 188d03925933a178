"""``flask --app shop orders …``: list and process orders from the command line."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from shop.orders import po_queries, services

orders_cli = AppGroup("orders", help="List and process orders.")


@orders_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, one object per order.")
def list_orders(as_json: bool) -> None:
    """List every order, oldest first."""
    orders = services.all_orders()
    # Purchase orders name the buyer connection they came through ("" for checkout orders).
    connections = po_queries.connection_names([order.id for order in orders])
    rows = [services.order_as_dict(order) | {"connection": connections.get(order.id, "")}
            for order in orders]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No orders yet.")
        return
    header = f"{'NUMBER':<12} {'PLACED (UTC)':<17} {'COMPANY':<24} {'PO NUMBER':<18} " \
             f"{'SOURCE':<14} {'STATUS':<10} {'LINES':>5} {'TOTAL':>14}"
    click.echo(header)
    for row in rows:
        total = f"{row['total']} {row['currency']}"
        click.echo(
            f"{row['number']:<12} {row['placed_at'][:16].replace('T', ' '):<17} "
            f"{row['company'][:24]:<24} {row['po_number'][:18]:<18} {row['source']:<14} "
            f"{row['status']:<10} {row['lines']:>5} {total:>14}"
        )
