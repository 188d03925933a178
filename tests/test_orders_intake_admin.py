"""The purchase-order back office: incoming POs, flags, actions, documents, timeline, outbox."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from shop.accounts.models import Role
from shop.extensions import db
from shop.orders.inbound import InboundDocument, InboundStatus
from shop.orders.models import Order, OrderStatus
from shop.orders.outbox import OutboxMessage, OutboxStatus
from shop.orders.po_models import PurchaseOrder
from shop.punchout import services as punchout
from shop.punchout.models import TransferredLine
from tests.admin_support import log_in, post
from tests.intake_support import (
    SECRET,
    Line,
    catalog,  # noqa: F401  (fixture)
    make_buyer_fixture,  # noqa: F401  (fixture)
    order_request,
    post_po,
    status_of,
)


@pytest.fixture
def buyer(make_buyer: Any, catalog: Any) -> Any:  # noqa: F811
    return make_buyer(document_url="https://buyer.example/cxml")


@pytest.fixture
def staff(client: Any, make_user: Any) -> Any:
    user = make_user("staff@shop.test", role=Role.STAFF)
    log_in(client, user)
    return user


@pytest.fixture
def po(client: Any, buyer: Any) -> PurchaseOrder:
    body = order_request([Line("PEN-001", "10", "0.99"), Line("PAPER-A4", "4", "4.50")],
                         payload_id="admin-po-1@b")
    assert status_of(post_po(client, body).data)[0] == 200
    return db.session.scalar(select(PurchaseOrder))


def test_only_staff_see_purchase_orders(client: Any, make_user: Any, po: PurchaseOrder) -> None:
    assert client.get("/admin/purchase-orders").status_code == 302  # to the login page
    log_in(client, make_user("buyer@acme.test"))
    for url in ("/admin/purchase-orders", f"/admin/purchase-orders/{po.id}", "/admin/outbox",
                "/admin/purchase-orders/documents"):
        assert client.get(url).status_code == 403, url


def test_the_list_and_the_po_page_show_status_flags_and_versions(
        client: Any, staff: Any, po: PurchaseOrder) -> None:
    page = client.get("/admin/purchase-orders").text
    assert "PO-4711" in page and "1 to review" in page and "Acme Coupa" in page
    assert "Purchase orders" in page  # the back-office navigation has the section
    review = client.get("/admin/purchase-orders?review=1").text
    assert "PO-4711" in review
    detail = client.get(f"/admin/purchase-orders/{po.id}").text
    assert "price contract" in detail and "Ordered at 0.99 EUR" in detail
    assert "admin-po-1@b" in detail and "applied" in detail
    assert "Send confirmation" in detail


def test_the_raw_document_is_shown_without_the_secret(client: Any, staff: Any,
                                                      po: PurchaseOrder) -> None:
    document = db.session.scalar(select(InboundDocument))
    page = client.get(f"/admin/purchase-orders/documents/{document.id}").text
    assert "&lt;SharedSecret&gt;***&lt;/SharedSecret&gt;" in page
    assert SECRET not in page and document.sha256 in page
    assert "admin-po-1@b" in client.get("/admin/purchase-orders/documents").text


def test_confirm_per_line_then_ship_partially_then_invoice(client: Any, staff: Any,
                                                           po: PurchaseOrder) -> None:
    base = f"/admin/purchase-orders/{po.id}"
    response = post(client, f"{base}/confirm", {
        "decision-1": "accept", "quantity-1": "", "date-1": "2030-02-01",
        "decision-2": "backordered", "quantity-2": "1", "comments": "One ream later",
    }, follow_redirects=True)
    assert "Confirmation SO-" in response.text and "(detail)" in response.text
    order = db.session.get(Order, po.shop_order_id)
    assert order.status == OrderStatus.CONFIRMED
    response = post(client, f"{base}/ship", {"carrier": "UPS", "tracking": "1Z1",
                                             "quantity-1": "4"}, follow_redirects=True)
    assert "Shipment SO-" in response.text
    response = post(client, f"{base}/invoice", {"tax_rate": "19", "pay_in_days": ""},
                    follow_redirects=True)
    assert "Invoice INV-" in response.text
    kinds = list(db.session.scalars(select(OutboxMessage.document_type)
                                    .order_by(OutboxMessage.id)))
    assert kinds == ["ConfirmationRequest", "ShipNoticeRequest", "InvoiceDetailRequest"]
    detail = client.get(base).text
    assert "ShipNoticeRequest" in detail and "pending" in detail


def test_the_invoice_is_offered_only_for_what_shipped(client: Any, staff: Any,
                                                     po: PurchaseOrder) -> None:
    from shop.orders import fulfilment

    base = f"/admin/purchase-orders/{po.id}"
    fulfilment.confirm_order(po.shop_order_id, "staff@shop.test")
    page = client.get(base).text
    assert "Send invoice" not in page and "Nothing has shipped yet" in page
    fulfilment.ship_order(po.shop_order_id, "staff@shop.test", "UPS",
                          quantities={1: Decimal("4")})
    page = client.get(base).text
    assert "Send invoice" in page and "Nothing has shipped yet" not in page
    fulfilment.invoice_order(po.shop_order_id, "staff@shop.test")
    page = client.get(base).text
    assert "Send invoice" not in page and "Everything shipped so far is invoiced" in page


def test_the_carrier_is_marked_required_and_named_when_missing(client: Any, staff: Any,
                                                               po: PurchaseOrder) -> None:
    from shop.orders import fulfilment

    fulfilment.confirm_order(po.shop_order_id, "staff@shop.test")
    page = client.get(f"/admin/purchase-orders/{po.id}").text
    assert 'for="carrier">Carrier <span class="required-mark"' in page
    response = post(client, f"/admin/purchase-orders/{po.id}/ship", {"carrier": ""},
                    follow_redirects=True)
    assert "Enter the carrier." in response.text
    assert db.session.get(Order, po.shop_order_id).status == OrderStatus.CONFIRMED


def test_bad_line_input_is_explained(client: Any, staff: Any, po: PurchaseOrder) -> None:
    response = post(client, f"/admin/purchase-orders/{po.id}/confirm",
                    {"decision-1": "reject", "quantity-1": "abc"}, follow_redirects=True)
    assert "Line 1: &#39;abc&#39; is not a number." in response.text
    assert db.session.get(Order, po.shop_order_id).status == OrderStatus.PLACED
    response = post(client, f"/admin/purchase-orders/{po.id}/ship", {"carrier": "UPS"},
                    follow_redirects=True)
    assert "only confirmed orders are shipped" in response.text


def test_cancel_from_the_back_office(client: Any, staff: Any, po: PurchaseOrder) -> None:
    post(client, f"/admin/purchase-orders/{po.id}/cancel", {"reason": "Discontinued"})
    assert db.session.get(Order, po.shop_order_id).status == OrderStatus.CANCELLED
    assert db.session.scalar(select(OutboxMessage.document_type)) == "ConfirmationRequest"


def test_a_flag_can_be_resolved(client: Any, staff: Any, po: PurchaseOrder) -> None:
    [flag] = po.open_flags
    post(client, f"/admin/purchase-orders/{po.id}/flags/{flag.id}/resolve")
    db.session.refresh(po)
    assert po.open_flags == [] and not po.needs_review
    assert db.session.get(type(flag), flag.id).resolved_by == "staff@shop.test"


def test_the_outbox_pages_and_resend(client: Any, staff: Any, po: PurchaseOrder) -> None:
    from shop.orders import fulfilment

    fulfilment.confirm_order(po.shop_order_id, "staff@shop.test")
    message = db.session.scalar(select(OutboxMessage))
    message.status = OutboxStatus.FAILED
    message.last_error = "refused: the buyer answered 400"
    db.session.commit()
    listing = client.get("/admin/outbox?status=failed").text
    assert "ConfirmationRequest" in listing and "answered 400" in listing
    page = client.get(f"/admin/outbox/{message.id}").text
    assert message.payload_id in page and "Send again" in page
    post(client, f"/admin/outbox/{message.id}/resend")
    db.session.refresh(message)
    assert message.status == OutboxStatus.PENDING


def test_the_timeline_shows_the_punchout_cart_the_versions_and_the_documents(
        client: Any, staff: Any, buyer: Any, catalog: Any) -> None:  # noqa: F811
    started = punchout.open_session(buyer, punchout.SetupData(
        return_url="https://buyer.example/punchout/return", buyer_cookie="c-1"))
    db.session.add(TransferredLine(
        session_id=started.session_id, connection_id=buyer.id, aux_id="Q-1", line_number=1,
        product_id=catalog["PEN-001"].id, sku="PEN-001", quantity=Decimal("10"), unit="EA",
        unit_price=Decimal("1.10"), currency="EUR"))
    db.session.commit()
    body = order_request([Line("PEN-001", "10", "1.20", aux="Q-1")], payload_id="t-1@b")
    assert status_of(post_po(client, body).data)[0] == 200
    po = db.session.scalar(select(PurchaseOrder))
    # The price is checked against the PunchOut quote (1.10), not the list price (1.20).
    assert [(f.code, f.line_number) for f in po.open_flags] == [("price_quote", 1)]
    from shop.orders import fulfilment

    fulfilment.confirm_order(po.shop_order_id, "staff@shop.test")
    page = client.get(f"/admin/purchase-orders/{po.id}/timeline").text
    session_at = page.index(f"PunchOut session {started.session_id}")
    request_at = page.index("OrderRequest new (version 1)")
    document_at = page.index("ConfirmationRequest SO-")
    assert session_at < request_at < document_at


def test_the_policy_page_switches_a_connection_to_reject(client: Any, staff: Any,
                                                         buyer: Any) -> None:
    assert "Acme Coupa" in client.get("/admin/purchase-orders/policies").text
    post(client, f"/admin/purchase-orders/policies/{buyer.id}",
         {"catalog_policy": "reject", "price_tolerance": "0.01"})
    code, _ = status_of(post_po(client, order_request([Line("NOPE", "1", "1.00")])).data)
    assert code == 406


def test_a_failed_document_can_be_processed_again(client: Any, staff: Any,
                                                  buyer: Any) -> None:
    from tests.test_outbox import _allow_inserts, _refuse_inserts

    with db.engine.begin() as connection:
        _refuse_inserts(connection, "orders")
    try:
        post_po(client, order_request(payload_id="again-1@b"))
    finally:
        db.session.rollback()
        with db.engine.begin() as connection:
            _allow_inserts(connection, "orders")
    document = db.session.scalar(select(InboundDocument))
    assert document.status == InboundStatus.FAILED
    response = post(client, f"/admin/purchase-orders/documents/{document.id}/process",
                    follow_redirects=True)
    assert "Processed: 200" in response.text
    assert db.session.scalar(select(Order)) is not None


def test_the_status_form_does_not_change_a_purchase_order(client: Any, staff: Any,
                                                          po: PurchaseOrder) -> None:
    order_id = po.shop_order_id
    page = client.get(f"/admin/orders/{order_id}").text
    assert 'name="status"' not in page  # no status form: a link to the PO's actions
    assert f'href="/admin/purchase-orders/{po.id}"' in page
    response = post(client, f"/admin/orders/{order_id}/status", {"status": "confirmed"},
                    follow_redirects=True)
    assert "confirm, ship, invoice or cancel it on its purchase-order page" in response.text
    db.session.expire_all()
    assert db.session.get(Order, order_id).status == OrderStatus.PLACED
    assert db.session.scalar(select(OutboxMessage.id)) is None
    # Confirming it the right way changes it, and queues the buyer's document.
    post(client, f"/admin/purchase-orders/{po.id}/confirm", {})
    assert db.session.get(Order, order_id).status == OrderStatus.CONFIRMED
    assert db.session.scalar(select(OutboxMessage.document_type)) == "ConfirmationRequest"


def test_each_action_is_a_form_of_its_own(client: Any, staff: Any, po: PurchaseOrder) -> None:
    page = client.get(f"/admin/purchase-orders/{po.id}").text
    for action in ("confirm", "cancel"):  # what a placed order offers
        assert f'action="/admin/purchase-orders/{po.id}/{action}"' in page
    # There is no generic "any action" door any more.
    assert post(client, f"/admin/purchase-orders/{po.id}/delete", {}).status_code in (404, 405)


def test_the_status_use_case_refuses_a_purchase_order(po: PurchaseOrder) -> None:
    from shop.orders.status import InvalidTransition, change_status

    order = db.session.get(Order, po.shop_order_id)
    with pytest.raises(InvalidTransition, match="purchase-order page"):
        change_status(order, OrderStatus.CANCELLED, "cli")
    db.session.expire_all()
    assert db.session.get(Order, po.shop_order_id).status == OrderStatus.PLACED
