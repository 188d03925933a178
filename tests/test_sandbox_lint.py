"""The sandbox's check of a returned cart, on documents built here: what it lets pass."""

from __future__ import annotations

from decimal import Decimal

from shop import cxml
from shop.sandbox.lint import lint_order_message
from tests import cxml_data as data


def edited_cart(aux_id: str | None) -> bytes:
    item = cxml.ItemIn(
        Decimal(2), cxml.ItemID("PEN-001", aux_id), cxml.ItemDetail(
            cxml.Money(Decimal("1.50"), "EUR"), "Blue pen", "EA",
            (cxml.Classification("UNSPSC", "44121704"),)), 1)
    message = cxml.PunchOutOrderMessage("cookie-1", cxml.Money(Decimal("3.00"), "EUR"), (item,))
    # As the shop sends a cart: the shop's identity, no SharedSecret (the browser carries it).
    shop = cxml.Party((cxml.Credential("DUNS", "123456789"),))
    header = cxml.Header(shop, cxml.Party((cxml.Credential("NetworkID", "AN01"),)), shop)
    return cxml.build_order_message(message, header=header, host=data.HOST)


def test_a_new_auxiliary_id_after_an_edit_passes():
    # The shop keys every transferred line anew; the buyer replaces the requisition's lines.
    result = lint_order_message(edited_cart("S7-L1"), buyer_cookie="cookie-1",
                                sent_items={"PEN-001": "S3-L1"})
    assert result.findings == ()
    assert result.lines == 1


def test_an_auxiliary_id_dropped_by_the_edit_is_a_warning():
    result = lint_order_message(edited_cart(None), buyer_cookie="cookie-1",
                                sent_items={"PEN-001": "S3-L1"})
    assert not result.errors
    [warning] = result.warnings
    assert "'S3-L1' came back empty" in warning.message
    assert warning.line == 1
