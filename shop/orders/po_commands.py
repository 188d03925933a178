"""Command line for purchase orders and the outbox (the same use cases as the back office).

``flask --app shop orders confirm|ship|invoice|cancel PO_NUMBER`` act on a buyer's PO;
``flask --app shop outbox run [--once]`` is the background worker: it processes stored
documents nobody is working on and delivers due documents to buyers.
"""

from __future__ import annotations

import getpass
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from shop.errors import ShopError
from shop.extensions import db
from shop.orders import delivery, documents, fulfilment, intake, outbox
from shop.orders.commands import orders_cli
from shop.orders.fulfilment_models import LineDecision

log = logging.getLogger(__name__)

outbox_cli = AppGroup("outbox", help="Deliver documents to buyers, list and resend them.")


def _actor() -> str:
    try:
        return f"cli ({getpass.getuser()})"
    except (KeyError, OSError):
        return "cli"


def _order_id(po_number: str, connection: str | None) -> int:
    with _clean_errors():
        return fulfilment.order_id_for(po_number, connection)


@contextmanager
def _clean_errors() -> Iterator[None]:
    """The use cases' refusals as a clean message and exit code 1 (no traceback)."""
    try:
        yield
    except ShopError as error:
        raise click.ClickException(str(error)) from None


_connection = click.option("--connection", help="Buyer connection name, when several "
                                                "buyers use the same PO number.")


@orders_cli.command("confirm")
@click.argument("po_number")
@click.option("--reject", is_flag=True, help="Reject the whole order instead.")
@click.option("--reject-line", "reject_lines", multiple=True, type=int, metavar="N",
              help="Reject line N (repeatable); the other lines are accepted.")
@click.option("--backorder-line", "backorder_lines", multiple=True, type=int, metavar="N",
              help="Backorder line N (repeatable).")
@click.option("--comment", default="", help="Comment for the buyer.")
@_connection
def confirm_command(po_number: str, reject: bool, reject_lines: tuple[int, ...],
                    backorder_lines: tuple[int, ...], comment: str,
                    connection: str | None) -> None:
    """Confirm (or reject) purchase order PO_NUMBER and send the buyer a confirmation."""
    order_id = _order_id(po_number, connection)
    choices = [fulfilment.LineChoice(n, LineDecision.REJECT) for n in reject_lines]
    choices += [fulfilment.LineChoice(n, LineDecision.BACKORDER) for n in backorder_lines]

    with _clean_errors():
        confirmation = fulfilment.confirm_order(order_id, _actor(), reject=reject,
                                                lines=choices, comments=comment)
        click.echo(f"Confirmation {confirmation.confirm_id} ({confirmation.type}) queued "
                   "for the buyer.")


def _quantities(values: tuple[str, ...]) -> dict[int, Decimal] | None:
    if not values:
        return None
    result = {}
    for value in values:
        number, _, quantity = value.partition("=")
        try:
            result[int(number)] = Decimal(quantity)
        except (ValueError, InvalidOperation):
            raise click.BadParameter(f"{value!r} is not LINE=QUANTITY",
                                     param_hint="--line") from None
    return result


@orders_cli.command("ship")
@click.argument("po_number")
@click.option("--carrier", required=True, help="Carrier name, e.g. UPS.")
@click.option("--tracking", default="", help="Tracking number.")
@click.option("--line", "lines", multiple=True, metavar="N=QTY",
              help="Ship QTY of line N (repeatable); default: everything left.")
@_connection
def ship_command(po_number: str, carrier: str, tracking: str, lines: tuple[str, ...],
                 connection: str | None) -> None:
    """Ship purchase order PO_NUMBER (or part of it) and send the buyer a ship notice."""
    order_id = _order_id(po_number, connection)
    quantities = _quantities(lines)

    with _clean_errors():
        shipment = fulfilment.ship_order(order_id, _actor(), carrier, tracking, quantities)
        kind = "complete" if shipment.complete else "partial"
        click.echo(f"Shipment {shipment.shipment_id} ({kind}) queued for the buyer.")


@orders_cli.command("invoice")
@click.argument("po_number")
@click.option("--tax-rate", type=Decimal, default=Decimal("0"), show_default=True,
              help="Tax rate in percent.")
@click.option("--pay-in-days", type=int, help="Payment terms; default: the company's.")
@_connection
def invoice_command(po_number: str, tax_rate: Decimal, pay_in_days: int | None,
                    connection: str | None) -> None:
    """Invoice what was shipped on PO_NUMBER and send the buyer the invoice."""
    order_id = _order_id(po_number, connection)

    with _clean_errors():
        invoice = fulfilment.invoice_order(order_id, _actor(), tax_rate, pay_in_days)
        click.echo(f"Invoice {invoice.invoice_id} ({invoice.net:.2f} {invoice.currency}) "
                   "queued for the buyer.")


@orders_cli.command("cancel")
@click.argument("po_number")
@click.option("--reason", default="", help="Why, for the buyer.")
@_connection
def cancel_command(po_number: str, reason: str, connection: str | None) -> None:
    """Cancel PO_NUMBER (not shipped yet) and tell the buyer."""
    order_id = _order_id(po_number, connection)

    with _clean_errors():
        fulfilment.cancel_order(order_id, _actor(), reason)
        click.echo(f"Order for PO {po_number} cancelled; the buyer will be told.")


# ---------- outbox ----------


@outbox_cli.command("run")
@click.option("--once", is_flag=True, help="One pass, then exit (for cron or tests).")
def run_command(once: bool) -> None:
    """Process stored purchase orders and deliver due documents, until interrupted."""
    host = documents.payload_host()
    while True:
        done = run_pass(host)
        if done is None:  # the database failed: logged; try again after a pause
            if once:
                raise click.ClickException("the database is unavailable; nothing was done")
            time.sleep(current_app.config["OUTBOX_POLL_SECONDS"])
            continue
        processed, report = done
        if processed or report.total or once:
            click.echo(f"processed {processed} stored document(s); sent {report.sent}, "
                       f"retrying {report.retried}, failed {report.failed}")
        if once:
            return
        if not (processed or report.total):
            time.sleep(current_app.config["OUTBOX_POLL_SECONDS"])


def run_pass(host: str) -> tuple[int, delivery.DeliveryReport] | None:
    """One pass of the worker; None when the database failed during it.

    A worker must outlive a database outage (a restart, a failover, a lock held too long):
    what the failed pass had claimed is released by its lease and done by a later pass.
    """
    try:
        return intake.process_pending(host), delivery.deliver_due()
    except SQLAlchemyError as error:
        db.session.remove()
        log.warning("outbox pass failed, the database is unavailable: %s",
                    type(error).__name__)
        return None


@outbox_cli.command("list")
@click.option("--status", type=click.Choice([s.value for s in outbox.OutboxStatus]))
@click.option("--json", "as_json", is_flag=True, help="A JSON array, one object per document.")
def list_command(status: str | None, as_json: bool) -> None:
    """List outbox documents, newest first."""
    messages = outbox.list_messages(outbox.OutboxStatus(status) if status else None)
    rows = [{
        "id": m.id, "document_type": m.document_type, "reference": m.reference,
        "payload_id": m.payload_id, "status": m.status.value, "attempts": m.attempts,
        "last_status_code": m.last_status_code, "last_error": m.last_error,
        "created_at": m.created_at.isoformat(),
    } for m in messages]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"{row['id']:>5} {row['document_type']:<22} {row['reference']:<20} "
                   f"{row['status']:<8} {row['attempts']:>3} {row['last_error'][:40]}")


@outbox_cli.command("resend")
@click.argument("message_id", type=int)
def resend_command(message_id: int) -> None:
    """Queue document MESSAGE_ID to be sent again (same payloadID)."""

    with _clean_errors():
        message = outbox.resend(message_id, _actor())
        click.echo(f"{message.document_type} {message.reference} queued again.")
