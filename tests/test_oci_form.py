"""Reading OCI forms back: a real catalog's page, posted pairs, tolerance and refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.oci import FormError, OCIItem, build_fields, parse_oci_form, read_form_fields
from tests.conftest import shared_path


@pytest.fixture
def real_world_html() -> str:
    # A captured HTTP response (headers first) from a Rails catalog answering BACKGROUND_SEARCH.
    return shared_path("oci", "meplato__sapoci__real_world.html").read_text(encoding="utf-8")


@pytest.mark.shared
def test_the_real_catalog_page_gives_its_ten_lines(real_world_html):
    items = parse_oci_form(real_world_html)
    assert len(items) == 10
    first = items[0]
    assert first.description == (
        "MantisRegistered Elite Stereo-Betrachtungssystem mit Universalständer... E"
    )
    assert first.quantity == Decimal("1")
    assert first.unit == "PCE"
    assert first.price == Decimal("1730.9")  # sent zero-padded as 00000001730.900
    assert first.currency == "EUR"
    assert first.price_unit == 1  # sent as "1.0"
    assert first.lead_time == 1
    assert first.manufactmat == "491901E"
    assert first.ext_product_id == "491901E"
    assert first.long_text.startswith("Klare, verzerrungsfreie, dreidimensionale")
    assert "Vergrößerung" in first.long_text
    assert first.extra == ()


@pytest.mark.shared
def test_the_real_catalog_page_field_by_field_for_every_line(real_world_html):
    items = parse_oci_form(real_world_html)
    assert [item.ext_product_id for item in items] == [
        "491901E", "491903E", "966150E", "94408027E", "94408036E", "94408054E", "94408078E",
        "ECP55321E", "ECP55322E", "ECP55341E",
    ]  # fmt: skip
    assert [item.unit for item in items] == ["PCE"] * 3 + ["PA"] * 4 + ["PCE"] * 3
    assert [str(item.price) for item in items] == [
        "1730.900", "1944.650", "68.530", "4.760", "5.730", "6.080", "10.650", "12.680",
        "12.680", "11.870",
    ]  # fmt: skip
    assert [item.lead_time for item in items] == [1, 1, 20, 1, 1, 1, 1, 2, 2, 2]
    assert items[7].description == "Ordnungsmappe Ordonator, A4, 7 Fächer, schwarz"
    assert items[7].manufactmat == "55321E"
    # This long text has a real line break inside the attribute value.
    assert "(B x H).\n" in items[7].long_text
    assert "• Material: Karton" in items[7].long_text


@pytest.mark.shared
def test_the_real_page_ignores_fields_that_are_not_item_fields(real_world_html):
    fields = dict(read_form_fields(real_world_html))
    assert fields["HEADER-TOTAL_RESULTS"] == "1081"
    assert fields["_snowman"] == "☃"  # the entity &#9731; decoded
    assert all(item.extra == () for item in parse_oci_form(real_world_html))


@pytest.mark.shared
def test_the_real_lines_survive_our_own_transfer(real_world_html):
    items = parse_oci_form(real_world_html)
    again = parse_oci_form(build_fields(items, description_length=132))
    for before, after in zip(items, again, strict=True):
        assert after.description == before.description
        assert after.quantity == before.quantity
        assert after.unit_price == before.unit_price
        assert after.long_text.replace("\n", " ").split() == before.long_text.split()
        assert (after.unit, after.currency, after.lead_time) == (
            before.unit,
            before.currency,
            before.lead_time,
        )
        assert (after.manufactmat, after.ext_product_id) == (
            before.manufactmat,
            before.ext_product_id,
        )


def test_posted_pairs_are_read_like_html():
    pairs = [
        ("~OkCode", "ADDI"),
        ("NEW_ITEM-DESCRIPTION[1]", "Bolt"),
        ("NEW_ITEM-QUANTITY[1]", "2"),
        ("NEW_ITEM-UNIT[1]", "PCE"),
    ]
    assert parse_oci_form(pairs) == [OCIItem("Bolt", Decimal(2), unit="PCE")]


def test_field_names_in_any_case_and_gaps_in_line_numbers():
    pairs = [
        ("new_item-description[7]", "Seven"),
        ("NEW_ITEM-Quantity[7]", "7"),
        ("NEW_ITEM-DESCRIPTION[3]", "Three"),
        ("NEW_ITEM-QUANTITY[3]", "3"),
        ("NEW_ITEM-PARENT_ID[7]", "3"),
    ]
    items = parse_oci_form(pairs)
    assert [item.description for item in items] == ["Three", "Seven"]
    assert items[1].parent_id == 1  # renumbered to the parent's position in the list


@pytest.mark.parametrize(
    "name",
    ["NEW_ITEM-LONGTEXT_1:132[]", "new_item-longtext_1:132[]", "NEW_ITEM-LONGTEXT_1:132[1]",
     "NEW_ITEM-LONGTEXT[1]", "NEW_ITEM-LONGTEXT_1:72[]"],
)  # fmt: skip
def test_every_longtext_spelling_is_read(name):
    items = parse_oci_form([("NEW_ITEM-QUANTITY[1]", "1"), (name, "Long\r\ntext")])
    assert items[0].long_text == "Long\ntext"


def test_several_longtext_values_of_one_line_are_joined_as_lines():
    items = parse_oci_form(
        [
            ("NEW_ITEM-QUANTITY[1]", "1"),
            ("NEW_ITEM-LONGTEXT_1:132[]", "first 132 characters"),
            ("NEW_ITEM-LONGTEXT_1:132[]", "next line"),
        ]
    )
    assert items[0].long_text == "first 132 characters\nnext line"


def test_all_standard_fields_and_extension_fields_are_read():
    pairs = [
        ("NEW_ITEM-DESCRIPTION[1]", "Kit"),
        ("NEW_ITEM-QUANTITY[1]", "1"),
        ("NEW_ITEM-SERVICE[1]", "x"),
        ("NEW_ITEM-ITEM_TYPE[1]", "R"),
        ("NEW_ITEM-CUST_FIELD5[1]", "c5"),
        ("NEW_ITEM-TAX_CODE[1]", "V1"),
        ("NEW_ITEM-DESCRIPTION[1]", "Kit, last value wins"),
    ]
    item = parse_oci_form(pairs)[0]
    assert item.description == "Kit, last value wins"
    assert item.service is True
    assert item.item_type == "R"
    assert item.cust_field5 == "c5"
    assert item.extra == (("TAX_CODE", "V1"),)


def test_disabled_inputs_and_textareas():
    html = """<form>
      <input name="NEW_ITEM-QUANTITY[1]" value="1">
      <input name="NEW_ITEM-DESCRIPTION[1]" value="Off" disabled>
      <textarea name="NEW_ITEM-LONGTEXT_1:132[]">Fits &amp; works</textarea>
    </form>"""
    item = parse_oci_form(html)[0]
    assert item.description == ""
    assert item.long_text == "Fits & works"


def test_a_page_without_oci_fields_has_no_lines():
    assert parse_oci_form("<html><body><p>No hits</p></body></html>") == []
    assert parse_oci_form([]) == []


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("NEW_ITEM-DESCRIPTION[1]", "no quantity")], "QUANTITY is missing"),
        ([("NEW_ITEM-QUANTITY[1]", "1,5")], "not a number"),
        ([("NEW_ITEM-QUANTITY[1]", "1.234,50")], "not a number"),
        ([("NEW_ITEM-QUANTITY[1]", "-1")], "not a number"),
        ([("NEW_ITEM-QUANTITY[1]", "1e5")], "not a number"),
        ([("NEW_ITEM-QUANTITY[1]", "1" * 50)], "not a number"),
        ([("NEW_ITEM-QUANTITY[1]", "1"), ("NEW_ITEM-PRICE[1]", "12,50")], "PRICE"),
        ([("NEW_ITEM-QUANTITY[1]", "1"), ("NEW_ITEM-PRICEUNIT[1]", "1.5")], "whole number"),
        ([("NEW_ITEM-QUANTITY[1]", "1"), ("NEW_ITEM-PRICEUNIT[1]", "0")], "whole number"),
        ([("NEW_ITEM-QUANTITY[1]", "1"), ("NEW_ITEM-LEADTIME[1]", "2.5")], "whole number"),
        ([("NEW_ITEM-QUANTITY[1]", "1"), ("NEW_ITEM-PARENT_ID[1]", "4")], "names no line"),
        ([("NEW_ITEM-QUANTITY[123456]", "1")], "larger than 99999"),
        ([("NEW_ITEM-QUANTITY[1]", "1"), ("NEW_ITEM-QUANTITY[1]", 2)], "text"),
        ([("NEW_ITEM-QUANTITY[1]",)], "pairs"),
    ],
)
def test_values_sap_would_refuse_raise_form_errors(pairs, message):
    with pytest.raises(FormError, match=message):
        parse_oci_form(pairs)


def test_oversized_pages_are_refused():
    with pytest.raises(FormError, match="larger than"):
        parse_oci_form("<input>" * 2_000_000)
    with pytest.raises(FormError, match="text"):
        read_form_fields(b"<input>")  # type: ignore[arg-type]
