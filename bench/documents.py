"""The cXML documents the benchmark sends, written with the shop's own toolkit.

A buyer's procurement system sends each document with its own payloadID (the shop refuses a
replayed one), so the load generator needs *templates*: a document built once with marker
strings in place of the payloadID and the order number, which wrk's Lua ``request()``
replaces by fresh values per request (``split_template``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shop import cxml

HOST = "buyer.bench.example"
PAYLOAD_MARK = "BENCHPAYLOADMARK"
ORDER_MARK = "BENCHORDERMARK"
SECRET = "bench-Shared-Secret-42"
BUYER = ("NetworkID", "AN01000099999")
NETWORK = ("NetworkID", "AN01000000001")  # the network that relays, as Ariba does
SHOP = ("DUNS", "123456789")
RETURN_URL = "https://buyer.bench.example/punchout/return?session=8f3a2c"
RETURN_PREFIX = "https://buyer.bench.example/punchout/"


def _header() -> cxml.Header:
    return cxml.Header(
        from_=cxml.Party((cxml.Credential(*BUYER),)),
        to=cxml.Party((cxml.Credential(*SHOP),)),
        sender=cxml.Party((cxml.Credential(*NETWORK, shared_secret=SECRET),)),
        user_agent="Ariba Network 1.0 (benchmark)",
    )


def _ship_to() -> cxml.Address:
    return cxml.Address(
        name="Acme Industries, Plant 2", address_id="ACME-DE-01",
        deliver_to=("Goods In, Gate 4", "Attn. Alex Meyer"), street=("Industriestraße 12",),
        city="Stuttgart", postal_code="70565", country_code="DE", country_name="Germany",
        email="goods-in@acme.example", phone="+49 711 555 0100",
    )


def setup_request(payload_id: str = PAYLOAD_MARK, operation: str = "create",
                  items: tuple[tuple[str, int], ...] = ()) -> bytes:
    """A PunchOutSetupRequest of the size Ariba or Coupa send (about 3 kB with its header).

    ``items`` (SKU, quantity) turn it into an ``edit`` request that rebuilds a cart.
    """
    extrinsics = (
        ("UserEmail", "alex.meyer@acme.example"), ("UniqueName", "ameyer"),
        ("FirstName", "Alex"), ("LastName", "Meyer"), ("CostCenter", "4711"),
        ("CompanyCode", "DE01"), ("PurchasingOrganization", "P100"),
        ("PurchasingGroup", "G23"), ("Plant", "DE70"), ("BusinessUnit", "Operations"),
        ("User", "ameyer"), ("UserPhoneNumber", "+49 711 555 0123"),
    )
    request = cxml.PunchOutSetupRequest(
        operation=operation, buyer_cookie="c0ffee1234567890abcdef0123456789",
        browser_form_post_url=RETURN_URL, extrinsics=cxml.Extrinsics(extrinsics),
        contacts=(cxml.Contact("Alex Meyer", role="endUser", email="alex.meyer@acme.example",
                               phone="+49 711 555 0123"),),
        supplier_setup_url="https://shop.bench.example/punchout/setup",
        ship_to=_ship_to(),
        items=tuple(
            cxml.ItemOut(quantity=Decimal(quantity), item_id=cxml.ItemID(sku),
                         line_number=number)
            for number, (sku, quantity) in enumerate(items, start=1)
        ),
    )
    return cxml.build_setup_request(request, header=_header(), host=HOST,
                                    payload_id=payload_id)


def order_request(skus: list[str], lines: int, payload_id: str = PAYLOAD_MARK,
                  order_id: str = ORDER_MARK) -> bytes:
    """An OrderRequest of ``lines`` lines over ``skus``, as an ERP sends it."""
    items = tuple(
        cxml.ItemOut(
            quantity=Decimal(n % 9 + 1), line_number=n,
            item_id=cxml.ItemID(skus[n % len(skus)], f"S1-L{n}"),
            detail=cxml.ItemDetail(
                cxml.Money(Decimal("12.50"), "EUR"),
                f"Catalog item {skus[n % len(skus)]}, line {n}, as described in the catalog",
                "EA", (cxml.Classification("UNSPSC", "44121704"),)),
            distributions=(cxml.Distribution(
                cxml.Accounting("Cost", (cxml.AccountingSegment("4711", "Cost Center", "IT"),)),
                cxml.Money(Decimal("12.50") * (n % 9 + 1), "EUR")),),
            comments="Deliver to goods in, gate 4",
        )
        for n in range(1, lines + 1)
    )
    total = sum((Decimal("12.50") * (n % 9 + 1) for n in range(1, lines + 1)), Decimal(0))
    header = cxml.OrderRequestHeader(
        order_id=order_id, order_date=dt.datetime.now(dt.UTC),
        total=cxml.Money(total, "EUR"), ship_to=_ship_to(), bill_to=_ship_to(),
        comments="Benchmark order")
    return cxml.build_order_request(cxml.OrderRequest(header, items), header=_header(),
                                    host=HOST, payload_id=payload_id)


def split_template(body: bytes) -> list[str]:
    """The document as text pieces around the markers: even pieces are literal text, odd
    ones name a marker (``payload`` or ``order``) for Lua to fill in."""
    text = body.decode("utf-8")
    pieces: list[str] = []
    rest = text
    while True:
        positions = [(rest.find(mark), name) for mark, name in
                     ((PAYLOAD_MARK, "payload"), (ORDER_MARK, "order")) if mark in rest]
        if not positions:
            pieces.append(rest)
            return pieces
        index, name = min(positions)
        mark = PAYLOAD_MARK if name == "payload" else ORDER_MARK
        pieces += [rest[:index], name]
        rest = rest[index + len(mark):]
