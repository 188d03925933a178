"""The outbound cart: NEW_ITEM fields, lengths, versions, echoes, and the form itself."""

from __future__ import annotations

import csv
import re
from decimal import Decimal

import pytest

from shop.oci import (
    FIELD_LENGTHS,
    BuildError,
    OCIEntry,
    OCIItem,
    TargetRefused,
    UnsupportedCharset,
    build_fields,
    field_name,
    major_version,
    parse_oci_form,
    prepare_transfer,
    read_entry,
    read_form_fields,
    render_form,
    version_label,
)
from tests.conftest import shared_path

HOOK = "https://srm.acme.test/sap/bc/bsp/sap/bbp_oci?sap-client=100&~OkCode=ADDI"


def bolt(**fields: object) -> OCIItem:
    values: dict[str, object] = {
        "description": "Hex bolt M8x40, zinc plated",
        "quantity": Decimal("25"),
        "unit": "PCE",
        "price": Decimal("0.19"),
        "currency": "EUR",
        "lead_time": 2,
        "vendor": "100042",
        "vendormat": "NW-10045",
        "manufactcode": "WUERTH",
        "manufactmat": "0057 840 40",
        "matgroup": "31161500",
        "ext_product_id": "NW-10045",
        "long_text": "DIN 933, strength class 8.8.\nSold per piece.",
    }
    values.update(fields)
    return OCIItem(**values)  # type: ignore[arg-type]


def as_dict(fields: list[tuple[str, str]]) -> dict[str, str]:
    result = dict(fields)
    assert len(result) == len(fields), "a field name was written twice"
    return result


def test_one_line_field_by_field():
    fields = build_fields([bolt()])
    assert fields == [
        ("NEW_ITEM-DESCRIPTION[1]", "Hex bolt M8x40, zinc plated"),
        ("NEW_ITEM-QUANTITY[1]", "25"),
        ("NEW_ITEM-UNIT[1]", "PCE"),
        ("NEW_ITEM-PRICE[1]", "0.19"),
        ("NEW_ITEM-CURRENCY[1]", "EUR"),
        ("NEW_ITEM-PRICEUNIT[1]", "1"),
        ("NEW_ITEM-LEADTIME[1]", "2"),
        ("NEW_ITEM-VENDOR[1]", "100042"),
        ("NEW_ITEM-VENDORMAT[1]", "NW-10045"),
        ("NEW_ITEM-MANUFACTCODE[1]", "WUERTH"),
        ("NEW_ITEM-MANUFACTMAT[1]", "0057 840 40"),
        ("NEW_ITEM-MATGROUP[1]", "31161500"),
        ("NEW_ITEM-EXT_PRODUCT_ID[1]", "NW-10045"),
        ("NEW_ITEM-LONGTEXT_1:132[]", "DIN 933, strength class 8.8.\nSold per piece."),
    ]


def test_lines_are_numbered_from_one_with_the_same_index_for_every_field():
    fields = build_fields([bolt(), bolt(description="Washer", ext_product_id="NW-2")])
    names = [name for name, _ in fields]
    assert "NEW_ITEM-DESCRIPTION[1]" in names and "NEW_ITEM-DESCRIPTION[2]" in names
    assert "NEW_ITEM-DESCRIPTION[0]" not in names
    assert all(name.endswith("[1]") or name.endswith("[2]") or ":132[]" in name for name in names)
    assert [name for name in names if "LONGTEXT" in name] == [
        "NEW_ITEM-LONGTEXT_1:132[]",
        "NEW_ITEM-LONGTEXT_2:132[]",
    ]


def test_field_names():
    assert field_name("DESCRIPTION", 3) == "NEW_ITEM-DESCRIPTION[3]"
    assert field_name("LONGTEXT", 3) == "NEW_ITEM-LONGTEXT_3:132[]"


def test_every_field_of_a_full_item_and_its_maximum_length():
    item = bolt(
        matnr="",
        service=True,
        contract="4600000012",
        contract_item="10",
        ext_quote_id="Q-2024-0042",
        ext_quote_item="1",
        attachment="https://shop.test/spec/NW-10045.pdf",
        attachment_title="Data sheet",
        attachment_purpose="C",
        ext_schema_type="UNSPSC_V1",
        ext_category_id="31161500",
        ext_category="31161500",
        sld_sys_name="SHOP",
        cust_field1="A",
        cust_field2="B",
        cust_field3="C",
        cust_field4="D",
        cust_field5="E",
        item_type="R",
    )
    values = as_dict(build_fields([item, bolt(parent_id=1, item_type="O")]))
    for field in FIELD_LENGTHS:
        if field not in ("MATNR", "PARENT_ID"):
            assert f"NEW_ITEM-{field}[1]" in values, field
    assert values["NEW_ITEM-SERVICE[1]"] == "X"
    assert values["NEW_ITEM-PARENT_ID[2]"] == "1"
    for name, value in values.items():
        field = name.removeprefix("NEW_ITEM-").partition("[")[0]
        if field in FIELD_LENGTHS:
            assert len(value) <= FIELD_LENGTHS[field], name


def test_free_text_is_cut_to_its_length_after_decoding():
    long = "Präzisions-Drehmomentschlüssel mit Ratschenkopf, 40–200 Nm, ½ Zoll Vierkant"
    values = as_dict(build_fields([bolt(description=long, cust_field1="Kostenstelle 4711-ÄÖÜ")]))
    assert values["NEW_ITEM-DESCRIPTION[1]"] == "Präzisions-Drehmomentschlüssel mit…"
    assert values["NEW_ITEM-CUST_FIELD1[1]"] == "Kostenstel"


def test_a_shortened_description_travels_whole_in_the_long_text():
    name = "Nitrile examination gloves, powder-free, box of 100, size S"
    values = as_dict(build_fields([bolt(description=name)]))
    assert values["NEW_ITEM-DESCRIPTION[1]"] == "Nitrile examination gloves, powder-free…"
    long_text = values["NEW_ITEM-LONGTEXT_1:132[]"]
    assert long_text == f"{name}\nDIN 933, strength class 8.8.\nSold per piece."
    # A buyer in ISO-8859-1 has no "…": the mark is "..." and still counts within the 40.
    latin = as_dict(build_fields([bolt(description=name, long_text="")], charset="iso-8859-1"))
    assert latin["NEW_ITEM-DESCRIPTION[1]"] == "Nitrile examination gloves..."
    assert latin["NEW_ITEM-LONGTEXT_1:132[]"] == name
    # A description that fits is not repeated in the long text.
    assert "NEW_ITEM-LONGTEXT_1:132[]" not in as_dict(build_fields([bolt(long_text="")]))


def test_description_length_follows_the_connection():
    long = "x" * 150
    assert len(as_dict(build_fields([bolt(description=long)]))["NEW_ITEM-DESCRIPTION[1]"]) == 40
    values = as_dict(build_fields([bolt(description=long)], description_length=128))
    assert len(values["NEW_ITEM-DESCRIPTION[1]"]) == 128
    with pytest.raises(BuildError):
        build_fields([bolt()], description_length=0)


@pytest.mark.parametrize(
    ("field", "value"),
    [("vendormat", "V" * 41), ("ext_product_id", "P" * 41), ("manufactmat", "M" * 41),
     ("vendor", "1" * 11), ("matgroup", "G" * 11), ("contract", "C" * 11), ("unit", "PIECE"),
     ("currency", "EURO12")],
)  # fmt: skip
def test_a_key_that_does_not_fit_is_refused_not_cut(field, value):
    with pytest.raises(BuildError, match="Line 1 .*longer than"):
        build_fields([bolt(**{field: value})])


def test_a_key_the_charset_cannot_carry_or_with_control_characters_is_refused():
    with pytest.raises(BuildError, match="cannot be written in iso-8859-1"):
        build_fields([bolt(ext_product_id="NW-日本")], charset="iso-8859-1")
    assert as_dict(build_fields([bolt(ext_product_id="NW-日本")]))["NEW_ITEM-EXT_PRODUCT_ID[1]"]
    with pytest.raises(BuildError, match="control"):
        build_fields([bolt(vendormat="NW\n10045")])


def test_codes_are_upper_case_and_keys_trimmed():
    values = as_dict(build_fields([bolt(unit="pce", currency="eur", vendormat=" NW-1 ")]))
    assert values["NEW_ITEM-UNIT[1]"] == "PCE"
    assert values["NEW_ITEM-CURRENCY[1]"] == "EUR"
    assert values["NEW_ITEM-VENDORMAT[1]"] == "NW-1"


def test_numbers_in_the_form():
    values = as_dict(
        build_fields(
            [
                bolt(quantity=Decimal("1234.5"), price=Decimal("1234.5")),
                bolt(quantity=Decimal("0.125"), price=Decimal("0.0125"), lead_time=0),
            ]
        )
    )
    assert values["NEW_ITEM-QUANTITY[1]"] == "1234.5"
    assert values["NEW_ITEM-PRICE[1]"] == "1234.50"
    assert values["NEW_ITEM-PRICEUNIT[1]"] == "1"
    assert values["NEW_ITEM-QUANTITY[2]"] == "0.125"
    assert values["NEW_ITEM-PRICE[2]"] == "1.25"
    assert values["NEW_ITEM-PRICEUNIT[2]"] == "100"
    assert values["NEW_ITEM-LEADTIME[2]"] == "0"


def test_a_line_without_price_sends_neither_price_nor_priceunit():
    values = as_dict(build_fields([bolt(price=None, currency="", lead_time=None)]))
    assert not any(field in name for name in values for field in ("PRICE", "CURRENCY", "LEADTIME"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"quantity": Decimal("1.2345")}, "decimals"),
        ({"quantity": Decimal("0")}, "more than zero"),
        ({"lead_time": 100000}, "LEADTIME"),
        ({"lead_time": -1}, "LEADTIME"),
        ({"price_unit": 0}, "PRICEUNIT"),
        ({"description": "  ", "matnr": ""}, "DESCRIPTION"),
        ({"unit": ""}, "UNIT"),
        ({"currency": ""}, "PRICE needs CURRENCY"),
        ({"ext_category_id": "31161500"}, "needs EXT_SCHEMA_TYPE"),
        ({"ext_quote_item": "1"}, "needs EXT_QUOTE_ID"),
        ({"contract_item": "10"}, "needs CONTRACT"),
        ({"item_type": "X"}, "ITEM_TYPE"),
        ({"parent_id": 1}, "own parent"),
        ({"parent_id": 2}, "PARENT_ID"),
        ({"extra": (("bad name", "x"),)}, "field name"),
        ({"extra": (("DESCRIPTION", "x"),)}, "overwrite"),
        ({"extra": (("LONGTEXT_1:132", "x"),)}, "field name"),
    ],
)
def test_lines_sap_would_misread_are_refused_naming_the_line(fields, message):
    with pytest.raises(BuildError, match=message) as info:
        build_fields([bolt(**fields)])
    assert str(info.value).startswith("Line 1 (")


def test_matnr_can_replace_description_and_unit():
    values = as_dict(build_fields([bolt(description="", unit="", matnr="000000000010004711")]))
    assert values["NEW_ITEM-MATNR[1]"] == "000000000010004711"
    assert "NEW_ITEM-DESCRIPTION[1]" not in values


def test_extension_fields_are_written_after_the_standard_ones():
    fields = build_fields([bolt(extra=(("tax_code", "V1"), ("CUST_FIELD30", "x"), ("EMPTY", "")))])
    names = [name for name, _ in fields]
    assert names[-3:] == [
        "NEW_ITEM-TAX_CODE[1]",
        "NEW_ITEM-CUST_FIELD30[1]",
        "NEW_ITEM-LONGTEXT_1:132[]",
    ]


def test_long_text_keeps_line_breaks_and_is_not_cut():
    text = "First line\r\nSecond line\twith tab\n" + "y" * 5000
    values = as_dict(build_fields([bolt(long_text=text)]))
    sent = values["NEW_ITEM-LONGTEXT_1:132[]"]
    assert sent.startswith("First line\nSecond line with tab\n")
    assert sent.endswith("y" * 5000)
    assert "NEW_ITEM-LONGTEXT[1]" not in values
    assert "NEW_ITEM-LONGTEXT_1:132[]" in values
    assert "LONGTEXT" not in "".join(as_dict(build_fields([bolt(long_text=" \n ")])))


# ---------- OCI 4.0 and 5.0 ----------


def test_bundles_use_item_type_and_parent_id_in_5_0():
    kit = [
        bolt(description="Assembly kit", item_type="R", ext_product_id="KIT"),
        bolt(item_type="o", parent_id=1),
        bolt(description="Washer", ext_product_id="W", parent_id=1),
    ]
    values = as_dict(build_fields(kit, version="5.0"))
    assert values["NEW_ITEM-ITEM_TYPE[1]"] == "R"
    assert "NEW_ITEM-PARENT_ID[1]" not in values
    assert values["NEW_ITEM-ITEM_TYPE[2]"] == "O"
    assert values["NEW_ITEM-PARENT_ID[2]"] == "1"
    assert values["NEW_ITEM-PARENT_ID[3]"] == "1"


def test_4_0_never_sends_item_type_or_parent_id():
    kit = [bolt(item_type="R"), bolt(item_type="O", parent_id=1)]
    fields_40 = build_fields(kit, version="4.0")
    assert not any("ITEM_TYPE" in name or "PARENT_ID" in name for name, _ in fields_40)
    fields_50 = build_fields(kit, version="5.0")
    other = [
        pair for pair in fields_50 if "ITEM_TYPE" not in pair[0] and "PARENT_ID" not in pair[0]
    ]
    assert other == fields_40


@pytest.mark.parametrize("version", ["3.5", "6.0", "10", "", "five", "4,0", "5.0.0.1"])
def test_unknown_versions_are_refused(version):
    with pytest.raises(BuildError, match="version"):
        build_fields([bolt()], version=version)


@pytest.mark.parametrize(("written", "label"), [
    ("4", "4.0"), ("4.0", "4.0"), ("4.00", "4.0"), (" 4.0 ", "4.0"), ("V4.0", "4.0"),
    ("5", "5.0"), ("5.0", "5.0"), ("5.00", "5.0"), ("5.0.1", "5.0"),
])
def test_a_version_is_read_by_its_major_number(written, label):
    """SAP and people write "5", "4.00" or "5.0"; the field set follows the major number."""
    assert major_version(written) == int(label[0])
    assert version_label(written) == label
    kit = [bolt(item_type="R"), bolt(item_type="O", parent_id=1)]
    assert build_fields(kit, version=written) == build_fields(kit, version=label)


@pytest.mark.parametrize("written", [None, "", "five", "4,0", "-5", "5.0.0.1"])
def test_text_that_is_not_a_version_has_no_major_number(written):
    assert major_version(written) is None


# ---------- echoes ----------


def test_okcode_target_and_caller_are_echoed_first_when_given():
    fields = build_fields([bolt()], ok_code="ADDI", target="_top", caller="CTLG")
    assert fields[:3] == [("~OkCode", "ADDI"), ("~TARGET", "_top"), ("~CALLER", "CTLG")]
    assert build_fields([bolt()], ok_code="ADDI")[0] == ("~OkCode", "ADDI")
    assert not any(name.startswith("~") for name, _ in build_fields([bolt()]))


def test_an_empty_cart_is_only_the_echoes():
    assert build_fields([], ok_code="ADDI") == [("~OkCode", "ADDI")]


# ---------- charsets ----------


def test_iso_8859_1_values_are_transliterated_and_encode_cleanly():
    item = bolt(
        description="Schraube “DIN 933” – 10 € ™",
        long_text="Größe ½″, 日本製 😀",
        cust_field5="Prüfung — OK",
    )
    values = as_dict(build_fields([item], charset="iso-8859-1"))
    assert values["NEW_ITEM-DESCRIPTION[1]"] == 'Schraube "DIN 933" - 10 EUR TM'
    assert values["NEW_ITEM-LONGTEXT_1:132[]"] == 'Größe ½", ??? ?'
    assert values["NEW_ITEM-CUST_FIELD5[1]"] == "Prüfung - OK"
    for value in values.values():
        value.encode("iso-8859-1")


def test_utf_8_values_are_sent_as_they_are():
    item = bolt(description="Schraube “DIN 933” – 10 € 日本", long_text="😀")
    values = as_dict(build_fields([item], charset="utf-8"))
    assert values["NEW_ITEM-DESCRIPTION[1]"] == "Schraube “DIN 933” – 10 € 日本"
    assert values["NEW_ITEM-LONGTEXT_1:132[]"] == "😀"


def test_an_unknown_charset_is_refused():
    with pytest.raises(UnsupportedCharset):
        build_fields([bolt()], charset="utf-16")


# ---------- the transfer form ----------


def entry(**fields: object) -> OCIEntry:
    values: dict[str, object] = {
        "hook_url": HOOK,
        "ok_code": "ADDI",
        "target": "_top",
        "caller": "CTLG",
    }
    values.update(fields)
    return OCIEntry(**values)  # type: ignore[arg-type]


def test_prepare_transfer_posts_to_the_hook_verbatim_and_echoes():
    form = prepare_transfer(entry(returntarget="_parent"), [bolt()])
    assert form.action == HOOK
    assert form.target == "_parent"
    assert form.charset == "utf-8"
    assert form.fields[:3] == (("~OkCode", "ADDI"), ("~TARGET", "_top"), ("~CALLER", "CTLG"))
    assert ("NEW_ITEM-QUANTITY[1]", "25") in form.fields


def test_echoes_go_back_as_the_buyer_spelled_them():
    # SAP releases and other buyers send ~okcode, ~Target, %7ECaller …: keep their spelling.
    received = read_entry([("HOOK_URL", HOOK), ("%7Eokcode", "ADDI"), ("~Target", "_top"),
                           ("~CALLER", "CTLG")])
    form = prepare_transfer(received, [bolt()])
    assert form.fields[:3] == (("~okcode", "ADDI"), ("~Target", "_top"), ("~CALLER", "CTLG"))
    split = prepare_transfer(received, [bolt()], split_hook=True)  # the hook carries ~OkCode
    assert [name for name, _ in split.fields[:3]] == ["sap-client", "~OkCode", "~Target"]


def test_prepare_transfer_can_split_the_hook_query_without_duplicating_echoes():
    form = prepare_transfer(entry(), [bolt()], split_hook=True)
    assert form.action == "https://srm.acme.test/sap/bc/bsp/sap/bbp_oci"
    names = [name for name, _ in form.fields]
    assert names[:4] == ["sap-client", "~OkCode", "~TARGET", "~CALLER"]
    assert names.count("~OkCode") == 1


def test_prepare_transfer_without_echo_and_with_nothing_received():
    assert not any(
        n.startswith("~") for n, _ in prepare_transfer(entry(), [bolt()], echo=False).fields
    )
    bare = OCIEntry(hook_url=HOOK)
    form = prepare_transfer(bare, [bolt()])
    assert form.target == "_top"
    assert not any(name.startswith("~") for name, _ in form.fields)


def test_prepare_transfer_uses_the_buyers_charset_unless_overridden():
    form = prepare_transfer(entry(charset="iso-8859-1"), [bolt(description="10 €")])
    assert form.charset == "iso-8859-1"
    assert ("NEW_ITEM-DESCRIPTION[1]", "10 EUR") in form.fields
    form = prepare_transfer(
        entry(charset="iso-8859-1"), [bolt(description="10 €")], charset="utf-8"
    )
    assert ("NEW_ITEM-DESCRIPTION[1]", "10 €") in form.fields


def test_prepare_transfer_needs_a_hook_and_a_safe_target():
    with pytest.raises(BuildError, match="HOOK_URL"):
        prepare_transfer(OCIEntry(hook_url=None), [bolt()])
    with pytest.raises(TargetRefused):
        prepare_transfer(entry(returntarget="javascript:alert(1)"), [bolt()])


def test_the_rendered_form_escapes_quotes_and_angle_brackets():
    item = bolt(
        description="Bolt \"M8\" <b>bold</b> & 'co'",
        long_text='"><script>alert(1)</script>',
    )
    hostile_hook = 'https://srm.acme.test/ret?a="><script>x</script>'
    html = render_form(prepare_transfer(entry(hook_url=hostile_hook), [item]), submit_label="<Go>")
    assert "<script>" not in html and "<b>" not in html
    assert 'value="Bolt &quot;M8&quot; &lt;b&gt;bold&lt;/b&gt; &amp; &#x27;co&#x27;"' in html
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'action="https://srm.acme.test/ret?a=&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
    assert "&lt;Go&gt;</button>" in html
    # What a browser would post is exactly what was built.
    posted = read_form_fields(html)
    assert ("NEW_ITEM-DESCRIPTION[1]", "Bolt \"M8\" <b>bold</b> & 'co'") in posted
    assert parse_oci_form(html)[0].long_text == '"><script>alert(1)</script>'


def test_the_rendered_form_carries_method_target_and_charset():
    html = render_form(prepare_transfer(entry(charset="latin1", returntarget="_parent"), [bolt()]))
    assert html.startswith('<form id="oci-transfer" method="post" action="https://srm.acme.test/')
    assert 'target="_parent"' in html
    assert 'accept-charset="iso-8859-1"' in html
    assert 'type="hidden" name="NEW_ITEM-LONGTEXT_1:132[]"' in html
    assert "<button" not in html


# ---------- a real shop's per-buyer OCI settings ----------


def _spryker_oci_connections() -> list[dict[str, str]]:
    path = shared_path(
        "oci", "punchout-catalogs__punchout-catalog-spryker__punchout_catalog_connection_cart.csv"
    )
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [row for row in rows if " - Oci - " in row["connection_name"]]


@pytest.mark.shared
def test_every_field_a_real_shop_maps_for_oci_is_one_we_write():
    connections = _spryker_oci_connections()
    assert len(connections) == 3
    mapped = set()
    for row in connections:
        # LONGTEXT is mapped as NEW_ITEM-LONGTEXT_%line_number%:132[].
        mapped |= {name.rstrip("_") for name in re.findall(r"NEW_ITEM-([A-Z_]+)", row["mapping"])}
    assert mapped, "the mapping names NEW_ITEM fields"
    written = {
        name.removeprefix("NEW_ITEM-").partition("[")[0].partition("_1:")[0]
        for name, _ in build_fields([bolt(item_type="R"), bolt(parent_id=1, item_type="O")])
    }
    assert mapped - written == set()


@pytest.mark.shared
def test_a_real_buyers_description_length_and_bundle_settings():
    settings = {row["connection_name"]: row for row in _spryker_oci_connections()}
    composite = settings["Client 1 - Oci - User 1"]
    assert (composite["max_description_length"], composite["bundle_mode"]) == ("128", "composite")
    kit = [
        bolt(description="Wartungsset Hydraulik " * 8, item_type="R"),
        bolt(item_type="O", parent_id=1),
    ]
    values = as_dict(build_fields(kit, description_length=int(composite["max_description_length"])))
    assert 120 < len(values["NEW_ITEM-DESCRIPTION[1]"]) <= 128
    assert values["NEW_ITEM-ITEM_TYPE[1]"] == "R"
    assert values["NEW_ITEM-PARENT_ID[2]"] == "1"
    # The other buyer keeps the OCI default of 40 and wants single (flat) lines: OCI 4.0 rules.
    single = settings["Client 2 - Oci - User 2"]
    assert (single["max_description_length"], single["bundle_mode"]) == ("", "single")
    flat = as_dict(build_fields(kit, version="4.0"))
    assert len(flat["NEW_ITEM-DESCRIPTION[1]"]) <= 40
    assert not any("PARENT_ID" in name or "ITEM_TYPE" in name for name in flat)
