"""Builders write documents that are valid against the official DTDs and read back as built."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from shop.cxml import (
    ItemDetail,
    Money,
    PunchOutOrderMessage,
    Response,
    build_confirmation,
    build_invoice,
    build_order_message,
    build_order_request,
    build_profile_request,
    build_profile_response,
    build_setup_request,
    build_setup_response,
    build_ship_notice,
    build_status_response,
    new_payload_id,
    read_cxml,
    validate_cxml,
)
from shop.cxml.documents import ProfileResponse, PunchOutSetupResponse
from tests import cxml_data as data

pytestmark = pytest.mark.shared

Builder = Callable[[str], bytes]

CORE_BUILDERS: dict[str, Builder] = {
    "status": lambda v: build_status_response(400, "Bad Request", "no ItemOut", host=data.HOST,
                                              version=v),
    "setup-response": lambda v: build_setup_response("https://shop.example.com/start/abc",
                                                     host=data.HOST, version=v),
    "profile-response": lambda v: build_profile_response(
        {"PunchOutSetupRequest": "https://shop.example.com/punchout/setup",
         "OrderRequest": "https://shop.example.com/orders/cxml"}, host=data.HOST, version=v),
    "order-message": lambda v: build_order_message(data.order_message(3), header=data.header(),
                                                   host=data.HOST, version=v),
    "profile-request": lambda v: build_profile_request(header=data.header(), host=data.HOST,
                                                       version=v),
    "setup-request": lambda v: build_setup_request(data.setup_request("edit"),
                                                   header=data.header(), host=data.HOST,
                                                   version=v),
    "order-request": lambda v: build_order_request(data.order_request(3), header=data.header(),
                                                   host=data.HOST, version=v),
}
FULFILL_BUILDERS: dict[str, Builder] = {
    "confirmation-detail": lambda v: build_confirmation(data.confirmation("detail"),
                                                        header=data.header(), host=data.HOST,
                                                        version=v),
    "confirmation-accept": lambda v: build_confirmation(data.confirmation("accept"),
                                                        header=data.header(), host=data.HOST,
                                                        version=v),
    "confirmation-reject": lambda v: build_confirmation(data.confirmation("reject"),
                                                        header=data.header(), host=data.HOST,
                                                        version=v),
    "ship-notice": lambda v: build_ship_notice(data.ship_notice(), header=data.header(),
                                               host=data.HOST, version=v),
}
INVOICE_BUILDER: Builder = lambda v: build_invoice(  # noqa: E731
    data.invoice(), header=data.header(), host=data.HOST, version=v
)


def assert_valid(body: bytes, dtd_dir: Path, dtd_file: str, version: str) -> None:
    result = validate_cxml(body, dtd_dir)
    assert result.valid, result.errors
    assert result.dtd_path == dtd_dir / version / dtd_file
    assert result.note == ""  # the exact DTD was used, no fallback


@pytest.mark.parametrize("version", ["1.2.063", "1.2.014"])
@pytest.mark.parametrize("name", sorted(CORE_BUILDERS))
def test_core_documents_are_valid(name: str, version: str, dtd_dir: Path) -> None:
    body = CORE_BUILDERS[name](version)
    assert f'cXML/{version}/cXML.dtd"'.encode() in body
    assert_valid(body, dtd_dir, "cXML.dtd", version)


@pytest.mark.parametrize("version", ["1.2.063", "1.2.050"])
@pytest.mark.parametrize("name", sorted(FULFILL_BUILDERS))
def test_fulfillment_documents_are_valid(name: str, version: str, dtd_dir: Path) -> None:
    body = FULFILL_BUILDERS[name](version)
    assert f'cXML/{version}/Fulfill.dtd"'.encode() in body
    assert_valid(body, dtd_dir, "Fulfill.dtd", version)


@pytest.mark.parametrize("version", ["1.2.037", "1.2.020"])
def test_invoice_is_valid(version: str, dtd_dir: Path) -> None:
    assert_valid(INVOICE_BUILDER(version), dtd_dir, "InvoiceDetail.dtd", version)


def test_invoice_for_the_default_version_validates_against_the_newest_local_dtd(
    dtd_dir: Path, tmp_path: Path,
) -> None:
    # A folder whose InvoiceDetail.dtd goes only up to 1.2.037 (as in the shared copy; `make
    # dtds` may fetch newer ones): the result says which version it used.
    for version in ("1.2.020", "1.2.037"):
        (tmp_path / version).mkdir()
        shutil.copy(dtd_dir / version / "InvoiceDetail.dtd", tmp_path / version)
    result = validate_cxml(INVOICE_BUILDER("1.2.063"), tmp_path)
    assert result.valid, result.errors
    assert result.dtd_path == tmp_path / "1.2.037" / "InvoiceDetail.dtd"
    assert "1.2.063" in result.note and "1.2.037" in result.note


def test_envelope_shape() -> None:
    body = build_status_response(200, "OK", host=data.HOST)
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE cXML SYSTEM '
                           b'"http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd">\n<cXML ')
    doc = read_cxml(body)
    assert doc.header is None and doc.category == "Response"
    assert doc.envelope.timestamp.utcoffset() is not None
    assert re.fullmatch(r"\d{14}\.\d+\.[0-9a-f]{16}@shop\.example\.com", doc.payload_id)
    assert doc.envelope.lang == "en-US"


def test_payload_ids_are_unique() -> None:
    ids = {new_payload_id("shop.example.com") for _ in range(1000)}
    assert len(ids) == 1000


def test_payload_id_refuses_a_host_that_would_break_it() -> None:
    with pytest.raises(ValueError):
        new_payload_id("shop example.com")


def test_fixed_payload_id_and_timestamp_for_resends() -> None:
    first = build_status_response(200, "OK", host=data.HOST, payload_id="p-1@shop",
                                  timestamp=data.WHEN)
    again = build_status_response(200, "OK", host=data.HOST, payload_id="p-1@shop",
                                  timestamp=data.WHEN)
    assert first == again
    assert b'payloadID="p-1@shop" timestamp="2025-01-27T07:35:37+00:00"' in first


def test_status_response_reads_back() -> None:
    doc = read_cxml(build_status_response(401, "Unauthorized", "wrong secret <&>",
                                          host=data.HOST))
    response = doc.payload_as(Response)
    assert (response.status.code, response.status.text) == (401, "Unauthorized")
    assert response.status.detail == "wrong secret <&>"
    assert not response.status.is_success


def test_setup_and_profile_responses_read_back() -> None:
    setup = read_cxml(build_setup_response("https://s/start?a=1&b=2", host=data.HOST))
    assert setup.payload_as(Response).body == PunchOutSetupResponse("https://s/start?a=1&b=2")
    profile = read_cxml(build_profile_response({"OrderRequest": "https://s/o"}, host=data.HOST))
    body = profile.payload_as(Response).body
    assert isinstance(body, ProfileResponse) and dict(body.transactions) == {
        "OrderRequest": "https://s/o"
    }


def test_order_message_echoes_the_buyer_cookie_exactly() -> None:
    cookie = "  odd <cookie> & ]]> 'quoted' \"twice\"  "
    message = data.order_message(1)
    message = PunchOutOrderMessage(cookie.strip(), message.total, message.items)
    body = build_order_message(message, header=data.header(), host=data.HOST)
    assert read_cxml(body).payload_as(PunchOutOrderMessage).buyer_cookie == cookie.strip()


def test_money_is_written_as_plain_decimals() -> None:
    message = data.order_message(1)
    total = Money(Decimal("1E+3"), "EUR")
    body = build_order_message(PunchOutOrderMessage("c", total, message.items),
                               header=data.header(), host=data.HOST)
    assert b'<Money currency="EUR">1000</Money>' in body


def test_text_that_looks_like_markup_stays_text() -> None:
    hostile = "]]></Name><x>&amp;"
    item = data.order_message(1).items[0]
    detail = ItemDetail(item.detail.unit_price, hostile, "EA", item.detail.classifications,
                        short_name=hostile)
    message = PunchOutOrderMessage("c", item.detail.unit_price,
                                   (type(item)(item.quantity, item.item_id, detail),))
    body = build_order_message(message, header=data.header(), host=data.HOST)
    assert b"<x>" not in body
    read = read_cxml(body).payload_as(PunchOutOrderMessage).items[0].detail
    assert (read.description, read.short_name) == (hostile, hostile)


def test_characters_xml_cannot_carry_are_dropped() -> None:
    item = data.order_message(1).items[0]
    detail = ItemDetail(item.detail.unit_price, "bell\x07 tab\t", "EA",
                        item.detail.classifications)
    message = PunchOutOrderMessage("c", item.detail.unit_price,
                                   (type(item)(item.quantity, item.item_id, detail),))
    body = build_order_message(message, header=data.header(), host=data.HOST)
    read = read_cxml(body).payload_as(PunchOutOrderMessage)
    assert read.items[0].detail.description == "bell tab"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"classifications": ()}, "Classification"),
        ({"unit_of_measure": ""}, "UnitOfMeasure"),
    ],
)
def test_builder_refuses_data_that_would_be_invalid(change: dict[str, object],
                                                   problem: str) -> None:
    item = data.order_message(1).items[0]
    fields = {"unit_price": item.detail.unit_price, "description": "x", "unit_of_measure": "EA",
              "classifications": item.detail.classifications, **change}
    detail = ItemDetail(**fields)  # type: ignore[arg-type]
    message = PunchOutOrderMessage("c", item.detail.unit_price,
                                   (type(item)(item.quantity, item.item_id, detail),))
    with pytest.raises(ValueError, match=problem):
        build_order_message(message, header=data.header(), host=data.HOST)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        build_status_response(200, "OK", host=data.HOST, timestamp=data.WHEN.replace(tzinfo=None))


def test_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        build_status_response(200, "OK", host=data.HOST, version="1.2.063/../x")
