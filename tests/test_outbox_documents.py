"""Confirm, ship, invoice and cancel: the use cases, their CLI, and the documents they write.

Every outbound document is validated against the official DTDs (``dtd_path()``: the shared
copy, or the one `make dtds` fetched).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from shop import cxml
from shop.extensions import db
from shop.orders import fulfilment
from shop.orders.fulfilment_models import LineDecision
from shop.orders.models import Order, OrderStatus
from shop.orders.outbox import OutboxMessage
from tests.conftest import dtd_path
from tests.intake_support import (
    BUYER,
    SHOP,
    Line,
    catalog,  # noqa: F401  (fixture)
    make_buyer_fixture,  # noqa: F401  (fixture)
    order_request,
    post_po,
    status_of,
)

pytestmark = pytest.mark.shared
STAFF = "staff@shop.test"


@pytest.fixture
def order(client: Any, make_buyer: Any, catalog: Any) -> Order:  # noqa: F811
    make_buyer(document_url="https://buyer.example/cxml")
    body = order_request([Line("PEN-001", "10", "1.20", aux="AUX-7"),
                          Line("PAPER-A4", "4", "4.50")], payload_id="po-1@buyer.example")
    assert status_of(post_po(client, body).data)[0] == 200
    return db.session.scalar(select(Order))


def documents() -> list[tuple[str, bytes]]:
    return [(m.document_type, m.body) for m in db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id))]


def assert_valid(body: bytes) -> cxml.CXMLDocument:
    result = cxml.validate_cxml(body, dtd_path())
    assert result.valid, result.errors
    return cxml.read_cxml(body)


def test_the_whole_journey_writes_valid_documents(runner: Any, order: Order) -> None:
    for args in (["confirm", "PO-4711"],
                 ["ship", "PO-4711", "--carrier", "UPS", "--tracking", "1Z999", "--line", "1=4"],
                 ["ship", "PO-4711", "--carrier", "DHL", "--tracking", "JD0002"],
                 ["invoice", "PO-4711", "--tax-rate", "19", "--pay-in-days", "14"]):
        result = runner.invoke(args=["orders", *args])
        assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.INVOICED
    kinds = [kind for kind, _ in documents()]
    assert kinds == ["ConfirmationRequest", "ShipNoticeRequest", "ShipNoticeRequest",
                     "InvoiceDetailRequest"]
    parsed = [assert_valid(body) for _, body in documents()]
    header = parsed[0].header
    assert header.from_.matches(*SHOP) and header.to.matches(*BUYER)
    confirmation = parsed[0].payload_as(cxml.ConfirmationRequest)
    assert confirmation.type == "accept" and confirmation.order.order_id == "PO-4711"
    assert confirmation.order.payload_id == "po-1@buyer.example"
    first, second = (p.payload_as(cxml.ShipNoticeRequest) for p in parsed[1:3])
    assert first.carrier == "UPS" and first.tracking_number == "1Z999"
    assert [(i.line_number, i.quantity) for i in first.portions[0].items] == [(1, Decimal(4))]
    assert [(i.line_number, i.quantity) for i in second.portions[0].items] == [
        (1, Decimal(6)), (2, Decimal(4))]
    invoice = parsed[3].payload_as(cxml.InvoiceDetailRequest)
    assert invoice.summary.subtotal.amount == Decimal("30.00")
    assert invoice.summary.tax.amount == Decimal("5.70")
    assert invoice.summary.net.amount == Decimal("35.70") and invoice.pay_in_days == 14


def test_a_detailed_confirmation_per_line(order: Order) -> None:
    fulfilment.confirm_order(order.id, STAFF, lines=[
        fulfilment.LineChoice(1, LineDecision.ACCEPT, Decimal("6")),
        fulfilment.LineChoice(1, LineDecision.BACKORDER, Decimal("4")),
        fulfilment.LineChoice(2, LineDecision.REJECT),
    ], comments="Line 2 is discontinued")
    [(_, body)] = documents()
    confirmation = assert_valid(body).payload_as(cxml.ConfirmationRequest)
    assert confirmation.type == "detail"
    statuses = {item.line_number: [(s.type, s.quantity) for s in item.statuses]
                for item in confirmation.items}
    assert statuses == {1: [("accept", Decimal(6)), ("backordered", Decimal(4))],
                        2: [("reject", Decimal(4))]}
    # Only what was accepted or backordered is left to ship.
    assert fulfilment.remaining_to_ship(order) == {1: Decimal(10), 2: Decimal(0)}


def test_rejecting_the_order(runner: Any, order: Order) -> None:
    result = runner.invoke(args=["orders", "confirm", "PO-4711", "--reject"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.REJECTED
    [(_, body)] = documents()
    assert assert_valid(body).payload_as(cxml.ConfirmationRequest).type == "reject"


def test_cancelling_tells_the_buyer(runner: Any, order: Order) -> None:
    fulfilment.confirm_order(order.id, STAFF)
    result = runner.invoke(args=["orders", "cancel", "PO-4711", "--reason", "Out of stock"])
    assert result.exit_code == 0, result.output
    cancel = assert_valid(documents()[1][1]).payload_as(cxml.ConfirmationRequest)
    assert cancel.type == "reject" and cancel.operation == "update"
    assert cancel.comments == "Out of stock"


def test_shipping_needs_a_confirmed_order(runner: Any, order: Order) -> None:
    result = runner.invoke(args=["orders", "ship", "PO-4711", "--carrier", "UPS"])
    assert result.exit_code == 1 and "only confirmed orders" in result.output
    assert documents() == []


def test_quantities_are_checked(order: Order) -> None:
    fulfilment.confirm_order(order.id, STAFF)
    with pytest.raises(fulfilment.FulfilmentError, match="at most 10"):
        fulfilment.ship_order(order.id, STAFF, "UPS", "", {1: Decimal("11")})
    with pytest.raises(fulfilment.FulfilmentError, match="no line 9"):
        fulfilment.ship_order(order.id, STAFF, "UPS", "", {9: Decimal("1")})
    with pytest.raises(fulfilment.FulfilmentError, match="Nothing shipped"):
        fulfilment.invoice_order(order.id, STAFF)
    assert len(documents()) == 1  # only the confirmation


def test_an_update_after_a_partial_shipment_is_a_conflict(client: Any, order: Order) -> None:
    fulfilment.confirm_order(order.id, STAFF)
    fulfilment.ship_order(order.id, STAFF, "UPS", "1Z", {1: Decimal("1")})
    code, text = status_of(post_po(client, order_request(type="update",
                                                         payload_id="v2@b")).data)
    assert code == 409 and "already shipped" in text
    with pytest.raises(fulfilment.FulfilmentError, match="has shipments"):
        fulfilment.cancel_order(order.id, STAFF)


def test_unknown_po_numbers_are_refused(runner: Any, order: Order) -> None:
    result = runner.invoke(args=["orders", "confirm", "NOPE"])
    assert result.exit_code == 1 and "No purchase order 'NOPE'" in result.output


def test_orders_list_names_the_connection(runner: Any, order: Order) -> None:
    import json

    rows = json.loads(runner.invoke(args=["orders", "list", "--json"]).output)
    assert rows[0]["po_number"] == "PO-4711" and rows[0]["connection"] == "Acme Coupa"
