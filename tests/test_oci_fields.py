"""Value rules: number formats, PRICEUNIT, text cutting, charsets, unit codes, MATGROUP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.oci import (
    FIELD_LENGTHS,
    BuildError,
    OCIItem,
    UnsupportedCharset,
    charset_label,
    cut_text,
    encode_for_charset,
    format_price,
    format_quantity,
    map_unit,
    matgroup_for,
    prepare_text,
    shorten_text,
)

# ---------- numbers ----------


@pytest.mark.parametrize(
    ("value", "text"),
    [("2", "2"), ("2.000", "2"), ("2.5", "2.5"), ("0.125", "0.125"), ("1E+3", "1000"),
     ("1234567.5", "1234567.5"), ("99999999999.999", "99999999999.999")],
)  # fmt: skip
def test_quantity_is_plain_with_a_dot_and_at_most_three_decimals(value, text):
    assert format_quantity(Decimal(value)) == text


@pytest.mark.parametrize(
    ("value", "message"),
    [("0", "more than zero"), ("-1", "more than zero"), ("1.0005", "decimals"),
     ("100000000000", "digits"), ("NaN", "finite"), ("Infinity", "finite")],
)  # fmt: skip
def test_quantities_sap_cannot_take_are_refused(value, message):
    with pytest.raises(BuildError, match=message):
        format_quantity(Decimal(value))


@pytest.mark.parametrize(
    ("price", "unit", "expected"),
    [
        ("12", 1, ("12.00", "1")),
        ("12.5", 1, ("12.50", "1")),
        ("1234567.89", 1, ("1234567.89", "1")),
        ("0", 1, ("0.00", "1")),
        ("0.0125", 1, ("1.25", "100")),
        ("0.0042", 1, ("0.42", "100")),
        ("12.345", 1, ("123.45", "10")),
        ("7.80", 100, ("7.80", "100")),
        ("0.123", 100, ("1.23", "1000")),
        ("0.00001", 1, ("0.01", "1000")),
        ("0.0000012345", 1, ("0.012", "10000")),
        ("0.0000015", 1, ("0.015", "10000")),
    ],
)
def test_prices_with_more_than_two_decimals_move_into_priceunit(price, unit, expected):
    # The smallest power of ten that brings the price to cents, up to 10000.
    assert format_price(Decimal(price), unit) == expected


def test_the_unit_price_stays_the_same_through_priceunit():
    for price in ("0.0125", "3.14159", "0.0042", "19.999"):
        text, unit = format_price(Decimal(price))
        assert Decimal(text) / int(unit) == Decimal(price)
        assert len(text.split(".")[1]) <= 3
        assert "," not in text and "E" not in text


@pytest.mark.parametrize(
    ("price", "unit", "message"),
    [("-1", 1, "negative"), ("100000000000", 1, "digits"), ("99999999999.125", 1, "digits"),
     ("1", 0, "PRICEUNIT"), ("1", 100000, "PRICEUNIT"), ("NaN", 1, "finite")],
)  # fmt: skip
def test_prices_sap_cannot_take_are_refused(price, unit, message):
    with pytest.raises(BuildError, match=message):
        format_price(Decimal(price), unit)


def test_unit_price_of_an_item():
    assert OCIItem("x", Decimal(1), price=Decimal("1.25"), price_unit=100).unit_price == Decimal(
        "0.0125"
    )
    assert OCIItem("x", Decimal(1)).unit_price is None


# ---------- text: cutting ----------


def test_cut_text_counts_characters_not_bytes():
    text = "Größenverstellbarer Schraubstock für Werkbänke"
    assert len(text.encode("utf-8")) > len(text)
    cut = cut_text(text, 40)
    assert cut == "Größenverstellbarer Schraubstock für Wer"
    assert len(cut) == 40


def test_cut_text_never_splits_a_letter_from_its_accents():
    # "e" + COMBINING ACUTE does not compose into one character when followed by a second mark.
    text = "Cafe\u0301\u0323 noir"
    assert cut_text(text, 4) == "Caf"
    assert cut_text(text, 6) == "Cafe\u0301\u0323"
    assert cut_text("漢字漢字漢字", 4) == "漢字漢字"
    assert cut_text("😀😀😀", 2) == "😀😀"


def test_cut_text_drops_trailing_spaces_and_leaves_short_text_alone():
    assert cut_text("Hex bolt M8 zinc", 9) == "Hex bolt"
    assert cut_text("short", 40) == "short"
    with pytest.raises(ValueError):
        cut_text("x", -1)


@pytest.mark.parametrize(
    ("name", "limit", "short"),
    [
        # Cut blindly at 50 this read "box of 10": another pack size.
        ("Nitrile examination gloves, powder-free, box of 100, size S", 50,
         "Nitrile examination gloves, powder-free, box of…"),
        ("Nitrile examination gloves, powder-free, box of 100, size S", 40,
         "Nitrile examination gloves, powder-free…"),
        # No dangling comma: "tip," and "50," end on their word.
        ("Ballpoint pen, retractable, medium tip, box of 50, blue", 40,
         "Ballpoint pen, retractable, medium tip…"),
        ("Ballpoint pen, retractable, medium tip, box of 50, blue", 50,
         "Ballpoint pen, retractable, medium tip, box of 50…"),
        ("Safety goggles – indirect vent, over-spectacles", 24, "Safety goggles…"),
        ("Copy paper A4, 80 g/m², ream of 500", 35, "Copy paper A4, 80 g/m², ream of 500"),
    ],
)  # fmt: skip
def test_shorten_text_cuts_between_words_and_marks_the_cut(name, limit, short):
    assert shorten_text(name, limit) == short
    assert len(short) <= limit
    assert shorten_text(short, limit) == short


def test_shorten_text_cuts_a_long_word_but_never_inside_a_number():
    assert shorten_text("Sortimentskasten2000teilig", 20) == "Sortimentskasten…"
    assert shorten_text("Schraubensortimentskasten", 12) == "Schraubenso…"
    assert shorten_text("Größenverstellbar", 6, "...") == "Grö..."
    assert shorten_text("Art 1234567890123", 10) == "Art…"  # the number stays whole


def test_shorten_text_without_room_for_the_mark_only_cuts():
    assert shorten_text("Hex bolt", 1) == "H"
    assert shorten_text("Hex bolt", 3, "...") == "Hex"
    assert shorten_text("", 0) == ""
    with pytest.raises(ValueError):
        shorten_text("x", -1)


def test_prepare_text_cleans_then_transliterates_then_cuts():
    value = "  Hex\tbolt\r\nM8 \x00“zinc”  "
    assert prepare_text(value, 40, "utf-8") == "Hex bolt M8 “zinc”"
    assert prepare_text(value, 40, "iso-8859-1") == 'Hex bolt M8 "zinc"'
    # € becomes EUR first, then the 40-character limit applies to the result.
    assert prepare_text("€" * 20, 40, "iso-8859-1") == ("EUR" * 14)[:40]
    assert prepare_text("line 1\r\nline 2\n\n", None, "utf-8", multiline=True) == "line 1\nline 2"


# ---------- text: charsets ----------


def test_latin1_keeps_its_own_characters():
    text = "Größe: 24 × 32,7 cm, Çà été façonné — ½ Zoll"
    result = encode_for_charset(text, "iso-8859-1")
    assert result.startswith("Größe: 24 × 32,7 cm, Çà été façonné")
    assert "½" in result
    result.encode("iso-8859-1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("“quoted” ‘single’ „low“", '"quoted" \'single\' "low"'),
        ("10 €", "10 EUR"),
        ("Acme™ Bolt", "AcmeTM Bolt"),
        ("a – b — c", "a - b - c"),
        ("wait…", "wait..."),
        ("• dot", "* dot"),
        ("Łódź, Kraków", "Lódz, Kraków"),
        ("Œuvre", "OEuvre"),
        ("ő ű", "o u"),
        ("ﬁne", "fine"),
        ("Ｍ８", "M8"),
        ("日本製", "???"),
        ("bolt 😀", "bolt ?"),
        ("zero\u200bwidth", "zerowidth"),
    ],
)
def test_characters_latin1_lacks_get_a_sensible_fallback(text, expected):
    result = encode_for_charset(text, "iso-8859-1")
    assert result == expected
    result.encode("iso-8859-1")


def test_utf8_keeps_everything_and_ascii_loses_accents():
    text = "Größe “M8” 日本 😀 €"
    assert encode_for_charset(text, "utf-8") == text
    assert encode_for_charset("Größe été ß æ ø", "us-ascii") == "Grosse ete ss ae o"
    assert encode_for_charset("€ 10", "windows-1252") == "€ 10"  # windows-1252 has the euro


def test_decomposed_accents_are_composed_first():
    assert encode_for_charset("e\u0301te\u0301", "iso-8859-1") == "été"


@pytest.mark.parametrize(
    ("name", "label"),
    [(None, "utf-8"), ("", "utf-8"), ("UTF-8", "utf-8"), ("utf8", "utf-8"),
     ("ISO-8859-1", "iso-8859-1"), ("latin1", "iso-8859-1"), ("iso_8859-15", "iso-8859-15"),
     ("cp1252", "windows-1252"), ("Shift_JIS", "shift_jis"), ("ascii", "us-ascii")],
)  # fmt: skip
def test_charset_names_are_normalized_for_the_page(name, label):
    assert charset_label(name) == label


@pytest.mark.parametrize(
    "name", ["utf-16", "utf-32", "utf-7", "rot13", "base64", "idna", "x" * 300]
)
def test_charsets_a_form_cannot_be_posted_in_are_refused(name):
    with pytest.raises(UnsupportedCharset):
        charset_label(name)


# ---------- unit codes and material groups ----------


def test_units_are_mapped_per_connection():
    units = {"EA": "PCE", "pk": "PAK"}
    assert map_unit("EA", units) == "PCE"
    assert map_unit("ea", units) == "PCE"
    assert map_unit("PK", units) == "PAK"
    assert map_unit("KGM", units) == "KGM"
    assert map_unit("", units, default="EA") == "PCE"
    assert map_unit("") == ""


def test_a_unit_without_an_oci_code_is_refused():
    with pytest.raises(BuildError, match="unit map"):
        map_unit("piece")
    with pytest.raises(BuildError, match="unit map"):
        map_unit("EA", {"EA": "PIECES"})


def test_matgroup_from_unspsc_or_from_the_buyers_table():
    assert matgroup_for("31161500") == "31161500"
    assert matgroup_for(None) == ""
    assert matgroup_for("", default="MISC") == "MISC"
    table = {"31161500": "SCREWS", "3116": "FASTEN", "tools": "TOOLS", "43000000": "IT"}
    assert matgroup_for("31161500", table) == "SCREWS"
    assert matgroup_for("31161600", table) == "FASTEN"  # family 3116, written without zeros
    assert matgroup_for("43211503", table) == "IT"  # segment 43000000
    assert matgroup_for("31161500", table, key="Tools") == "TOOLS"  # our category first
    assert matgroup_for("99000000", table, default="OTHER") == "OTHER"


def test_a_matgroup_longer_than_its_field_is_refused():
    assert FIELD_LENGTHS["MATGROUP"] == 10
    with pytest.raises(BuildError, match="MATGROUP"):
        matgroup_for("31161500", {"31161500": "FASTENERS-AND-SCREWS"})
