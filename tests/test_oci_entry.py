"""Reading OCI entry calls: names in any case, %7E, merged sources, FUNCTION, targets."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qsl

import pytest

from shop.oci import (
    EntryError,
    Function,
    MissingHookURL,
    OCIEntry,
    TargetRefused,
    check_target,
    read_entry,
    return_target,
)

HOOK = "https://srm.acme.test/sap/bc/bsp/sap/bbp_oci?sap-client=100"


def test_a_standard_post_is_read_into_its_fields():
    entry = read_entry(
        [
            ("HOOK_URL", HOOK),
            ("~OkCode", "ADDI"),
            ("~TARGET", "_top"),
            ("~CALLER", "CTLG"),
            ("returntarget", "_parent"),
            ("http_content_charset", "iso-8859-1"),
            ("OCI_VERSION", "5.0"),
            ("OPI_VERSION", "1.0"),
            ("USERNAME", "acme"),
            ("PASSWORD", "s3cret"),
        ]
    )
    assert entry.hook_url == HOOK
    assert (entry.ok_code, entry.target, entry.caller) == ("ADDI", "_top", "CTLG")
    assert entry.returntarget == "_parent"
    assert entry.charset == "iso-8859-1"
    assert (entry.oci_version, entry.opi_version) == ("5.0", "1.0")
    assert (entry.username, entry.password) == ("acme", "s3cret")
    assert entry.function is None
    assert entry.extra == ()


def test_names_are_matched_in_any_case_and_with_the_tilde_encoded():
    # What Werkzeug hands over when a buyer double-encodes: the name still reads %7EOkCode.
    entry = read_entry(
        [
            ("hook_url", HOOK),
            ("%7EOkCode", "ADDI"),
            ("%7etarget", "_blank"),
            ("~caller", "CTLG"),
            ("ReturnTarget", "_self"),
            ("username", "acme"),
            ("Password", "s3cret"),
            ("function", "detail"),
            ("productid", "SKU-1"),
        ]
    )
    assert (entry.ok_code, entry.target, entry.caller) == ("ADDI", "_blank", "CTLG")
    assert entry.returntarget == "_self"
    assert (entry.username, entry.password) == ("acme", "s3cret")
    assert entry.function is Function.DETAIL
    assert entry.product_id == "SKU-1"


def test_a_query_string_with_encoded_tilde_decodes_to_the_same_entry():
    query = (
        "HOOK_URL=https%3A%2F%2Fsrm.acme.test%2Fret%3Fa%3D1%26b%3D2&%7EOkCode=ADDI&%7ETARGET=_top"
    )
    entry = read_entry(parse_qsl(query))
    assert entry.hook_url == "https://srm.acme.test/ret?a=1&b=2"
    assert (entry.ok_code, entry.target) == ("ADDI", "_top")


def test_query_string_and_form_are_merged():
    query = [("HOOK_URL", HOOK), ("~OkCode", "ADDI")]
    form = [("USERNAME", "acme"), ("PASSWORD", "s3cret"), ("~TARGET", "_top")]
    entry = read_entry([*query, *form])
    assert entry.hook_url == HOOK
    assert (entry.username, entry.password, entry.ok_code) == ("acme", "s3cret", "ADDI")


def test_the_same_value_in_both_sources_is_fine_but_a_conflict_is_refused():
    assert read_entry([("HOOK_URL", HOOK), ("hook_url", HOOK)]).hook_url == HOOK
    with pytest.raises(EntryError, match="twice with different values"):
        read_entry([("HOOK_URL", HOOK), ("HOOK_URL", "https://evil.test/")])
    with pytest.raises(EntryError, match="twice"):
        read_entry([("HOOK_URL", HOOK), ("PASSWORD", "a"), ("password", "b")])


def test_an_empty_parameter_counts_as_absent():
    entry = read_entry([("HOOK_URL", ""), ("hook_url", HOOK), ("~TARGET", ""), ("FUNCTION", "")])
    assert entry.hook_url == HOOK
    assert entry.target is None
    assert entry.function is None


def test_values_are_kept_exactly_as_sent():
    hook = "https://srm.acme.test/ret?x=%20a+b&~OkCode=ADDI "
    entry = read_entry([("HOOK_URL", hook), ("PASSWORD", " pass word "), ("USERNAME", "Ünal")])
    assert entry.hook_url == hook
    assert entry.password == " pass word "
    assert entry.username == "Ünal"


def test_login_and_hook_names_are_configurable():
    pairs = [("RETURN", HOOK), ("login", "acme"), ("PIN", "1234"), ("USERNAME", "ignored")]
    entry = read_entry(pairs, hook_field="return", username_field="LOGIN", password_field="pin")
    assert entry.hook_url == HOOK
    assert (entry.username, entry.password) == ("acme", "1234")
    # The default names are then just buyer data.
    assert entry.extra == (("USERNAME", "ignored"),)


def test_other_buyer_data_keeps_its_spelling_values_and_order():
    entry = read_entry(
        [
            ("HOOK_URL", HOOK),
            ("first_name", "Ann"),
            ("Email", "ann@acme.test"),
            ("COST_CENTER", "4711"),
            ("sy-langu", "DE"),
            ("first_name", "Second"),
        ]
    )
    assert entry.extra == (
        ("first_name", "Ann"),
        ("Email", "ann@acme.test"),
        ("COST_CENTER", "4711"),
        ("sy-langu", "DE"),
        ("first_name", "Second"),
    )
    assert entry.extra_value("EMAIL") == "ann@acme.test"
    assert entry.extra_value("first_NAME") == "Ann"
    assert entry.extra_value("missing") is None


def test_the_password_is_not_in_the_repr_used_by_logs():
    entry = read_entry([("HOOK_URL", HOOK), ("USERNAME", "acme"), ("PASSWORD", "s3cret-value")])
    assert "s3cret-value" not in repr(entry)
    assert "acme" in repr(entry)


def test_a_missing_hook_url_is_its_own_error():
    with pytest.raises(MissingHookURL, match="HOOK_URL"):
        read_entry([("USERNAME", "acme"), ("PASSWORD", "x")])
    with pytest.raises(MissingHookURL, match="RETURN"):
        read_entry([("HOOK_URL", HOOK)], hook_field="RETURN")
    assert read_entry([("USERNAME", "a")], require_hook=False).hook_url is None


@pytest.mark.parametrize(
    ("pairs", "function"),
    [
        ([("FUNCTION", "DETAIL"), ("PRODUCTID", "SKU-1")], Function.DETAIL),
        ([("FUNCTION", "VALIDATE"), ("PRODUCTID", "SKU-1")], Function.VALIDATE),
        ([("FUNCTION", "SOURCING"), ("SEARCHSTRING", "bolt")], Function.SOURCING),
        ([("FUNCTION", "BACKGROUND_SEARCH"), ("SEARCHSTRING", "bolt")], Function.BACKGROUND_SEARCH),
        ([("function", " background_search ")], Function.BACKGROUND_SEARCH),
    ],
)
def test_every_function_is_read(pairs, function):
    assert read_entry([("HOOK_URL", HOOK), *pairs]).function is function


def test_detail_and_validate_read_product_and_quantity():
    detail = read_entry([("HOOK_URL", HOOK), ("FUNCTION", "DETAIL"), ("PRODUCTID", " SKU-1 ")])
    assert detail.product_id == "SKU-1"
    assert detail.quantity is None
    validate = read_entry(
        [
            ("HOOK_URL", HOOK),
            ("FUNCTION", "VALIDATE"),
            ("PRODUCTID", "SKU-1"),
            ("QUANTITY", "12.500"),
        ]
    )
    assert validate.quantity == Decimal("12.5")


def test_sourcing_reads_search_string_and_vendor():
    entry = read_entry(
        [
            ("HOOK_URL", HOOK),
            ("FUNCTION", "SOURCING"),
            ("SEARCHSTRING", "hex bolt M8"),
            ("VENDOR", "100042"),
        ]
    )
    assert (entry.search_string, entry.vendor) == ("hex bolt M8", "100042")


@pytest.mark.parametrize(
    ("text", "value"), [("3", "3"), ("2,5", "2.5"), (" 10.000 ", "10"), (".5", "0.5")]
)
def test_validate_quantity_formats(text, value):
    entry = read_entry(
        [("HOOK_URL", HOOK), ("FUNCTION", "VALIDATE"), ("PRODUCTID", "S"), ("QUANTITY", text)]
    )
    assert entry.quantity == Decimal(value)


@pytest.mark.parametrize("text", ["many", "1.234,5", "0", "-2", "1e3", "1.2345", "NaN"])
def test_a_bad_quantity_is_refused(text):
    with pytest.raises(EntryError, match="QUANTITY"):
        read_entry(
            [("HOOK_URL", HOOK), ("FUNCTION", "VALIDATE"), ("PRODUCTID", "S"), ("QUANTITY", text)]
        )


def test_detail_and_validate_need_a_product_id():
    for function in ("DETAIL", "VALIDATE"):
        with pytest.raises(EntryError, match="PRODUCTID"):
            read_entry([("HOOK_URL", HOOK), ("FUNCTION", function)])


def test_unknown_and_secure_oci_functions_are_refused():
    with pytest.raises(EntryError, match="Unknown FUNCTION"):
        read_entry([("HOOK_URL", HOOK), ("FUNCTION", "DELETE_ALL")])
    with pytest.raises(EntryError, match="Secure OCI"):
        read_entry([("HOOK_URL", HOOK), ("FUNCTION", "INITIALIZE")])


def test_charset_is_normalized_and_an_unusable_one_refused():
    assert (
        read_entry([("HOOK_URL", HOOK), ("http_content_charset", "Latin1")]).charset == "iso-8859-1"
    )
    assert read_entry([("HOOK_URL", HOOK), ("HTTP_CONTENT_CHARSET", "UTF8")]).charset == "utf-8"
    for bad in ("klingon", "utf-7", "utf-16", "rot13"):
        with pytest.raises(EntryError, match="http_content_charset"):
            read_entry([("HOOK_URL", HOOK), ("http_content_charset", bad)])


def test_oversized_and_malformed_input_gets_a_clear_error():
    with pytest.raises(EntryError, match="more than 300 parameters"):
        read_entry([("HOOK_URL", HOOK)] + [(f"p{i}", "x") for i in range(300)])
    with pytest.raises(EntryError, match="longer than 4096"):
        read_entry([("HOOK_URL", HOOK + "x" * 5000)])
    with pytest.raises(EntryError, match="name is longer"):
        read_entry([("HOOK_URL", HOOK), ("n" * 500, "x")])
    with pytest.raises(EntryError, match="pairs"):
        read_entry([("HOOK_URL", HOOK, "extra")])  # type: ignore[list-item]
    with pytest.raises(EntryError, match="text"):
        read_entry([("HOOK_URL", b"https://x")])  # type: ignore[list-item]


# ---------- return target ----------


def test_return_target_prefers_returntarget_then_target_then_top():
    assert return_target(OCIEntry(HOOK, target="_blank", returntarget="_parent")) == "_parent"
    assert return_target(OCIEntry(HOOK, target="_blank")) == "_blank"
    assert return_target(OCIEntry(HOOK, target="  ", returntarget="")) == "_top"
    assert return_target(OCIEntry(HOOK)) == "_top"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("_top", "_top"), ("_PARENT", "_parent"), (" _self ", "_self"), ("_Blank", "_blank"),
     ("ITSFRAME", "ITSFRAME"), ("catalog_frame-2", "catalog_frame-2")],
)  # fmt: skip
def test_frame_names_are_allowed(value, expected):
    assert check_target(value) == expected


@pytest.mark.parametrize(
    "value",
    ["javascript:alert(1)", "JavaScript:void(0)", "https://evil.test/", "//evil.test",
     "_evil", "frame name", "a\"onmouseover=\"x", "<script>", "data:text/html,x", "1frame", ""],
)  # fmt: skip
def test_anything_but_a_frame_name_is_refused(value):
    with pytest.raises(TargetRefused, match="not a frame name"):
        check_target(value)


def test_an_entry_with_a_script_target_is_refused_at_once():
    with pytest.raises(TargetRefused):
        read_entry([("HOOK_URL", HOOK), ("returntarget", "javascript:alert(document.cookie)")])
    with pytest.raises(TargetRefused):
        read_entry([("HOOK_URL", HOOK), ("%7ETARGET", "https://evil.test/")])
    # A target restored from storage is checked again when used.
    with pytest.raises(TargetRefused):
        return_target(OCIEntry(HOOK, returntarget="javascript:x"))
