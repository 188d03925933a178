"""``cxml`` commands: validate documents against local DTDs and show what a document says.

Used as ``flask --app shop cxml validate FILE…`` and ``flask --app shop cxml show FILE``.
The group is made by ``make_cli`` so that an application can supply its own default DTD
folder (the shop passes its ``CXML_DTD_DIR`` setting); ``--dtd-dir`` or the CXML_DTD_DIR
environment variable win over that default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import click

from shop.cxml.documents import (
    CXMLDocument,
    ItemIn,
    ItemOut,
    Money,
    OrderRequest,
    PunchOutOrderMessage,
    PunchOutSetupRequest,
    Response,
)
from shop.cxml.errors import CXMLError
from shop.cxml.fulfillment import ConfirmationRequest, InvoiceDetailRequest, ShipNoticeRequest
from shop.cxml.read import read_cxml
from shop.cxml.validate import validate_cxml

FALLBACK_DTD_DIR = "instance/dtd"


def make_cli(default_dtd_dir: Callable[[], str | None] | None = None) -> click.Group:
    """The ``cxml`` command group; ``default_dtd_dir`` is asked when no folder was given."""

    def dtd_folder(given: str | None) -> Path:
        if given:
            return Path(given)
        return Path((default_dtd_dir() if default_dtd_dir else None) or FALLBACK_DTD_DIR)

    dtd_option = click.option(
        "--dtd-dir", envvar="CXML_DTD_DIR", type=click.Path(file_okay=False),
        help="Folder with the DTDs as <version>/<file>.dtd (default: the app's CXML_DTD_DIR).",
    )

    @click.group("cxml", help="Validate and inspect cXML documents.")
    def group() -> None:
        pass

    @group.command("validate")
    @click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
    @dtd_option
    def validate(files: tuple[str, ...], dtd_dir: str | None) -> None:
        """Check that each FILE is well-formed and valid against its DTD (exit 1 if not)."""
        folder = dtd_folder(dtd_dir)
        failed = 0
        for name in files:
            ok, line = _validate_file(Path(name), folder)
            failed += not ok
            click.echo(f"{name}: {line}")
        if failed:
            raise SystemExit(1)

    @group.command("show")
    @click.argument("file", type=click.Path(dir_okay=False))
    def show(file: str) -> None:
        """Summarise a document: type, sender, buyer cookie or order id, lines, totals."""
        try:
            document = read_cxml(Path(file).read_bytes())
        except OSError as exc:
            raise click.ClickException(f"{file}: cannot read ({exc.strerror})") from None
        except CXMLError as exc:
            raise click.ClickException(f"{file}: {exc}") from None
        for line in describe(document):
            click.echo(line)

    return group


def _validate_file(path: Path, dtd_dir: Path) -> tuple[bool, str]:
    try:
        body = path.read_bytes()
    except OSError as exc:
        return False, f"cannot read ({exc.strerror})"
    result = validate_cxml(body, dtd_dir)
    used = ""
    if result.dtd_path is not None:
        used = f" against {result.dtd_path.parent.name}/{result.dtd_path.name}"
    note = f" ({result.note})" if result.note else ""
    if result.valid:
        return True, f"valid{used}{note}"
    first = result.errors[0] if result.errors else "invalid"
    if result.dtd_path is None:  # not parsed, or no DTD to check it with
        return False, f"{first}{note}"
    more = f" (+{len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
    return False, f"INVALID{used}: {first}{more}{note}"


# ---------- a readable summary ----------


def _money(value: Money | None) -> str:
    return "-" if value is None else f"{value.amount} {value.currency}"


def describe(document: CXMLDocument) -> Iterator[str]:
    """Lines of a human-readable summary of a document."""
    envelope = document.envelope
    yield f"Type:      {document.kind} ({document.category}, {envelope.deployment_mode})"
    yield f"payloadID: {envelope.payload_id}"
    yield f"Timestamp: {envelope.timestamp.isoformat()}"
    if envelope.dtd_file:
        yield f"DTD:       {envelope.dtd_file} {envelope.dtd_version or ''}".rstrip()
    if document.header is not None:
        header = document.header
        for label, party in (("From", header.from_), ("To", header.to),
                             ("Sender", header.sender)):
            names = ", ".join(f"{c.domain or '(no domain)'}:{c.identity}"
                              for c in party.credentials)
            yield f"{label + ':':<10} {names}"
        yield f"UserAgent: {header.user_agent or '-'}"
    yield from _describe_payload(document)


def _describe_payload(document: CXMLDocument) -> Iterator[str]:
    payload = document.payload
    if isinstance(payload, PunchOutSetupRequest):
        yield f"Operation: {payload.operation}"
        yield f"BuyerCookie: {payload.buyer_cookie}"
        yield f"Return URL: {payload.browser_form_post_url or '-'}"
        for name, value in payload.extrinsics.pairs:
            yield f"Extrinsic: {name} = {value}"
        yield from _lines(payload.items)
    elif isinstance(payload, PunchOutOrderMessage):
        yield f"BuyerCookie: {payload.buyer_cookie}"
        yield f"operationAllowed: {payload.operation_allowed}"
        yield from _lines(payload.items)
        yield f"Total: {_money(payload.total)}"
        yield f"Shipping: {_money(payload.shipping.money if payload.shipping else None)}"
        yield f"Tax: {_money(payload.tax.money if payload.tax else None)}"
    elif isinstance(payload, OrderRequest):
        head = payload.header
        version = f", version {head.order_version}" if head.order_version is not None else ""
        yield f"Order: {head.order_id} ({head.type}{version})"
        yield from _lines(payload.items)
        yield f"Total: {_money(head.total)}"
    elif isinstance(payload, Response):
        status = payload.status
        detail = f": {status.detail}" if status.detail else ""
        yield f"Status: {status.code} {status.text}{detail}"
        if payload.body is not None:
            yield f"Body: {payload.body}"
    else:
        yield from _describe_fulfillment(payload)


def _describe_fulfillment(payload: object) -> Iterator[str]:
    if isinstance(payload, ConfirmationRequest):
        yield f"Confirmation: {payload.type} of order {payload.order.order_id or '-'}"
        for item in payload.items:
            statuses = ", ".join(f"{s.quantity} {s.type}" for s in item.statuses)
            yield f"  line {item.line_number}: {item.quantity} {item.unit_of_measure}: {statuses}"
    elif isinstance(payload, ShipNoticeRequest):
        yield (f"Shipment: {payload.shipment_id} by {payload.carrier or '-'}, "
               f"tracking {payload.tracking_number or '-'}")
        for portion in payload.portions:
            reference = portion.order.order_id or portion.order.payload_id
            yield f"  order {reference}: {len(portion.items)} line(s)"
    elif isinstance(payload, InvoiceDetailRequest):
        summary = payload.summary
        yield f"Invoice: {payload.invoice_id} ({payload.purpose})"
        for order in payload.orders:
            reference = order.order.order_id or order.order.payload_id or "-"
            yield f"  order {reference}: {len(order.items)} line(s)"
        yield (f"Subtotal: {_money(summary.subtotal)}  Tax: {_money(summary.tax)}  "
               f"Net: {_money(summary.net)}  Due: {_money(summary.due)}")
    elif payload is None:
        yield "(this kind of document is not read in detail)"


def _lines(items: Sequence[ItemIn | ItemOut]) -> Iterator[str]:
    yield f"Lines: {len(items)}"
    for position, item in enumerate(items, 1):
        number = item.line_number if item.line_number is not None else position
        detail = item.detail
        if detail is None:
            yield f"  {number}: {item.quantity} x {item.item_id.supplier_part_id}"
            continue
        price = detail.unit_price
        yield (f"  {number}: {item.quantity} {detail.unit_of_measure} x "
               f"{item.item_id.supplier_part_id} @ {price.amount} {price.currency}  "
               f"{detail.short_name or detail.description}")


cxml_cli = make_cli()
