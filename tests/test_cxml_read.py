"""Reading real cXML documents: field by field on a few, every shared sample as a smoke test,
and the lenient variants that real senders produce."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from shop.cxml import (
    ConfirmationRequest,
    Credential,
    CXMLError,
    InvoiceDetailRequest,
    OrderRequest,
    ProfileRequest,
    PunchOutOrderMessage,
    PunchOutSetupRequest,
    Response,
    ShipNoticeRequest,
    StatusUpdateRequest,
    parse_datetime,
    read_cxml,
)
from shop.cxml.documents import PunchOutSetupResponse
from tests.conftest import shared_names, shared_path

# Samples that are genuinely broken, with the reason each must be refused with.
BROKEN = {
    "order_message/officeluv__cxml__punch_out_order_message_doc.xml":
        "the root element must be <cXML>, not <cxml> (element names are case-sensitive)",
    "confirmation/Darknessdevine1603__ARBBPI_XSPEC_RUNNER__anSupplier_ConfirmationRequest.xml":
        "the root element must be <cXML>, not <ConfirmationRequest> in namespace "
        "'http://sap.com/xi/ARBCIS': this is not a cXML document",
    "invoice/officeluv__cxml__invoice_taxes_at_line_multiple_taxes.xml":
        "invoiceDate 'invoice_date' is not a date and time",
}
EXPECTED_KIND = {
    "confirmation": ConfirmationRequest,
    "invoice": InvoiceDetailRequest,
    "order_message": PunchOutOrderMessage,
    "order_request": OrderRequest,
    "profile": ProfileRequest,
    "setup_request": PunchOutSetupRequest,
    "setup_response": Response,
    "ship_notice": ShipNoticeRequest,
}


def read_sample(name: str) -> bytes:
    folder, file = name.split("/")
    return shared_path("cxml", "samples", folder, file).read_bytes()


@pytest.mark.shared
@pytest.mark.parametrize("name", shared_names("cxml/samples", "*/*.xml"))
def test_every_sample_is_read_or_refused_precisely(name: str) -> None:
    body = read_sample(name)
    if name in BROKEN:
        with pytest.raises(CXMLError) as caught:
            read_cxml(body)
        assert str(caught.value) == BROKEN[name]
        assert caught.value.status == 400
        return
    doc = read_cxml(body)
    assert doc.envelope.payload_id
    assert doc.envelope.timestamp.tzinfo is not None
    expected = EXPECTED_KIND.get(name.split("/")[0])
    if expected is not None:
        assert isinstance(doc.payload, expected)


@pytest.mark.shared
def test_setup_request_field_by_field() -> None:
    doc = read_cxml(read_sample("setup_request/FriendsOfCXML__cxml-php__PunchOutSetupRequest.xml"))
    assert doc.category == "Request" and doc.kind == "PunchOutSetupRequest"
    assert doc.deployment_mode == "test"
    assert doc.envelope.payload_id == "933695160890"
    assert doc.envelope.timestamp == datetime(2023, 1, 23, 17, 0, 6, tzinfo=UTC)
    assert (doc.envelope.dtd_version, doc.envelope.dtd_file) == ("1.2.050", "cXML.dtd")
    assert doc.envelope.lang == "en-US"
    header = doc.header
    assert header is not None
    assert header.from_.matches("networkid", "inbound@prominate-platform.com")
    assert header.sender.matches("NETWORKID", "inbound@prominate-platform.com")
    assert not header.sender.matches("NetworkId", "INBOUND@prominate-platform.com")
    assert header.shared_secret == "s3cr3t"
    assert header.user_agent == "Workchairs cXML Application"
    setup = doc.payload_as(PunchOutSetupRequest)
    assert setup.operation == "create"
    assert setup.buyer_cookie == "550bce3e592023b2e7b015307f965133"
    assert setup.extrinsics["UserEmail"] == "john-doe@domain.com"
    assert setup.extrinsics["useremail"] == "john-doe@domain.com"
    assert setup.browser_form_post_url == "https://prominate-platform.com/hook-url"
    assert setup.supplier_setup_url == "http://workchairs.com/cxml"
    ship_to = setup.ship_to
    assert ship_to is not None
    assert ship_to.name == "Acme" and ship_to.deliver_to == ("Joe Smith", "Mailstop M-543")
    assert ship_to.street == ("123 Anystreet",) and ship_to.city == "Sunnyvale"
    assert (ship_to.state, ship_to.postal_code, ship_to.country_code) == ("CA", "90489", "US")
    assert ship_to.country_name == "United States" and ship_to.phone == "+1 800 5551212"
    assert setup.selected_item is not None
    assert setup.selected_item.supplier_part_id == "4545321"
    assert setup.selected_item.buyer_part_id == "II99825"
    first, second = setup.items
    assert (first.line_number, first.quantity, first.item_id.supplier_part_id) == (
        10, Decimal("2"), "5555")
    assert first.requested_delivery_date == datetime(2023, 1, 23, 16, 0, 6,
                                                     tzinfo=timezone(timedelta(hours=-1)))
    assert first.detail is not None
    assert first.detail.unit_price.amount == Decimal("763.20")
    assert first.detail.unit_price.currency == "EUR"
    assert first.detail.short_name == "Excelsior Desk Chair" and first.detail.description == ""
    assert second.line_number == 20


@pytest.mark.shared
def test_coupa_order_request_field_by_field() -> None:
    doc = read_cxml(read_sample("order_request/officeluv__cxml__order_request.xml"))
    assert doc.deployment_mode == "production"
    assert doc.header is not None and doc.header.user_agent == "Coupa Procurement 1.0"
    order = doc.payload_as(OrderRequest)
    head = order.header
    assert (head.order_id, head.type, head.order_version) == ("3309", "new", None)
    assert head.order_date == datetime(2020, 3, 31, 20, 39, 22, tzinfo=UTC)
    assert head.total.amount == Decimal("91.71") and head.total.currency == "USD"
    assert head.bill_to is not None and head.bill_to.deliver_to == ("Venkat Gunneri",)
    assert head.ship_to is not None and head.ship_to.email == "asdfklajsdfkjl@optisconsulting.com"
    assert head.shipping is not None and head.shipping.money.amount == Decimal("0.0")
    assert head.contacts[0].role == "endUser"
    assert head.contacts[0].email == "asdlfkjasdflkj@optisconsulting.com"
    assert head.extrinsics["legacy_po"] == ""
    line = order.items[1]
    assert (line.line_number, line.quantity) == (2, Decimal("9"))
    assert line.item_id.aux_id == "product-requisition:6235"
    assert line.detail is not None
    assert line.detail.classifications[0].domain == "UNSPSC"
    assert line.detail.extrinsics["LineType"] == "Quantity"
    (distribution,) = line.distributions
    assert distribution.charge is not None and distribution.charge.amount == Decimal("83.61")
    segments = distribution.accounting.segments
    assert [(s.id, s.name, s.description) for s in segments][1] == ("c50", "Cost Center",
                                                                    "CCentre")


@pytest.mark.shared
def test_order_message_field_by_field() -> None:
    name = "order_message/hscheffknecht__cxml__sample-PunchOutOrderMessage.xml"
    doc = read_cxml(read_sample(name))
    assert doc.category == "Message"
    assert doc.header is not None
    assert doc.header.from_.credentials == (Credential("", "Unknown"),)
    assert doc.header.from_.matches("", "Unknown")
    message = doc.payload_as(PunchOutOrderMessage)
    assert message.buyer_cookie == "f5d75ddbc9e75b6346b36ee5c28c5e8b"
    assert message.operation_allowed == "create"
    assert message.total.amount == Decimal("271.88")
    assert message.tax is not None and message.tax.money.amount == Decimal("21.88")
    assert message.tax.lang == "de-DE"
    (item,) = message.items
    assert item.detail.description == "ANTI-RNase (15-30 U/ul)"
    assert item.detail.manufacturer_part_id == "MFPART-1"
    assert item.detail.manufacturer_name == "Manufacturer X"
    assert item.detail.lead_time == 14


@pytest.mark.shared
def test_response_status_and_start_page() -> None:
    doc = read_cxml(read_sample("setup_response/DPassarelli__6-mils__PunchOutSetupResponse.xml"))
    response = doc.payload_as(Response)
    assert doc.header is None
    assert (response.status.code, response.status.text) == (200, "success")
    assert response.body == PunchOutSetupResponse(
        "http://xml.workchairs.com/retrieve?reqUrl=20626;Initial=TRUE")
    error = read_cxml(read_sample("other/officeluv__cxml__response_status_400.xml"))
    status = error.payload_as(Response).status
    assert status.code == 400 and not status.is_success
    assert status.text == "java.lang.Exception: missing required parameter 'document'"


@pytest.mark.shared
def test_fulfillment_samples() -> None:
    confirmation = read_cxml(read_sample("confirmation/officeluv__cxml__request_doc.xml"))
    confirm = confirmation.payload_as(ConfirmationRequest)
    assert confirm.type == "detail" and confirm.confirm_id is None
    assert confirm.order.order_id == "400-2591453-0"
    assert confirm.items[0].statuses[0].unit_price is not None
    # The part numbers came as Extrinsics, one of them misspelt (SupplierPartAuxilliaryID).
    assert confirm.items[0].statuses[0].item_id is not None
    assert confirm.items[0].statuses[0].item_id.aux_id == "751441"
    notice = read_cxml(read_sample("ship_notice/FriendsOfCXML__cxml-php__ShipNoticeRequest.xml"))
    ship = notice.payload_as(ShipNoticeRequest)
    assert (ship.carrier, ship.tracking_number) == ("Federal Express", "8202 8261 1194")
    assert ship.portions[0].order.payload_id == "32232995@hub.acme.com"
    invoice = read_cxml(read_sample("invoice/officeluv__cxml__invoice_taxes_at_line.xml"))
    bill = invoice.payload_as(InvoiceDetailRequest)
    assert bill.summary.net is None  # sent as an empty <Money/>
    assert bill.summary.shipping is not None and bill.summary.shipping.amount == Decimal("30")
    assert bill.orders[0].items[0].tax is not None


@pytest.mark.shared
def test_status_update_and_unread_kinds() -> None:
    update = read_cxml(read_sample("other/FriendsOfCXML__cxml-php__StatusUpdateRequest.xml"))
    status = update.payload_as(StatusUpdateRequest)
    assert status.document_reference == "0c300508b7863dcclb_14999"
    assert status.status.detail == "Forwarded to supplier"
    catalog = read_cxml(read_sample("other/officeluv__cxml__envelope.xml"))
    assert catalog.kind == "CatalogUploadRequest" and catalog.payload is None
    assert catalog.header is not None and catalog.header.user_agent is None  # missing UserAgent
    with pytest.raises(CXMLError, match="expected a OrderRequest, got a CatalogUploadRequest"):
        catalog.payload_as(OrderRequest)


# ---------- lenient reading, on small inline documents ----------


def document(request: str, *, timestamp: str = "2025-01-27T07:35:37+00:00",
             prolog: str = '<?xml version="1.0"?>') -> bytes:
    return (
        f'{prolog}<cXML payloadID="p@x" timestamp="{timestamp}"><Header>'
        '<From><Credential domain="NetworkId"><Identity>AN1</Identity></Credential></From>'
        '<To><Credential domain="DUNS"><Identity>2</Identity></Credential></To>'
        '<Sender><Credential domain="networkid"><Identity>AN1</Identity>'
        '<SharedSecret> s e </SharedSecret></Credential></Sender>'
        f"</Header><Request>{request}</Request></cXML>"
    ).encode()


SETUP = '<PunchOutSetupRequest operation="edit"><BuyerCookie>c</BuyerCookie></PunchOutSetupRequest>'


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2016-04-20T04:34:19", datetime(2016, 4, 20, 4, 34, 19, tzinfo=UTC)),
        ("2020-09-25 15:30:43", datetime(2020, 9, 25, 15, 30, 43, tzinfo=UTC)),
        ("2020-09-25T15:30:43.123Z", datetime(2020, 9, 25, 15, 30, 43, 123000, tzinfo=UTC)),
        ("2020-09-25T15:30:43+0200", datetime(2020, 9, 25, 13, 30, 43, tzinfo=UTC)),
        ("Mon May 19 18:29:48 +0000 2008", datetime(2008, 5, 19, 18, 29, 48, tzinfo=UTC)),
        ("Tue, 20 Apr 2021 10:00:00 GMT", datetime(2021, 4, 20, 10, 0, tzinfo=UTC)),
    ],
)
def test_timestamps_real_senders_write(stamp: str, expected: datetime) -> None:
    doc = read_cxml(document(SETUP, timestamp=stamp))
    assert doc.envelope.timestamp == expected


@pytest.mark.parametrize("stamp", ["yesterday", "2020-13-01T00:00:00", "", "2020-02-30"])
def test_unreadable_timestamps_name_the_problem(stamp: str) -> None:
    with pytest.raises(CXMLError, match="timestamp") as caught:
        read_cxml(document(SETUP, timestamp=stamp))
    assert caught.value.element == "cXML"


def test_crlf_bom_leading_whitespace_and_no_declaration() -> None:
    body = document(SETUP).replace(b">", b">\r\n")
    setup = read_cxml(b"\xef\xbb\xbf \r\n" + body).payload_as(PunchOutSetupRequest)
    assert setup.operation == "edit"
    assert read_cxml(document(SETUP, prolog="")).kind == "PunchOutSetupRequest"


def test_mixed_case_domains_and_secret_whitespace() -> None:
    doc = read_cxml(document(SETUP))
    assert doc.header is not None
    assert doc.header.sender.matches("NetworkID", "AN1")
    assert doc.header.shared_secret == "s e"  # inner spaces count, outer ones do not
    assert doc.header.user_agent is None


def test_fractional_quantities_and_date_or_datetime_delivery() -> None:
    line = ('<ItemOut quantity="2.5" lineNumber="1" requestedDeliveryDate="{}"><ItemID>'
            "<SupplierPartID>A</SupplierPartID></ItemID></ItemOut>")
    request = (SETUP.replace("</PunchOutSetupRequest>", "")
               + line.format("2025-02-03") + line.format("2025-02-03T10:00:00+01:00")
               + "</PunchOutSetupRequest>")
    items = read_cxml(document(request)).payload_as(PunchOutSetupRequest).items
    assert items[0].quantity == Decimal("2.5")
    assert items[0].requested_delivery_date == date(2025, 2, 3)
    assert isinstance(items[1].requested_delivery_date, datetime)


def test_duplicate_extrinsics_are_kept_in_order() -> None:
    request = SETUP.replace(
        "</BuyerCookie>",
        '</BuyerCookie><Extrinsic name="CostCenter">1</Extrinsic>'
        '<Extrinsic name="UserEmail">a@b.c</Extrinsic><Extrinsic name="CostCenter">2</Extrinsic>',
    )
    extrinsics = read_cxml(document(request)).payload_as(PunchOutSetupRequest).extrinsics
    assert list(extrinsics) == ["CostCenter", "UserEmail"]
    assert extrinsics["CostCenter"] == "1" and extrinsics.get_all("costcenter") == ("1", "2")
    assert extrinsics.pairs == (("CostCenter", "1"), ("UserEmail", "a@b.c"), ("CostCenter", "2"))


ORDER_LINE = ('<ItemOut quantity="{q}" lineNumber="{n}"><ItemID><SupplierPartID>A</SupplierPartID>'
              '</ItemID><ItemDetail><UnitPrice><Money currency="EUR">{p}</Money></UnitPrice>'
              '<Description xml:lang="en">x</Description><UnitOfMeasure>EA</UnitOfMeasure>'
              '<Classification domain="UNSPSC">1</Classification></ItemDetail></ItemOut>')


def order(line: str, header_attributes: str = 'orderID="PO1" orderDate="2025-01-01"') -> bytes:
    return document(
        f"<OrderRequest><OrderRequestHeader {header_attributes}>"
        '<Total><Money currency="EUR">1</Money></Total></OrderRequestHeader>'
        f"{line}</OrderRequest>"
    )


@pytest.mark.parametrize(
    ("line", "message", "element"),
    [
        (ORDER_LINE.format(q="1,5", n=1, p="1"), "ItemOut 1 quantity '1,5' is not a number",
         "ItemOut"),
        (ORDER_LINE.format(q="1", n=2, p="abc"), "ItemOut 2 UnitPrice amount 'abc' is not a number",
         "Money"),
        (ORDER_LINE.format(q="NaN", n=3, p="1"), "quantity 'NaN' is not a number", "ItemOut"),
        (ORDER_LINE.format(q="1", n="x", p="1"), "lineNumber 'x' is not a number", "ItemOut"),
        (ORDER_LINE.format(q="1", n=4, p="1").replace(' currency="EUR"', ""),
         "ItemOut 4 UnitPrice: Money has no currency", "Money"),
        ('<ItemOut quantity="1"><Comments/></ItemOut>', "ItemOut #1: ItemID is missing",
         "ItemID"),
        ('<ItemOut lineNumber="7"><ItemID/></ItemOut>', "ItemOut 7: attribute quantity is missing",
         "ItemOut"),
    ],
)
def test_order_errors_name_the_element_and_problem(line: str, message: str, element: str) -> None:
    with pytest.raises(CXMLError) as caught:
        read_cxml(order(line))
    assert message in str(caught.value)
    assert caught.value.element == element and caught.value.status == 400


@pytest.mark.parametrize("value", ["1E999999999", "1e-40", "9" * 30])
def test_numbers_out_of_any_real_range_are_refused(value: str) -> None:
    with pytest.raises(CXMLError, match="out of range"):
        read_cxml(order(ORDER_LINE.format(q=value, n=1, p="1")))
    with pytest.raises(CXMLError, match="out of range"):
        read_cxml(order(ORDER_LINE.format(q="1", n=value, p="1")))


def test_order_header_errors() -> None:
    with pytest.raises(CXMLError, match="OrderRequestHeader: attribute orderID is missing"):
        read_cxml(order("", header_attributes='orderDate="2025-01-01"'))
    with pytest.raises(CXMLError, match="orderVersion 'two' is not a number"):
        read_cxml(order("", header_attributes='orderID="1" orderVersion="two"'))


def test_envelope_errors() -> None:
    with pytest.raises(CXMLError, match="payloadID is missing"):
        read_cxml(document(SETUP).replace(b'payloadID="p@x"', b""))
    with pytest.raises(CXMLError, match="Header: Sender is missing"):
        read_cxml(document(SETUP).replace(b"<Sender>", b"<Other>").replace(b"</Sender>",
                                                                           b"</Other>"))
    with pytest.raises(CXMLError, match="BuyerCookie is missing"):
        read_cxml(document('<PunchOutSetupRequest operation="create"/>'))
    with pytest.raises(CXMLError, match="needs a Header"):
        read_cxml(b'<cXML payloadID="p" timestamp="2025-01-01"><Request><ProfileRequest/>'
                  b"</Request></cXML>")


def test_error_messages_quote_values_shortly() -> None:
    with pytest.raises(CXMLError) as caught:
        read_cxml(order(ORDER_LINE.format(q="9" * 500 + "x", n=1, p="1")))
    assert len(str(caught.value)) < 120


def test_parse_datetime_is_public_and_lenient() -> None:
    assert parse_datetime("2025-01-27").tzinfo is UTC


def setup_line(content: str) -> bytes:
    """A setup request with one ItemOut whose ItemID is given and ``content`` follows it."""
    return document(SETUP.replace(
        "</PunchOutSetupRequest>",
        '<ItemOut quantity="1"><ItemID><SupplierPartID>A</SupplierPartID></ItemID>'
        f"{content}</ItemOut></PunchOutSetupRequest>",
    ))


def test_line_parts_belong_to_their_own_element_only() -> None:
    """The one-pass readers of ItemDetail and Distribution take each value from the element
    it belongs to: a UnitPrice or Name wrapped in an unknown element is not the line's."""
    body = setup_line(
        '<ItemDetail><UnitPrice><Money currency="eur">1.50</Money></UnitPrice>'
        '<Description xml:lang="de">Stuhl <ShortName> Stuhl  S </ShortName> schwarz<X/>, Leder'
        "</Description><Description>second language</Description>"
        "<UnitOfMeasure>EA</UnitOfMeasure>"
        '<Wrap><UnitPrice><Money currency="EUR">9</Money></UnitPrice></Wrap>'
        '<Classification domain="UNSPSC">1</Classification>'
        '<Classification domain="eCl@ss"> 2 </Classification></ItemDetail>'
        '<Distribution><Accounting name="Cost"><Segment id="1" type="CC" description="IT"/>'
        '<AccountingSegment id="2"><Name>Project</Name><Wrap><Name>no</Name></Wrap>'
        "<Description>P-7</Description></AccountingSegment></Accounting>"
        '<Charge><Money currency="EUR">1.50</Money><Money currency="USD">2</Money></Charge>'
        "</Distribution>"
    )
    [line] = read_cxml(body).payload_as(PunchOutSetupRequest).items
    assert line.detail is not None
    assert (line.detail.unit_price.amount, line.detail.unit_price.currency) == (
        Decimal("1.50"), "EUR")
    assert (line.detail.description, line.detail.short_name, line.detail.lang) == (
        "Stuhl schwarz, Leder", "Stuhl S", "de")
    assert [(c.domain, c.code) for c in line.detail.classifications] == [
        ("UNSPSC", "1"), ("eCl@ss", "2")]
    [split] = line.distributions
    assert split.accounting.name == "Cost"
    assert [(s.id, s.name, s.description) for s in split.accounting.segments] == [
        ("1", "CC", "IT"), ("2", "Project", "P-7")]
    assert split.charge is not None and split.charge.currency == "EUR"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<ItemDetail><UnitPrice/><UnitOfMeasure>EA</UnitOfMeasure></ItemDetail>",
         "ItemOut #1 UnitPrice: Money is missing"),
        ("<ItemDetail><UnitOfMeasure>EA</UnitOfMeasure></ItemDetail>",
         "ItemOut #1: ItemDetail has no UnitPrice"),
        ('<Distribution><Accounting name="A"/><Charge/></Distribution>',
         "ItemOut #1 Distribution Charge: Money is missing"),
        ('<Distribution><Charge><Money currency="EUR">1,5</Money></Charge></Distribution>',
         "ItemOut #1 Distribution Charge amount '1,5' is not a number"),
    ],
)
def test_broken_line_parts_name_the_problem(content: str, message: str) -> None:
    with pytest.raises(CXMLError) as refused:
        read_cxml(setup_line(content))
    assert str(refused.value) == message


def test_lines_read_back_are_still_immutable() -> None:
    [line] = read_cxml(setup_line(
        '<ItemDetail><UnitPrice><Money currency="EUR">1</Money></UnitPrice></ItemDetail>'
    )).payload_as(PunchOutSetupRequest).items
    with pytest.raises(AttributeError):
        line.quantity = Decimal("5")  # type: ignore[misc]
    assert line.detail is not None
    with pytest.raises(AttributeError):
        line.detail.description = "changed"  # type: ignore[misc]
    assert hash(line.item_id) == hash(type(line.item_id)("A"))
