"""Every real OrderRequest in ../shared/cxml/samples/order_request becomes an order.

For each document, the test first does what staff would do: a buyer connection with the
document's From and Sender identities and its shared secret, and its SKUs in the catalog
at the prices it orders at. Then the document is posted exactly as it is.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from shop import cxml
from shop.cxml.read_items import item_out
from shop.extensions import db
from shop.orders.inbound import InboundDocument
from shop.orders.models import Order, OrderSource
from shop.orders.po_models import PurchaseOrder
from shop.punchout.models import ConnectionMode
from tests.conftest import shared_names, shared_path
from tests.intake_support import make_buyer_fixture, post_po, status_of  # noqa: F401

pytestmark = pytest.mark.shared

ADDED_SECRET = "added-by-the-test"


def _with_secret(body: bytes) -> tuple[bytes, str]:
    """The document, with a SharedSecret added to the Sender when it has none (one sample
    comes from a library's builder test and carries no authenticator)."""
    document = cxml.read_cxml(body)
    assert document.header is not None
    if document.header.shared_secret is not None:
        return body, document.header.shared_secret
    sender = re.search(rb"<Sender>.*?</Identity>", body, re.S)
    assert sender is not None
    position = sender.end()
    secret = f"<SharedSecret>{ADDED_SECRET}</SharedSecret>".encode()
    return body[:position] + secret + body[position:], ADDED_SECRET


@pytest.mark.parametrize("name", shared_names("cxml/samples/order_request", "*.xml"))
def test_a_real_order_request_becomes_an_order(client: Any, make_buyer: Any,
                                               make_product: Any, name: str) -> None:
    body, secret = _with_secret(shared_path("cxml", "samples", "order_request",
                                            name).read_bytes())
    document = cxml.read_cxml(body)
    header, request = document.header, document.payload_as(cxml.OrderRequest)
    assert header is not None
    # Every ItemOut, wherever the sender put it (one sample nests them in a Message).
    items = [item_out(element, n) for n, element in
             enumerate(cxml.parse_xml(body).iter("ItemOut"), start=1)]
    assert items
    credentials = header.from_.credentials + header.sender.credentials
    identities = {(c.domain, c.identity) for c in credentials}
    currency = request.header.total.currency
    mode = ConnectionMode.TEST if document.deployment_mode == "test" else \
        ConnectionMode.PRODUCTION
    connection = make_buyer(f"Sample {name[:40]}", identities=sorted(identities), secret=secret,
                            company=f"Buyer of {name[:40]}", mode=mode)
    connection.company.currency = currency
    for item in items:
        sku = item.item_id.supplier_part_id
        if not _product(sku):
            assert item.detail is not None
            make_product(sku, item.detail.description[:100] or sku,
                         f"{item.detail.unit_price.amount}", currency=currency)
    db.session.commit()

    response = post_po(client, body)
    code, text = status_of(response.data)
    assert response.status_code == 200 and code == 200, text
    order = db.session.scalar(select(Order))
    assert order.source == OrderSource.PURCHASE_ORDER
    assert order.po_number == request.header.order_id
    assert order.company_id == connection.company_id
    assert len(order.lines) == len(items)
    assert order.subtotal == sum((line.line_total for line in order.lines), Decimal("0"))
    po = db.session.scalar(select(PurchaseOrder))
    assert not [f for f in po.open_flags if f.code in ("unknown_sku", "price_contract")]
    stored = db.session.scalar(select(InboundDocument))
    assert secret.encode() not in stored.masked_body
    # The buyer's retry gets the same answer and changes nothing.
    assert post_po(client, body).data == response.data
    assert len(db.session.scalars(select(Order)).all()) == 1


def _product(sku: str) -> bool:
    from shop.catalog.models import Product

    return db.session.scalar(select(Product.id).where(Product.sku == sku)) is not None
