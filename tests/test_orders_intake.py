"""Purchase-order intake: POST /orders/cxml, from the first delivery to updates and deletes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import log_in_session
from sqlalchemy import func, select

from shop.extensions import db
from shop.orders.inbound import InboundDocument, InboundStatus
from shop.orders.models import Order, OrderSource, OrderStatus
from shop.orders.po_models import Disposition, PurchaseOrder, PurchaseOrderVersion
from tests.intake_support import (
    BUYER,
    SECRET,
    Line,
    catalog,  # noqa: F401  (fixture)
    make_buyer_fixture,  # noqa: F401  (fixture)
    order_request,
    post_po,
    status_of,
)


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def buyer(make_buyer: Any, catalog: Any) -> Any:  # noqa: F811
    return make_buyer()


def test_a_purchase_order_becomes_an_order(client: Any, buyer: Any) -> None:
    body = order_request([Line("PEN-001", "10", "1.20", aux="AUX-1"),
                          Line("PAPER-A4", "2", "4.50")])
    response = post_po(client, body)
    assert response.status_code == 200
    assert response.content_type.startswith("text/xml")
    code, text = status_of(response.data)
    assert code == 200 and text.startswith("OK")
    order = db.session.scalar(select(Order))
    assert order.source == OrderSource.PURCHASE_ORDER and order.po_number == "PO-4711"
    assert order.company_id == buyer.company_id and order.status == OrderStatus.PLACED
    assert order.number in text
    assert [(line.line_number, line.sku, line.quantity, line.unit_price) for line in order.lines] \
        == [(1, "PEN-001", Decimal("10"), Decimal("1.20")), (2, "PAPER-A4", Decimal("2"),
                                                             Decimal("4.50"))]
    first = order.lines[0]
    assert first.aux_id == "AUX-1" and first.unit == "EA"
    assert first.requested_delivery_date.isoformat() == "2030-01-15"
    assert first.accounting[0]["segments"][0]["id"] == "4711"
    assert order.subtotal == Decimal("21.00") and order.total == Decimal("21.00")
    assert order.ship_to["city"] == "Springfield" and order.payment_terms == "Net 30 days"
    assert order.comments == "Deliver to dock 3"
    po = db.session.scalar(select(PurchaseOrder))
    assert po.shop_order_id == order.id and po.buyer_credentials == [list(BUYER)]
    version = db.session.scalar(select(PurchaseOrderVersion))
    assert version.disposition == Disposition.APPLIED and version.sequence == 1
    assert version.header["contacts"][0]["email"] == "jane@buyer.example"
    assert version.header["extrinsics"] == [["CompanyCode", "1000"]]
    assert po.open_flags == []


def test_the_raw_document_is_stored_without_its_secret(client: Any, buyer: Any) -> None:
    body = order_request()
    post_po(client, body)
    stored = db.session.scalar(select(InboundDocument))
    assert stored.status == InboundStatus.PROCESSED
    assert SECRET.encode() not in stored.masked_body
    assert b"<SharedSecret>***</SharedSecret>" in stored.masked_body
    import hashlib

    assert stored.sha256 == hashlib.sha256(body).hexdigest()
    assert stored.answer_code == 200 and stored.order_id == "PO-4711"


def test_the_same_payload_id_replays_the_first_answer(client: Any, buyer: Any) -> None:
    body = order_request(payload_id="po-1@buyer.example")
    first = post_po(client, body)
    second = post_po(client, body)
    assert second.status_code == 200
    assert second.data == first.data  # byte for byte, payloadID and timestamp included
    assert count(Order) == 1 and count(InboundDocument) == 1
    assert count(PurchaseOrderVersion) == 1


def test_the_same_order_id_under_a_new_payload_id_is_flagged_not_created(
        client: Any, buyer: Any) -> None:
    post_po(client, order_request(payload_id="po-1@buyer.example"))
    response = post_po(client, order_request(payload_id="po-2@buyer.example"))
    code, text = status_of(response.data)
    assert code == 200 and "duplicate" in text
    assert count(Order) == 1 and count(InboundDocument) == 2
    po = db.session.scalar(select(PurchaseOrder))
    assert [v.disposition for v in po.versions] == [Disposition.APPLIED, Disposition.DUPLICATE]
    assert [flag.code for flag in po.open_flags] == ["duplicate_order"]
    assert "identical" in po.open_flags[0].message and po.needs_review


def test_an_update_replaces_the_order_and_keeps_its_history(client: Any, buyer: Any) -> None:
    post_po(client, order_request([Line("PEN-001", "10", "1.20")], payload_id="v1@b"))
    response = post_po(client, order_request(
        [Line("PEN-001", "20", "1.20"), Line("STAPLER", "1", "12.00")], type="update",
        order_version=2, payload_id="v2@b"))
    assert status_of(response.data)[0] == 200
    order = db.session.scalar(select(Order))
    assert [(line.sku, line.quantity) for line in order.lines] == [
        ("PEN-001", Decimal("20")), ("STAPLER", Decimal("1"))]
    assert order.total == Decimal("36.00") and count(Order) == 1
    po = db.session.scalar(select(PurchaseOrder))
    assert po.current_version == 2 and po.payload_id == "v2@b"
    assert [(v.sequence, v.type.value, v.order_version) for v in po.versions] == [
        (1, "new", None), (2, "update", 2)]
    assert po.versions[0].lines[0]["quantity"] == "10"  # the old version is still readable
    assert "updated by the buyer" in order.events[-1].note


def test_an_update_of_a_confirmed_order_needs_confirming_again(client: Any, buyer: Any) -> None:
    post_po(client, order_request(payload_id="v1@b"))
    order = db.session.scalar(select(Order))
    order.status = OrderStatus.CONFIRMED
    db.session.commit()
    post_po(client, order_request([Line("PEN-001", "5", "1.20")], type="update",
                                  payload_id="v2@b"))
    db.session.refresh(order)
    assert order.status == OrderStatus.PLACED


def test_a_delete_cancels_the_order(client: Any, buyer: Any) -> None:
    post_po(client, order_request(payload_id="v1@b"))
    response = post_po(client, order_request(type="delete", payload_id="v2@b"))
    code, text = status_of(response.data)
    assert code == 200 and "cancelled" in text
    order = db.session.scalar(select(Order))
    assert order.status == OrderStatus.CANCELLED
    again = post_po(client, order_request(type="delete", payload_id="v3@b"))
    assert status_of(again.data)[0] == 200 and "already cancelled" in status_of(again.data)[1]


def test_a_delete_for_an_unknown_order_changes_nothing(client: Any, buyer: Any) -> None:
    response = post_po(client, order_request(type="delete", order_id="NOPE"))
    assert status_of(response.data)[0] == 200
    assert count(Order) == 0


@pytest.mark.parametrize("status", [OrderStatus.SHIPPED, OrderStatus.INVOICED])
def test_an_update_after_shipment_is_a_conflict(client: Any, buyer: Any,
                                                status: OrderStatus) -> None:
    post_po(client, order_request(payload_id="v1@b"))
    order = db.session.scalar(select(Order))
    order.status = status
    db.session.commit()
    for kind in ("update", "delete"):
        response = post_po(client, order_request(type=kind, payload_id=f"{kind}@b"))
        code, text = status_of(response.data)
        assert response.status_code == 200 and code == 409, text
        assert "already shipped" in text
    db.session.refresh(order)
    assert order.status == status and order.lines[0].quantity == Decimal("10")
    po = db.session.scalar(select(PurchaseOrder))
    assert [v.disposition for v in po.versions][1:] == [Disposition.REFUSED] * 2
    refused = db.session.scalar(select(InboundDocument).where(
        InboundDocument.payload_id == "update@b"))
    assert refused.status == InboundStatus.REJECTED and refused.answer_code == 409


def test_catalog_differences_are_flagged_by_default(client: Any, buyer: Any,
                                                    catalog: Any) -> None:  # noqa: F811
    catalog["STAPLER"].active = False
    db.session.commit()
    body = order_request([
        Line("PEN-001", "10", "0.99"),  # list price 1.20
        Line("NOT-SOLD", "1", "5.00"),
        Line("STAPLER", "1", "12.00"),
    ], total="99.00")
    code, _ = status_of(post_po(client, body).data)
    assert code == 200
    po = db.session.scalar(select(PurchaseOrder))
    flags = {(flag.code, flag.line_number) for flag in po.open_flags}
    assert flags == {("price_contract", 1), ("unknown_sku", 2), ("inactive_sku", 3),
                     ("total_mismatch", None)}
    assert po.needs_review and count(Order) == 1


def test_an_order_in_another_currency_is_flagged(client: Any, buyer: Any) -> None:
    body = order_request([Line("PEN-001", "10", "1.20", currency="USD")], currency="USD")
    assert status_of(post_po(client, body).data)[0] == 200
    po = db.session.scalar(select(PurchaseOrder))
    assert {(flag.code, flag.line_number) for flag in po.open_flags} == {
        ("currency_mismatch", 1), ("currency_mismatch", None)}
    assert po.order.currency == "USD"


def test_lines_in_another_currency_than_the_total_are_400(client: Any, buyer: Any) -> None:
    body = order_request([Line("PEN-001", "10", "1.20", currency="USD")], currency="EUR")
    code, text = status_of(post_po(client, body).data)
    assert code == 400 and "USD" in text and "lineNumber 1" in text


def test_a_contract_price_is_the_expected_price(client: Any, buyer: Any, catalog: Any) -> None:  # noqa: F811
    from shop.catalog.models import ContractPrice

    db.session.add(ContractPrice(company_id=buyer.company_id, product_id=catalog["PEN-001"].id,
                                 price=Decimal("0.99"), currency="EUR"))
    db.session.commit()
    post_po(client, order_request([Line("PEN-001", "10", "0.99")]))
    assert db.session.scalar(select(PurchaseOrder)).open_flags == []


def test_the_reject_policy_answers_406_and_creates_nothing(client: Any, buyer: Any) -> None:
    from shop.orders.po_models import CatalogPolicy, OrderPolicy

    db.session.add(OrderPolicy(connection_id=buyer.id, catalog_policy=CatalogPolicy.REJECT))
    db.session.commit()
    response = post_po(client, order_request([Line("NOT-SOLD", "1", "5.00")]))
    code, text = status_of(response.data)
    assert response.status_code == 200 and code == 406
    assert "NOT-SOLD" in text
    assert count(Order) == 0 and count(PurchaseOrder) == 0
    assert db.session.scalar(select(InboundDocument)).status == InboundStatus.REJECTED


# ---------- refusals ----------


def test_wrong_secret_and_unknown_identity_get_the_same_401(client: Any, buyer: Any) -> None:
    wrong_secret = post_po(client, order_request(secret="guess"))
    stranger = order_request(sender=("NetworkID", "AN-STRANGER"), from_=("NetworkID", "X"))
    unknown = post_po(client, stranger)
    assert status_of(wrong_secret.data) == status_of(unknown.data)
    assert status_of(wrong_secret.data)[0] == 401
    assert count(InboundDocument) == 0 and count(Order) == 0


def test_repeated_failures_lock_the_identity_even_with_the_right_secret(
        app: Any, client: Any, buyer: Any) -> None:
    app.config["RATE_LIMIT_IDENTITY_FAILURES"] = 3
    app.extensions.pop("shop.ratelimit", None)  # rebuilt with the lower limit
    for _ in range(3):
        assert status_of(post_po(client, order_request(secret="guess")).data)[0] == 401
    locked = post_po(client, order_request())
    assert status_of(locked.data) == status_of(post_po(client, order_request(
        secret="guess")).data)  # the same answer: nothing to learn
    assert count(Order) == 0 and count(InboundDocument) == 0


def test_a_non_ascii_secret_is_just_wrong(client: Any, buyer: Any) -> None:
    assert status_of(post_po(client, order_request(secret="sécrét-☃")).data)[0] == 401


def test_an_inactive_connection_is_forbidden(client: Any, buyer: Any) -> None:
    buyer.active = False
    db.session.commit()
    code, text = status_of(post_po(client, order_request()).data)
    assert code == 403 and "not active" in text
    assert count(InboundDocument) == 0


def test_a_test_document_to_a_production_connection_is_forbidden(client: Any,
                                                                 buyer: Any) -> None:
    code, text = status_of(post_po(client, order_request(deployment_mode="test")).data)
    assert code == 403 and "test" in text
    assert count(Order) == 0


def test_a_test_connection_takes_test_documents(client: Any, make_buyer: Any,
                                                catalog: Any) -> None:  # noqa: F811
    from shop.punchout.models import ConnectionMode

    make_buyer(mode=ConnectionMode.TEST)
    assert status_of(post_po(client, order_request(deployment_mode="test")).data)[0] == 200
    assert db.session.scalar(select(PurchaseOrder)).deployment_mode == "test"


@pytest.mark.parametrize(("body", "element"), [
    (b"<cXML><Header>", "not well-formed"),
    (b"<cXML payloadID='x' timestamp='2030-01-01T00:00:00Z'><Request><OrderRequest/>"
     b"</Request></cXML>", "Header"),
    (b"<Order/>", "cXML"),
])
def test_unreadable_documents_get_400_naming_the_problem(client: Any, buyer: Any, body: bytes,
                                                         element: str) -> None:
    response = post_po(client, body)
    code, text = status_of(response.data)
    assert response.status_code == 200 and code == 400
    assert text.startswith("Bad Request") and element in text
    assert "line " not in text  # the parser's own words never reach the sender
    assert count(InboundDocument) == 0


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_opening_the_order_url_in_a_browser_explains_it(client: Any, method: str) -> None:
    # GET used to match the storefront's /orders/<number> and redirect to the login page.
    response = client.open("/orders/cxml", method=method)
    assert response.status_code == 405 and response.headers["Allow"] == "POST"
    if method != "HEAD":
        assert "This is the cXML purchase-order endpoint" in response.text
        assert "OrderRequest documents to it with POST" in response.text


@pytest.mark.parametrize("content_type", ["text/xml", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_xml_is_not_called_empty(client: Any, buyer: Any,
                                                     content_type: str) -> None:
    response = client.post("/orders/cxml", data=b"hello <x/>", content_type=content_type)
    code, text = status_of(response.data)
    assert (code, text) == (400, "Bad Request: the document is not well-formed XML: "
                                 "it does not start with an XML element ('<' expected)")


def test_a_missing_total_is_named(client: Any, buyer: Any) -> None:
    body = order_request().replace(b"<Total>", b"<Totals>").replace(b"</Total>", b"</Totals>")
    code, text = status_of(post_po(client, body).data)
    assert code == 400 and "Total" in text
    assert count(Order) == 0
    assert db.session.scalar(select(InboundDocument)).answer_code == 400


@pytest.mark.parametrize(("line", "words"), [
    (Line("PEN-001", "0", "1.20"), "quantity"),
    (Line("PEN-001", "1", "1.20", unit="EACH"), "UnitOfMeasure"),
    (Line("X" * 65, "1", "1.20"), "SupplierPartID"),
    (Line("PEN-001", "1", "1.123456"), "UnitPrice"),
])
def test_values_an_order_cannot_hold_are_400(client: Any, buyer: Any, line: Line,
                                             words: str) -> None:
    code, text = status_of(post_po(client, order_request([line], total="1")).data)
    assert code == 400 and words in text and "lineNumber 1" in text
    assert count(Order) == 0


def test_a_repeated_line_number_is_400(client: Any, buyer: Any) -> None:
    body = order_request([Line("PEN-001", number=1), Line("PAPER-A4", number=1)])
    code, text = status_of(post_po(client, body).data)
    assert code == 400 and "used twice" in text


def test_other_requests_are_not_implemented_here(client: Any, buyer: Any) -> None:
    from tests.punchout_support import setup_request

    code, _ = status_of(post_po(client, setup_request(secret=SECRET)).data)
    assert code == 450


def test_a_profile_request_lists_the_order_url(client: Any, buyer: Any) -> None:
    from shop import cxml
    from tests.intake_support import SHOP

    header = cxml.Header(cxml.Party((cxml.Credential(*BUYER),)),
                         cxml.Party((cxml.Credential(*SHOP),)),
                         cxml.Party((cxml.Credential(*BUYER, shared_secret=SECRET),)))
    body = cxml.build_profile_request(header=header, host="buyer.example")
    document = cxml.read_cxml(post_po(client, body).data)
    assert isinstance(document.payload, cxml.Response)
    profile = document.payload.body
    assert isinstance(profile, cxml.ProfileResponse)
    assert profile.transactions["OrderRequest"].endswith("/orders/cxml")
    assert count(InboundDocument) == 0


def test_an_oversized_body_gets_413_before_parsing(app: Any, client: Any, buyer: Any) -> None:
    app.config["MAX_XML_BYTES"] = 1000
    response = post_po(client, order_request([Line("PEN-001")] * 1 + [Line("PAPER-A4")]))
    assert response.status_code == 413 and status_of(response.data)[0] == 413
    assert count(InboundDocument) == 0


def test_a_session_cookie_adds_no_rights(client: Any, buyer: Any, make_user: Any) -> None:
    from shop.accounts.models import Role

    staff = make_user("staff@shop.test", role=Role.STAFF)
    log_in_session(client, staff.id)  # a logged-in staff member's cookie
    assert status_of(post_po(client, order_request(secret="wrong")).data)[0] == 401


@pytest.mark.parametrize(("body", "masked"), [
    (b"<a><SharedSecret>s3cret</SharedSecret></a>", b"<a><SharedSecret>***</SharedSecret></a>"),
    (b"<SharedSecret type='x'>a</SharedSecret><SharedSecret>b</SharedSecret>",
     b"<SharedSecret type='x'>***</SharedSecret><SharedSecret>***</SharedSecret>"),
    (b"<CredentialMac algorithm='HMAC'>mac==</CredentialMac>",
     b"<CredentialMac algorithm='HMAC'>***</CredentialMac>"),
    (b"<SharedSecret/><SharedSecretX>kept</SharedSecretX>",
     b"<SharedSecret/><SharedSecretX>kept</SharedSecretX>"),
    (b"<SharedSecret>cut off", b"<SharedSecret>***"),  # never leaks through broken XML
])
def test_secrets_are_masked_before_storage(body: bytes, masked: bytes) -> None:
    from shop.orders.inbound import mask_secrets

    assert mask_secrets(body) == masked


def test_the_exact_secret_never_survives_masking() -> None:
    from shop.orders.inbound import mask_secrets

    assert mask_secrets(b"<Extrinsic>pw: hunter22</Extrinsic>", "hunter22") == \
        b"<Extrinsic>pw: ***</Extrinsic>"
