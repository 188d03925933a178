"""Property tests: whatever the builders write reads back as the same data, and no input makes
the reader fail with anything but a CXMLError."""

from __future__ import annotations

import contextlib
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.cxml import (
    Charge,
    Classification,
    ConfirmationItem,
    ConfirmationRequest,
    ConfirmationStatus,
    CXMLError,
    Extrinsics,
    InvoiceDetailRequest,
    InvoiceItem,
    InvoiceOrder,
    InvoiceSummary,
    ItemDetail,
    ItemID,
    ItemIn,
    ItemOut,
    Money,
    OrderRequest,
    OrderRequestHeader,
    PunchOutOrderMessage,
    PunchOutSetupRequest,
    ShipNoticeItem,
    ShipNoticePortion,
    ShipNoticeRequest,
    build_confirmation,
    build_invoice,
    build_order_message,
    build_order_request,
    build_setup_request,
    build_ship_notice,
    read_cxml,
)
from tests import cxml_data as data

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Free text: any Unicode XML can carry, plus markup look-alikes. Readers collapse whitespace
# (pretty-printed documents wrap text), so generated text is collapsed too.
free_text = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=60),
    st.sampled_from(["]]></Name><x>&", "<![CDATA[x]]>", "&amp; &lt;", "Größe 10 – «Ü»", "😀 🪑"]),
).map(lambda value: " ".join(value.split()))
token = st.text(alphabet="ABCXYZabcxyz0123456789._:/#-", min_size=1, max_size=16)
currency = st.sampled_from(["EUR", "USD", "GBP", "JPY", "CHF"])
quantity = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000000"), places=3)
price = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999999"), places=4)


@st.composite
def money(draw: st.DrawFn, currency_code: str | None = None) -> Money:
    return Money(draw(price), currency_code or draw(currency))


@st.composite
def details(draw: st.DrawFn) -> ItemDetail:
    return ItemDetail(
        unit_price=draw(money()),
        description=draw(free_text),
        unit_of_measure=draw(st.sampled_from(["EA", "C62", "BX", "KGM", "MTR", "HUR"])),
        classifications=tuple(draw(st.lists(
            st.builds(Classification, st.sampled_from(["UNSPSC", "eCl@ss", "custom"]), token),
            min_size=1, max_size=3))),
        short_name=draw(st.none() | free_text.filter(bool)),
        manufacturer_part_id=draw(st.none() | token),
        manufacturer_name=draw(st.none() | free_text.filter(bool)),
        lead_time=draw(st.none() | st.integers(0, 365)),
        extrinsics=Extrinsics(draw(st.lists(st.tuples(token, free_text), max_size=3))),
    )


@st.composite
def item_ids(draw: st.DrawFn) -> ItemID:
    return ItemID(draw(token), draw(st.none() | token), draw(st.none() | token))


@st.composite
def order_messages(draw: st.DrawFn) -> PunchOutOrderMessage:
    items = tuple(
        ItemIn(draw(quantity), draw(item_ids()), draw(details()), draw(st.none() | st.just(n)))
        for n in range(1, draw(st.integers(0, 12)) + 1)
    )
    charge = st.none() | st.builds(Charge, money(), free_text, st.just("en"))
    return PunchOutOrderMessage(
        buyer_cookie=draw(token), total=draw(money()), items=items,
        operation_allowed=draw(st.sampled_from(["create", "edit", "inspect"])),
        shipping=draw(charge), tax=draw(charge),
    )


@SETTINGS
@given(order_messages())
def test_order_message_round_trip(message: PunchOutOrderMessage) -> None:
    body = build_order_message(message, header=data.header(), host=data.HOST)
    doc = read_cxml(body)
    assert doc.payload == message
    assert doc.header == data.header()


@SETTINGS
@given(st.lists(st.tuples(quantity, item_ids(), details(), free_text), min_size=1, max_size=12),
       st.sampled_from(["new", "update", "delete"]), st.none() | st.integers(1, 99))
def test_order_request_round_trip(
    lines: list[tuple[Decimal, ItemID, ItemDetail, str]], kind: str, version: int | None
) -> None:
    items = tuple(
        ItemOut(q, ids, detail, n, comments=comment or None)
        for n, (q, ids, detail, comment) in enumerate(lines, 1)
    )
    base = data.order_request(1).header
    head = OrderRequestHeader(
        order_id=base.order_id, order_date=base.order_date, total=base.total, type=kind,
        order_version=version, bill_to=base.bill_to, ship_to=base.ship_to,
        contacts=base.contacts, extrinsics=base.extrinsics,
    )
    order = OrderRequest(head, items)
    body = build_order_request(order, header=data.header(), host=data.HOST,
                               deployment_mode="test")
    doc = read_cxml(body)
    assert doc.payload == order and doc.deployment_mode == "test"


@SETTINGS
@given(token, st.sampled_from(["create", "edit", "inspect", "source"]),
       st.lists(st.tuples(token, free_text), max_size=6),
       st.lists(st.tuples(quantity, item_ids(), details()), max_size=5))
def test_setup_request_round_trip(
    cookie: str, operation: str, extrinsics: list[tuple[str, str]],
    lines: list[tuple[Decimal, ItemID, ItemDetail]],
) -> None:
    base = data.setup_request()
    request = PunchOutSetupRequest(
        operation=operation, buyer_cookie=cookie,
        browser_form_post_url=base.browser_form_post_url, extrinsics=Extrinsics(extrinsics),
        contacts=base.contacts, ship_to=base.ship_to,
        items=tuple(ItemOut(q, ids, detail, n) for n, (q, ids, detail) in enumerate(lines, 1)),
    )
    body = build_setup_request(request, header=data.header(), host=data.HOST)
    assert read_cxml(body).payload == request


@SETTINGS
@given(st.lists(st.tuples(quantity, st.sampled_from(["accept", "reject", "backordered"]),
                          st.none() | free_text.filter(bool)), min_size=1, max_size=10))
def test_confirmation_round_trip(lines: list[tuple[Decimal, str, str | None]]) -> None:
    items = tuple(
        ConfirmationItem(n, q, "EA", (ConfirmationStatus(kind, q, "EA", comments=note),))
        for n, (q, kind, note) in enumerate(lines, 1)
    )
    confirmation = ConfirmationRequest("detail", data.reference(), data.WHEN, "OC-9", items=items)
    body = build_confirmation(confirmation, header=data.header(), host=data.HOST)
    assert read_cxml(body).payload == confirmation


@SETTINGS
@given(st.lists(st.tuples(quantity, st.none() | item_ids()), min_size=0, max_size=10), token,
       free_text.filter(bool))
def test_ship_notice_round_trip(lines: list[tuple[Decimal, ItemID | None]], tracking: str,
                                carrier: str) -> None:
    portion = ShipNoticePortion(data.reference(), tuple(
        ShipNoticeItem(n, q, "EA", ids) for n, (q, ids) in enumerate(lines, 1)
    ))
    notice = ShipNoticeRequest("SHP-9", data.WHEN, (portion,), carrier=carrier,
                               tracking_number=tracking)
    body = build_ship_notice(notice, header=data.header(), host=data.HOST)
    assert read_cxml(body).payload == notice


@SETTINGS
@given(st.lists(st.tuples(quantity, price, st.none() | free_text.filter(bool)), min_size=1,
                max_size=10))
def test_invoice_round_trip(lines: list[tuple[Decimal, Decimal, str | None]]) -> None:
    items = tuple(
        InvoiceItem(n, q, "EA", Money(p, "EUR"), n, Money(q * p, "EUR"), text)
        for n, (q, p, text) in enumerate(lines, 1)
    )
    subtotal = sum((item.subtotal.amount for item in items if item.subtotal), Decimal(0))
    summary = InvoiceSummary(Money(subtotal, "EUR"), Money(Decimal("0"), "EUR"),
                             Money(subtotal, "EUR"), due=Money(subtotal, "EUR"))
    invoice = InvoiceDetailRequest("INV-9", data.WHEN, (InvoiceOrder(data.reference(), items),),
                                   summary, pay_in_days=14)
    body = build_invoice(invoice, header=data.header(), host=data.HOST)
    assert read_cxml(body).payload == invoice


# ---------- fuzzing: any input parses or raises CXMLError ----------


def read_or_refuse(body: bytes) -> None:
    """Reading either works or raises CXMLError; any other exception fails the test."""
    with contextlib.suppress(CXMLError):
        read_cxml(body)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_anything_else(body: bytes) -> None:
    read_or_refuse(body)


VALID = build_order_request(data.order_request(2), header=data.header(), host=data.HOST)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(VALID)), st.integers(0, 40), st.binary(max_size=12))
def test_damaged_documents_never_raise_anything_else(start: int, length: int,
                                                     junk: bytes) -> None:
    read_or_refuse(VALID[:start] + junk + VALID[start + length:])


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([b'quantity="2"', b'currency="EUR"', b'lineNumber="1"', b"125.00",
                        b'orderID="PO-4711"', b"2025-02-03", b'timestamp="2025-01-27T07:35:37']),
       st.text(max_size=12))
def test_odd_values_never_raise_anything_else(target: bytes, replacement: str) -> None:
    value = replacement.encode("utf-8", "surrogatepass")
    read_or_refuse(VALID.replace(target, value))
