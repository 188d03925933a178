"""A stored order the shop refuses is rejected to the buyer with a ConfirmationRequest.

The one case where this is the buyer's only news: a large order answered 201 Accepted and
refused while it is processed. The rule is the same for a refusal answered at once, and it
never applies to an order that exists (the refused update of a shipped order stands).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from shop import cxml
from shop.extensions import db
from shop.orders import fulfilment
from shop.orders.inbound import InboundDocument, InboundStatus
from shop.orders.models import Order
from shop.orders.outbox import OutboxMessage, OutboxStatus
from shop.orders.po_models import CatalogPolicy, OrderPolicy
from tests.conftest import dtd_path
from tests.fake_buyer import FakeBuyer, serve
from tests.intake_support import (
    BUYER,
    OUTBOUND_SECRET,
    SHOP,
    Line,
    catalog,  # noqa: F401  (fixture)
    make_buyer_fixture,  # noqa: F401  (fixture)
    order_request,
    post_po,
    status_of,
)

pytestmark = pytest.mark.shared


@pytest.fixture
def fake_buyer() -> Iterator[FakeBuyer]:
    yield from serve(FakeBuyer())


@pytest.fixture
def buyer(app: Any, make_buyer: Any, catalog: Any, fake_buyer: FakeBuyer) -> Any:  # noqa: F811
    app.config.update(OUTBOX_ALLOW_PRIVATE_TARGETS=True, OUTBOX_BACKOFF_BASE=0,
                      INTAKE_SYNC_MAX_LINES=2)
    return make_buyer(document_url=fake_buyer.url)


def reject_policy(connection_id: int) -> None:
    db.session.add(OrderPolicy(connection_id=connection_id, catalog_policy=CatalogPolicy.REJECT))
    db.session.commit()


def messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def the_rejection() -> cxml.ConfirmationRequest:
    """The one queued document: a DTD-valid reject ConfirmationRequest."""
    [message] = messages()
    assert message.document_type == "ConfirmationRequest" and message.order_id is None
    assert OUTBOUND_SECRET.encode() not in message.body
    result = cxml.validate_cxml(message.body, dtd_path())
    assert result.valid, result.errors
    document = cxml.read_cxml(message.body)
    assert document.header is not None
    assert [(c.domain, c.identity) for c in document.header.to.credentials] == [BUYER]
    assert [(c.domain, c.identity) for c in document.header.from_.credentials] == [SHOP]
    request = document.payload
    assert isinstance(request, cxml.ConfirmationRequest) and request.type == "reject"
    return request


def large_order(**fields: Any) -> bytes:
    lines = [Line("PEN-001", "1", "1.20", number=n) for n in (1, 2, 3)]
    return order_request(fields.pop("lines", lines), **fields)


def test_a_large_order_refused_by_policy_after_201_is_rejected_to_the_buyer(
        runner: Any, client: Any, buyer: Any, fake_buyer: FakeBuyer) -> None:
    reject_policy(buyer.id)
    lines = [Line("NOT-SOLD", "1", "5.00", number=n) for n in (1, 2, 3)]
    response = post_po(client, large_order(lines=lines, payload_id="big-406@buyer.example"))
    assert status_of(response.data)[0] == 201
    assert messages() == []  # nothing is known before processing
    response.close()
    document = db.session.scalar(select(InboundDocument))
    assert document.status == InboundStatus.REJECTED and document.answer_code == 201
    request = the_rejection()
    assert request.order.order_id == "PO-4711"
    assert request.order.payload_id == "big-406@buyer.example"
    assert request.comments is not None and "NOT-SOLD" in request.comments
    result = runner.invoke(args=["outbox", "run", "--once"])
    assert "sent 1" in result.output, result.output
    assert fake_buyer.payload_ids() == [messages()[0].payload_id]
    assert messages()[0].status == OutboxStatus.SENT
    assert db.session.scalar(select(Order)) is None


def test_a_large_order_with_an_unreadable_line_is_rejected_too(client: Any,
                                                                buyer: Any) -> None:
    lines = [Line("PEN-001", "1", "1.20", number=1), Line("PEN-001", "0", "1.20", number=2),
             Line("PEN-001", "1", "1.20", number=3)]
    response = post_po(client, large_order(lines=lines, total="2.40",
                                           payload_id="big-400@buyer.example"))
    assert status_of(response.data)[0] == 201
    response.close()
    request = the_rejection()
    assert request.order.payload_id == "big-400@buyer.example"
    assert request.comments is not None and "quantity" in request.comments


def test_a_refusal_answered_at_once_is_confirmed_the_same_way(client: Any,
                                                              buyer: Any) -> None:
    reject_policy(buyer.id)
    response = post_po(client, order_request([Line("NOT-SOLD", "1", "5.00")],
                                             payload_id="small-406@buyer.example"))
    assert status_of(response.data)[0] == 406
    assert the_rejection().order.payload_id == "small-406@buyer.example"
    # The same document again replays the answer and queues nothing more.
    post_po(client, order_request([Line("NOT-SOLD", "1", "5.00")],
                                  payload_id="small-406@buyer.example"))
    assert len(messages()) == 1


def test_without_a_document_url_the_refusal_is_only_recorded(app: Any, client: Any,
                                                             make_buyer: Any,  # noqa: F811
                                                             catalog: Any) -> None:  # noqa: F811
    app.config["INTAKE_SYNC_MAX_LINES"] = 2
    connection = make_buyer(document_url="")
    reject_policy(connection.id)
    lines = [Line("NOT-SOLD", "1", "5.00", number=n) for n in (1, 2, 3)]
    post_po(client, order_request(lines)).close()
    assert db.session.scalar(select(InboundDocument)).status == InboundStatus.REJECTED
    assert messages() == []


def test_a_refused_update_of_a_shipped_order_rejects_nothing(client: Any,
                                                             buyer: Any) -> None:
    assert status_of(post_po(client, order_request(payload_id="v1@b")).data)[0] == 200
    order = db.session.scalar(select(Order))
    fulfilment.confirm_order(order.id, "staff@shop.test")
    fulfilment.ship_order(order.id, "staff@shop.test", "UPS", "1Z")
    before = [m.document_type for m in messages()]
    update = order_request([Line("PEN-001", "20", "1.20")], type="update", payload_id="v2@b")
    assert status_of(post_po(client, update).data)[0] == 409
    assert [m.document_type for m in messages()] == before  # the order stands


def test_a_large_order_the_toolkit_cannot_read_is_rejected_by_its_header(
        client: Any, buyer: Any) -> None:
    body = large_order(payload_id="big-bad@buyer.example")
    assert body.count(b'quantity="1"') == 3
    response = post_po(client, body.replace(b'quantity="1"', b'quantity="lots"', 1))
    assert status_of(response.data)[0] == 201
    response.close()
    document = db.session.scalar(select(InboundDocument))
    assert document.status == InboundStatus.REJECTED and "quantity" in document.error
    request = the_rejection()
    assert (request.order.order_id, request.order.payload_id) == (
        "PO-4711", "big-bad@buyer.example")
