"""Builders shared by the purchase-order intake and outbox tests.

Documents are written with the cXML toolkit, as a procurement system would write them.
Test modules get the fixtures by importing ``make_buyer`` and ``catalog``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop import cxml
from shop.punchout import services
from shop.punchout.models import BuyerConnection, ConnectionMode

SECRET = "po-Secret-ä-123"
BUYER = ("NetworkID", "AN01000000001")
SHOP = ("DUNS", "SHOP-1")
OUTBOUND_SECRET = "our-outbound-secret-42"


@pytest.fixture(name="make_buyer")
def make_buyer_fixture(app: Flask) -> Callable[..., BuyerConnection]:
    """A buyer connection (cXML) whose documents come from BUYER with SECRET."""

    def make(name: str = "Acme Coupa", *,
             identities: Sequence[tuple[str, str]] = (BUYER,), secret: str = SECRET,
             company: str = "Acme Industries", mode: ConnectionMode = ConnectionMode.PRODUCTION,
             document_url: str = "", outbound_secret: str = OUTBOUND_SECRET,
             **fields: Any) -> BuyerConnection:
        settings = services.ConnectionSettings(
            name=name, company_name=company, identities=tuple(identities), mode=mode,
            return_url_prefixes=("https://buyer.example/punchout/",),
            document_url=document_url, outbound_identity=SHOP, **fields,
        )
        return services.create_connection(settings, shared_secret=secret,
                                          outbound_secret=outbound_secret, create_company=True)

    return make


@pytest.fixture
def catalog(make_product: Callable[..., Any]) -> dict[str, Any]:
    """Three products priced in EUR (the company's currency)."""
    return {
        "PEN-001": make_product("PEN-001", "Ballpoint pen, blue", "1.20", currency="EUR"),
        "PAPER-A4": make_product("PAPER-A4", "Copy paper A4, 500 sheets", "4.50",
                                 currency="EUR"),
        "STAPLER": make_product("STAPLER", "Stapler, metal", "12.00", currency="EUR"),
    }


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: str = "1"
    price: str = "1.20"
    aux: str | None = None
    currency: str = "EUR"
    unit: str = "EA"
    number: int | None = None


def order_request(
    lines: Sequence[Line] = (Line("PEN-001", "10", "1.20"),),
    *,
    order_id: str = "PO-4711",
    type: str = "new",
    payload_id: str | None = None,
    total: str | None = None,
    currency: str = "EUR",
    secret: str = SECRET,
    sender: tuple[str, str] = BUYER,
    from_: tuple[str, str] = BUYER,
    deployment_mode: str = "production",
    order_version: int | None = None,
    comments: str | None = "Deliver to dock 3",
) -> bytes:
    """An OrderRequest; the total defaults to the sum of the lines."""
    items = tuple(
        cxml.ItemOut(
            quantity=Decimal(line.quantity), line_number=line.number or n,
            item_id=cxml.ItemID(line.sku, line.aux),
            detail=cxml.ItemDetail(cxml.Money(Decimal(line.price), line.currency),
                                   f"Item {line.sku}", line.unit,
                                   (cxml.Classification("UNSPSC", "44121704"),)),
            requested_delivery_date=dt.date(2030, 1, 15),
            distributions=(cxml.Distribution(
                cxml.Accounting("Cost", (cxml.AccountingSegment("4711", "Cost Center", "IT"),)),
                cxml.Money(Decimal(line.quantity) * Decimal(line.price), line.currency)),),
        )
        for n, line in enumerate(lines, start=1)
    )
    amount = Decimal(total) if total is not None else sum(
        (Decimal(line.quantity) * Decimal(line.price) for line in lines), Decimal("0"))
    address = cxml.Address(name="Acme Industries", street=("Main Street 1",), city="Springfield",
                           postal_code="12345", country_code="DE", address_id="3000")
    header = cxml.OrderRequestHeader(
        order_id=order_id, order_date=dt.datetime(2030, 1, 10, 9, 30, tzinfo=dt.UTC),
        total=cxml.Money(amount, currency), type=type, order_version=order_version,
        ship_to=address, bill_to=address, comments=comments,
        payment_terms=(cxml.PaymentTerm(30),),
        contacts=(cxml.Contact("Jane Buyer", role="buyer", email="jane@buyer.example"),),
        extrinsics=cxml.Extrinsics((("CompanyCode", "1000"),)),
    )
    doc_header = cxml.Header(
        from_=cxml.Party((cxml.Credential(*from_),)),
        to=cxml.Party((cxml.Credential(*SHOP),)),
        sender=cxml.Party((cxml.Credential(*sender, shared_secret=secret),)),
        user_agent="Test Procurement 1.0",
    )
    return cxml.build_order_request(
        cxml.OrderRequest(header, items), header=doc_header, host="buyer.example",
        deployment_mode=deployment_mode, payload_id=payload_id,
    )


def post_po(client: FlaskClient, body: bytes) -> Any:
    return client.post("/orders/cxml", data=body, content_type="text/xml; charset=utf-8")


def status_of(body: bytes) -> tuple[int, str]:
    """The cXML Status (code, text) of a Response document."""
    document = cxml.read_cxml(body)
    assert isinstance(document.payload, cxml.Response), document.kind
    return document.payload.status.code, document.payload.status.text
