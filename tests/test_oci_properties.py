"""Property tests: a built cart reads back as the same lines, and no input crashes a reader.

"The same lines" means: free text as :func:`prepare_text` documents it (cleaned,
transliterated for the charset, cut to its length; the DESCRIPTION shortened between words, and
then whole at the head of the long text), numbers and keys unchanged, the unit
price unchanged (PRICEUNIT may differ), and ITEM_TYPE/PARENT_ID only in OCI 5.0.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from shop.oci import (
    FIELD_LENGTHS,
    OCI_VERSIONS,
    BuildError,
    OCIError,
    OCIItem,
    TransferForm,
    build_fields,
    cut_text,
    encode_for_charset,
    parse_oci_form,
    prepare_text,
    read_entry,
    read_form_fields,
    render_form,
    return_target,
    shorten_text,
)

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CHARSETS = ("utf-8", "iso-8859-1", "windows-1252", "us-ascii")

# Keys are what a catalog really has: printable, in any charset, no leading/trailing space.
KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./ "
TEXT = st.text(max_size=80)


def key(field: str) -> st.SearchStrategy[str]:
    return st.text(KEY_CHARS, max_size=FIELD_LENGTHS[field]).map(str.strip)


quantities = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal("99999999"), places=3, allow_nan=False
)
prices = st.none() | st.decimals(
    min_value=Decimal(0), max_value=Decimal("9999999"), places=4, allow_nan=False
)
extra_names = st.from_regex(r"Z[A-Z0-9_]{0,12}", fullmatch=True)


@st.composite
def items(draw: st.DrawFn, position: int, count: int) -> OCIItem:
    parents = [n for n in range(1, count + 1) if n != position]
    names = draw(st.lists(extra_names, max_size=3, unique=True))
    return OCIItem(
        description=draw(TEXT),
        quantity=draw(quantities),
        unit=draw(st.sampled_from(["PCE", "EA", "KGM", "C62", "m"])),
        price=draw(prices),
        currency="EUR",
        lead_time=draw(st.none() | st.integers(0, 99999)),
        vendor=draw(key("VENDOR")),
        vendormat=draw(key("VENDORMAT")),
        manufactmat=draw(key("MANUFACTMAT")),
        matgroup=draw(key("MATGROUP")),
        ext_product_id=draw(key("EXT_PRODUCT_ID")),
        cust_field4=draw(TEXT),
        cust_field5=draw(TEXT),
        long_text=draw(st.text(max_size=200)),
        service=draw(st.booleans()),
        item_type=draw(st.sampled_from(["", "R", "O", "F"])),
        parent_id=draw(st.none() | st.sampled_from(parents)) if parents else None,
        extra=tuple((name, draw(TEXT)) for name in names),
    )


@st.composite
def carts(draw: st.DrawFn) -> list[OCIItem]:
    count = draw(st.integers(0, 3))
    return [draw(items(position, count)) for position in range(1, count + 1)]


def assert_same_line(sent: OCIItem, got: OCIItem, version: str, length: int, charset: str) -> None:
    description = prepare_text(sent.description, None, charset)
    assert got.description == shorten_text(description, length, encode_for_charset("…", charset))
    assert got.quantity == sent.quantity
    assert got.unit_price == sent.unit_price
    assert got.lead_time == sent.lead_time
    assert got.unit == sent.unit.upper()
    assert got.currency == sent.currency
    for field in ("vendor", "vendormat", "manufactmat", "matgroup", "ext_product_id"):
        assert getattr(got, field) == getattr(sent, field)
    assert got.cust_field4 == prepare_text(sent.cust_field4, 20, charset)
    assert got.cust_field5 == prepare_text(sent.cust_field5, 50, charset)
    long_text = prepare_text(sent.long_text, None, charset, multiline=True)
    if got.description != description:  # a shortened description leads the long text
        long_text = "\n".join(text for text in (description, long_text) if text)
    assert got.long_text == long_text
    assert got.service == sent.service
    expected_extra = [(n, prepare_text(v, None, charset)) for n, v in sent.extra]
    assert list(got.extra) == [(n, v) for n, v in expected_extra if v]
    if version == "5.0":
        assert (got.item_type, got.parent_id) == (sent.item_type, sent.parent_id)
    else:
        assert (got.item_type, got.parent_id) == ("", None)


@settings(PROPERTY, max_examples=100)
@given(
    cart=carts(),
    version=st.sampled_from(OCI_VERSIONS),
    length=st.integers(1, 132),
    charset=st.sampled_from(CHARSETS),
)
def test_build_then_parse_gives_back_the_same_lines(cart, version, length, charset):
    assume(all(prepare_text(item.description, length, charset) for item in cart))
    fields = build_fields(
        cart, version=version, description_length=length, charset=charset, ok_code="ADDI"
    )
    for name, value in fields:
        value.encode(charset)  # every value fits the buyer's charset
        field = name.removeprefix("NEW_ITEM-").partition("[")[0]
        limit = length if field == "DESCRIPTION" else FIELD_LENGTHS.get(field)
        assert limit is None or len(value) <= limit, name
    html = render_form(TransferForm("https://srm.test/ret", "_top", charset, tuple(fields)))
    for source in (fields, html):
        back = parse_oci_form(source)
        assert len(back) == len(cart)
        for sent, got in zip(cart, back, strict=True):
            assert_same_line(sent, got, version, length, charset)


@PROPERTY
@given(text=st.text(), charset=st.sampled_from(CHARSETS), limit=st.integers(0, 60))
def test_text_always_fits_the_charset_and_the_length(text, charset, limit):
    encoded = encode_for_charset(text, charset)
    encoded.encode(charset)
    assert len(cut_text(encoded, limit)) <= limit
    prepared = prepare_text(text, limit, charset)
    prepared.encode(charset)
    assert len(prepared) <= limit
    assert prepare_text(prepared, limit, charset) == prepared


@PROPERTY
@given(text=st.text(), limit=st.integers(0, 60), mark=st.sampled_from(["…", "..."]))
def test_shortened_text_is_a_marked_head_of_the_text_within_the_length(text, limit, mark):
    short = shorten_text(text, limit, mark)
    assert len(short) <= limit
    assert shorten_text(short, limit, mark) == short
    if len(text) <= limit:
        assert short == text
    elif limit > len(mark):
        assert short.endswith(mark) and text.startswith(short.removesuffix(mark))
    else:
        assert text.startswith(short)


@PROPERTY
@given(description=st.text(), charset=st.sampled_from(CHARSETS))
def test_any_description_either_builds_or_is_refused_cleanly(description, charset):
    try:
        fields = build_fields([OCIItem(description, Decimal(1), unit="PCE")], charset=charset)
    except BuildError as error:
        assert "DESCRIPTION" in str(error)
    else:
        assert len(dict(fields)["NEW_ITEM-DESCRIPTION[1]"]) <= 40


# ---------- readers never crash on hostile input ----------

ENTRY_NAMES = st.sampled_from(
    ["HOOK_URL", "hook_url", "~OkCode", "%7EOkCode", "~TARGET", "%7etarget", "~CALLER",
     "returntarget", "http_content_charset", "OCI_VERSION", "FUNCTION", "PRODUCTID",
     "QUANTITY", "SEARCHSTRING", "VENDOR", "USERNAME", "PASSWORD", "%", "%zz", "~"]
)  # fmt: skip
ENTRY_VALUES = st.sampled_from(
    ["https://srm.test/ret?a=1", "DETAIL", "VALIDATE", "background_search", "SOURCING",
     "INITIALIZE", "_top", "javascript:x", "1,5", "-1", "1e999", "NaN", "utf-16", "latin1",
     "", " ", "0.0001", "99999999999999"]
)  # fmt: skip


@PROPERTY
@given(
    pairs=st.lists(
        st.tuples(ENTRY_NAMES | st.text(max_size=30), ENTRY_VALUES | st.text(max_size=60)),
        max_size=20,
    )
)
def test_read_entry_parses_or_raises_its_own_error(pairs):
    try:
        entry = read_entry(pairs)
    except OCIError:
        return
    assert entry.hook_url
    assert return_target(entry)


FORM_NAMES = st.sampled_from(
    ["NEW_ITEM-QUANTITY[1]", "NEW_ITEM-DESCRIPTION[1]", "new_item-price[2]",
     "NEW_ITEM-PRICEUNIT[1]", "NEW_ITEM-LEADTIME[2]", "NEW_ITEM-PARENT_ID[2]",
     "NEW_ITEM-LONGTEXT_1:132[]", "NEW_ITEM-LONGTEXT[3]", "NEW_ITEM-QUANTITY[999999]",
     "NEW_ITEM-QUANTITY[2]", "NEW_ITEM-SERVICE[1]", "NEW_ITEM-X[1]", "NEW_ITEM-[1]"]
)  # fmt: skip
FORM_VALUES = st.sampled_from(
    ["1", "1.0", "00000001730.900", "1,5", "-1", "0", "1e3", ".5", "5.", "X", "", "2", "1" * 60]
)


@PROPERTY
@given(
    pairs=st.lists(st.tuples(FORM_NAMES | st.text(max_size=30), FORM_VALUES | TEXT), max_size=20)
)
def test_parse_oci_form_reads_pairs_or_raises_its_own_error(pairs):
    try:
        lines = parse_oci_form(pairs)
    except OCIError:
        return
    for line in lines:
        assert line.quantity >= 0
        assert line.price_unit >= 1


HTML_PIECES = st.sampled_from(
    ['<input name="NEW_ITEM-QUANTITY[1]" value="1">', "<input name=NEW_ITEM-QUANTITY[2] value=2>",
     '<input name="NEW_ITEM-DESCRIPTION[1]" value="a &amp; b &#x27; &#9731; &bogus;">',
     "<textarea name='NEW_ITEM-LONGTEXT_1:132[]'>x", "</textarea>", "<form>", "</form>",
     "<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE html>", "<?php ?>", "<", ">", "&", '"',
     "<input", "value='", "<script>", "</script>", "<a href=x", "&#xFFFFFFFF;", "&#0;"]
)  # fmt: skip


@PROPERTY
@given(pieces=st.lists(HTML_PIECES | st.text(max_size=20), max_size=30))
def test_parse_oci_form_reads_any_html_or_raises_its_own_error(pieces):
    html = "".join(pieces)
    try:
        read_form_fields(html)
        parse_oci_form(html)
    except OCIError:
        pass
