"""Example cXML data shared by the cXML tests: a header, lines, and one document of each kind."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from shop.cxml import (
    Accounting,
    AccountingSegment,
    Address,
    Charge,
    Classification,
    ConfirmationItem,
    ConfirmationRequest,
    ConfirmationStatus,
    Contact,
    Credential,
    Distribution,
    Extrinsics,
    Header,
    InvoiceDetailRequest,
    InvoiceItem,
    InvoiceOrder,
    InvoiceSummary,
    ItemDetail,
    ItemID,
    ItemIn,
    ItemOut,
    Money,
    OrderReference,
    OrderRequest,
    OrderRequestHeader,
    Party,
    PaymentTerm,
    PunchOutOrderMessage,
    PunchOutSetupRequest,
    ShipNoticeItem,
    ShipNoticePortion,
    ShipNoticeRequest,
)

HOST = "shop.example.com"
WHEN = datetime(2025, 1, 27, 7, 35, 37, tzinfo=UTC)


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def header() -> Header:
    """The shop writing to a buyer on the Ariba Network."""
    return Header(
        from_=Party((Credential("DUNS", "123456789"),)),
        to=Party((Credential("NetworkID", "AN01000000001"), Credential("SystemID", "ERP-1"))),
        sender=Party((Credential("DUNS", "123456789", shared_secret="s3cr3t"),)),
        user_agent="Northwind Supply",
    )


def address(name: str = "Acme Industries") -> Address:
    return Address(
        name=name, address_id="3000", deliver_to=("Joe Smith", "Dock 3"),
        street=("1 Main Street",), city="Springfield", state="IL", postal_code="62701",
        country_code="US", country_name="United States", email="joe@acme.test",
    )


def detail(sku: str = "AM2692", price: str = "125.00") -> ItemDetail:
    return ItemDetail(
        unit_price=eur(price), description="Leather desk chair, black", unit_of_measure="EA",
        classifications=(Classification("UNSPSC", "56101504"),), short_name="Desk chair",
        manufacturer_part_id="X-100", manufacturer_name="Acme", url="https://shop.example.com/p/1",
        lead_time=3, extrinsics=Extrinsics([("Color", "black")]),
    )


def order_message(lines: int = 2) -> PunchOutOrderMessage:
    items = tuple(
        ItemIn(Decimal("2"), ItemID(f"SKU-{n}", f"line-{n}"), detail(f"SKU-{n}"), n)
        for n in range(1, lines + 1)
    )
    return PunchOutOrderMessage(
        buyer_cookie="550bce3e592023b2e7b015307f965133", total=eur(f"{250 * lines}.00"),
        items=items, operation_allowed="edit",
        shipping=Charge(eur("0.00"), "Standard"), tax=Charge(eur("47.50"), "VAT 19%"),
    )


def setup_request(operation: str = "create") -> PunchOutSetupRequest:
    return PunchOutSetupRequest(
        operation=operation, buyer_cookie="1CX3L4843PPZO",
        browser_form_post_url="https://buyer.example.com/punchout?id=7",
        extrinsics=Extrinsics([("UserEmail", "jdoe@acme.test"), ("CostCenter", "610")]),
        contacts=(Contact("John Doe", "endUser", "jdoe@acme.test"),),
        supplier_setup_url="https://shop.example.com/punchout/setup",
        ship_to=address(), selected_item=ItemID("AM2692"),
        items=(ItemOut(Decimal("1"), ItemID("AM2692", "line-1"), detail(), 1),),
    )


def order_request(lines: int = 2) -> OrderRequest:
    distribution = Distribution(
        Accounting("Cost", (AccountingSegment("610", "Cost Center", "IT"),)), eur("250.00")
    )
    items = tuple(
        ItemOut(
            Decimal("2"), ItemID(f"SKU-{n}", f"line-{n}"), detail(f"SKU-{n}"), n,
            requested_delivery_date=date(2025, 2, 3), distributions=(distribution,),
            comments="Deliver before noon",
        )
        for n in range(1, lines + 1)
    )
    head = OrderRequestHeader(
        order_id="PO-4711", order_date=WHEN, total=eur(f"{250 * lines}.00"), type="new",
        order_version=1, ship_to=address(), bill_to=address("Acme Accounts"),
        shipping=Charge(eur("0.00"), "Standard"), tax=Charge(eur("0.00"), "none"),
        payment_terms=(PaymentTerm(30),), contacts=(Contact("Jane Roe", "buyer", "jr@acme.test"),),
        comments="Gate 2", extrinsics=Extrinsics([("CompanyCode", "1000")]),
    )
    return OrderRequest(head, items)


def reference() -> OrderReference:
    return OrderReference("PO-4711", "1737963337.319.1846511.7249@eu-hub", WHEN)


def confirmation(kind: str = "detail") -> ConfirmationRequest:
    items = ()
    if kind == "detail":
        items = (
            ConfirmationItem(1, Decimal("2"), "EA", (
                ConfirmationStatus("accept", Decimal("1"), "EA", delivery_date=WHEN),
                ConfirmationStatus("backordered", Decimal("1"), "EA", delivery_date=WHEN,
                                   comments="Back in stock next week"),
            )),
            ConfirmationItem(2, Decimal("1"), "EA", (
                ConfirmationStatus("reject", Decimal("1"), "EA", comments="Discontinued"),
            )),
        )
    return ConfirmationRequest(kind, reference(), WHEN, confirm_id="OC-1", items=items)


def ship_notice() -> ShipNoticeRequest:
    return ShipNoticeRequest(
        shipment_id="SHP-1", notice_date=WHEN, shipment_date=WHEN, delivery_date=WHEN,
        carrier="UPS", tracking_number="1Z999AA10123456784",
        portions=(ShipNoticePortion(reference(), (
            ShipNoticeItem(1, Decimal("2"), "EA", ItemID("SKU-1", "line-1")),
            ShipNoticeItem(2, Decimal("0.5"), "KGM"),
        )),),
    )


def invoice() -> InvoiceDetailRequest:
    items = (
        InvoiceItem(1, Decimal("2"), "EA", eur("125.00"), 1, eur("250.00"), "Desk chair", "en",
                    ItemID("SKU-1", "line-1")),
        InvoiceItem(2, Decimal("1"), "EA", eur("10.00"), 2, eur("10.00")),
    )
    summary = InvoiceSummary(
        subtotal=eur("260.00"), tax=eur("49.40"), net=eur("319.40"), shipping=eur("10.00"),
        due=eur("319.40"), tax_description="VAT 19%", tax_percent=Decimal("19"),
    )
    return InvoiceDetailRequest(
        invoice_id="INV-1", invoice_date=WHEN, orders=(InvoiceOrder(reference(), items),),
        summary=summary, pay_in_days=30,
        remit_to=Contact("Northwind Supply", "remitTo", "billing@northwind.test"),
        bill_to=Contact("Acme Accounts", "billTo"),
    )
