"""The sandbox inbox: documents the shop sends, authenticated, validated, stored, answered."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from lxml import etree

from shop import cxml
from shop.accounts.models import Role
from shop.extensions import db
from shop.sandbox.connect import derived_secret
from shop.sandbox.models import SandboxDocument, SandboxRequisition
from shop.sandbox.profiles import get_profile

NOW = datetime(2030, 1, 10, 9, 30, tzinfo=UTC)


def _header(secret: str, sender: tuple[str, str] = ("DUNS", "northwind-supply")) -> cxml.Header:
    return cxml.Header(from_=cxml.Party((cxml.Credential(*sender),)),
                       to=cxml.Party((cxml.Credential("DUNS", "globex-coupa-t"),)),
                       sender=cxml.Party((cxml.Credential(*sender, shared_secret=secret),)),
                       user_agent="Northwind Supply")


def _confirmation(secret: str, order_id: str = "CPA-00001", **header: object) -> bytes:
    request = cxml.ConfirmationRequest(
        "detail", cxml.OrderReference(order_id, "po-1@buyer"), NOW, items=(
            cxml.ConfirmationItem(1, Decimal("2"), "EA", (
                cxml.ConfirmationStatus("accept", Decimal("2"), "EA"),)),))
    return cxml.build_confirmation(request, header=_header(secret, **header), host="shop.test")


def _post(client, body: bytes, profile: str = "coupa"):
    response = client.post(f"/sandbox/inbox/{profile}", data=body,
                           content_type="text/xml; charset=utf-8")
    status = etree.fromstring(response.data).find("Response/Status")
    return response, status


@pytest.mark.shared
@pytest.mark.usefixtures("dtd_dir")  # the app validates against its CXML_DTD_DIR
def test_a_valid_confirmation_is_accepted_and_linked_to_its_requisition(client):
    requisition = SandboxRequisition(token="t1", profile="coupa", punchout_url="x",
                                     order_id="CPA-00001")
    db.session.add(requisition)
    db.session.commit()
    response, status = _post(client, _confirmation(derived_secret("coupa", "outbound")))
    assert response.status_code == 200 and status.get("code") == "200"
    document = db.session.scalar(db.select(SandboxDocument))
    assert document.authenticated and document.valid is True
    assert document.document_type == "ConfirmationRequest"
    assert document.summary == "confirmation detail, 1 line(s)"
    assert document.requisition_id == requisition.id
    assert "<SharedSecret>***</SharedSecret>" in document.body
    assert derived_secret("coupa", "outbound") not in document.body


def test_wrong_secret_or_sender_is_refused_with_401(client):
    _, status = _post(client, _confirmation("not-the-secret"))
    assert status.get("code") == "401"
    _, status = _post(client, _confirmation(derived_secret("coupa", "outbound"),
                                            sender=("DUNS", "someone-else")))
    assert status.get("code") == "401"
    # A profile's secret does not open another profile's inbox.
    _, status = _post(client, _confirmation(derived_secret("ariba", "outbound")))
    assert status.get("code") == "401"
    documents = db.session.scalars(db.select(SandboxDocument)).all()
    assert len(documents) == 3 and not any(d.authenticated for d in documents)


@pytest.mark.shared
@pytest.mark.usefixtures("dtd_dir")
def test_a_document_invalid_against_its_dtd_is_refused_with_400(client):
    body = _confirmation(derived_secret("coupa", "outbound"))
    body = body.replace(b'type="detail"', b'type="maybe"')
    _, status = _post(client, body)
    assert status.get("code") == "400"
    assert "not valid against its DTD" in status.text
    document = db.session.scalar(db.select(SandboxDocument))
    assert document.valid is False and document.validation


def test_ship_notice_and_invoice_are_summarised(client):
    secret = derived_secret("coupa", "outbound")
    order = cxml.OrderReference("CPA-00002", "po-2@buyer")
    notice = cxml.ShipNoticeRequest("SHP-1", NOW, (cxml.ShipNoticePortion(order, (
        cxml.ShipNoticeItem(1, Decimal("2"), "EA"),)),), carrier="UPS",
        tracking_number="1Z999AA10123456784")
    eur = lambda amount: cxml.Money(Decimal(amount), "EUR")  # noqa: E731
    invoice = cxml.InvoiceDetailRequest("INV-1", NOW, (cxml.InvoiceOrder(order, (
        cxml.InvoiceItem(1, Decimal("2"), "EA", eur("2.50"), 1, subtotal=eur("5.00")),)),),
        cxml.InvoiceSummary(subtotal=eur("5.00"), tax=eur("0.95"), net=eur("5.95"),
                            due=eur("5.95")))
    for body in (cxml.build_ship_notice(notice, header=_header(secret), host="shop.test"),
                 cxml.build_invoice(invoice, header=_header(secret), host="shop.test")):
        _, status = _post(client, body)
        assert status.get("code") == "200", status.text
    summaries = [d.summary for d in db.session.scalars(
        db.select(SandboxDocument).order_by(SandboxDocument.id))]
    assert summaries == ["shipment SHP-1 via UPS (1Z999AA10123456784)", "invoice INV-1: 5.95 EUR"]


def test_other_requests_garbage_and_unknown_inboxes(client):
    profile = get_profile("coupa")
    setup = cxml.build_profile_request(header=_header(derived_secret("coupa", "outbound")),
                                       host="shop.test")
    _, status = _post(client, setup)
    assert status.get("code") == "450"
    _, status = _post(client, b"<not xml")
    assert status.get("code") == "400"
    _, status = _post(client, b"<x/>", profile="no-such-profile")
    assert status.get("code") == "404"
    assert profile.key == "coupa"


def test_inbox_page_lists_documents_for_staff(client, auth, make_user):
    make_user("staff@northwind.test", "staff pass", role=Role.STAFF)
    _post(client, _confirmation(derived_secret("coupa", "outbound")))
    auth.login("staff@northwind.test", "staff pass")
    page = client.get("/sandbox/inbox")
    assert page.status_code == 200
    assert "ConfirmationRequest" in page.text and "CPA-00001" in page.text
    document = db.session.scalar(db.select(SandboxDocument))
    detail = client.get(f"/sandbox/documents/{document.id}")
    assert "Sender authenticated" in detail.text and "***" in detail.text
