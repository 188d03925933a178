"""Which HOOK_URLs a connection accepts, and splitting a hook's own query into fields."""

from __future__ import annotations

import pytest

from shop.oci import (
    HookURLRefused,
    OCIError,
    check_hook_url,
    hook_url_allowed,
    split_hook_url,
    validate_hook_prefix,
)

PREFIXES = ["https://srm.acme.test/sap/bc/", "https://s4.acme.test:8443/oci"]


@pytest.mark.parametrize(
    "url",
    [
        "https://srm.acme.test/sap/bc/bsp/sap/bbp_oci?sap-client=100&~OkCode=ADDI",
        "https://SRM.Acme.test/sap/bc/x",
        "https://srm.acme.test:443/sap/bc/x",
        "https://srm.acme.test./sap/bc/x",
        "https://s4.acme.test:8443/oci",
        "https://s4.acme.test:8443/oci/return#frag",
        "https://s4.acme.test:8443/oci?x=1",
    ],
)
def test_hooks_under_a_prefix_are_allowed(url):
    assert hook_url_allowed(url, PREFIXES)
    check_hook_url(url, PREFIXES)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://evil.test/sap/bc/x", "not under any"),
        ("https://srm.acme.test.evil.test/sap/bc/x", "not under any"),
        ("https://srm.acme.test/sap/other", "not under any"),
        ("https://srm.acme.test/sap/bcx", "not under any"),
        ("https://s4.acme.test:8443/ocifake", "not under any"),
        ("https://s4.acme.test/oci/return", "not under any"),
        ("http://srm.acme.test/sap/bc/x", "not under any"),
        ("https://srm.acme.test/sap/bc/../../evil", "segments"),
        ("https://srm.acme.test/sap/bc/%2e%2e/%2E%2E/evil", "segments"),
        ("https://user:pw@srm.acme.test/sap/bc/x", "user name"),
        ("https://srm.acme.test@evil.test/sap/bc/x", "user name"),
        ("https://srm.acme.test\\@evil.test/sap/bc/", "backslash"),
        ("https://srm.acme.test/sap/bc/\tx", "control"),
        (" https://srm.acme.test/sap/bc/x", "spaces"),
        ("https://srm.acme.test:99999/sap/bc/x", "host or port"),
        ("https://srm.acme.test:abc/sap/bc/x", "host or port"),
        ("https:///sap/bc/x", "no host"),
        ("//srm.acme.test/sap/bc/x", "absolute"),
        ("/sap/bc/x", "absolute"),
        ("", "empty"),
        ("https://srm.acme.test/sap/bc/" + "x" * 5000, "longer"),
        ("javascript:alert(1)//https://srm.acme.test/sap/bc/", "javascript"),
        ("JaVaScRiPt:alert(1)", "javascript"),
        ("data:text/html,<script>", "data"),
    ],
)
def test_hooks_outside_the_prefixes_are_refused_with_a_reason(url, reason):
    assert not hook_url_allowed(url, PREFIXES)
    with pytest.raises(HookURLRefused, match=reason):
        check_hook_url(url, PREFIXES)


def test_https_is_required_unless_the_prefix_says_http():
    assert not hook_url_allowed("http://srm.acme.test/sap/bc/x", ["https://srm.acme.test/"])
    assert hook_url_allowed("http://test-srm.acme.test/ret", ["http://test-srm.acme.test/"])
    # An https hook under an http prefix is an upgrade, not a risk.
    assert hook_url_allowed("https://test-srm.acme.test/ret", ["http://test-srm.acme.test/"])


def test_a_prefix_without_trailing_slash_matches_whole_path_segments():
    assert hook_url_allowed("https://h.test/sap", ["https://h.test/sap"])
    assert hook_url_allowed("https://h.test/sap/x", ["https://h.test/sap"])
    assert not hook_url_allowed("https://h.test/sapevil", ["https://h.test/sap"])
    assert hook_url_allowed("https://h.test/anything", ["https://h.test"])


def test_no_prefixes_means_no_hook_is_allowed():
    assert not hook_url_allowed("https://srm.acme.test/sap/bc/x", [])
    assert not hook_url_allowed("https://srm.acme.test/sap/bc/x", ["", "  "])


def test_a_single_prefix_may_be_given_as_a_string():
    assert hook_url_allowed("https://srm.acme.test/sap/bc/x", "https://srm.acme.test/sap/")
    assert not hook_url_allowed("https://h/", "h")


def test_a_broken_prefix_matches_nothing():
    assert not hook_url_allowed("https://srm.acme.test/x", ["srm.acme.test", "https://"])


def test_sapevent_hooks_need_the_connection_to_allow_them():
    hook = "SAPEVENT:ADDI"
    with pytest.raises(HookURLRefused, match="only http"):
        check_hook_url(hook, PREFIXES)
    assert hook_url_allowed(hook, PREFIXES, allow_non_http=True)
    assert hook_url_allowed("sapevent:POST?~OkCode=ADDI", [], allow_non_http=True)


def test_other_non_http_hooks_need_a_matching_prefix():
    assert not hook_url_allowed("sapgui:return", [], allow_non_http=True)
    assert hook_url_allowed("sapgui:return", ["SAPGUI:"], allow_non_http=True)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "vbscript:x", "data:,x", "file:///etc/passwd", "blob:x"]
)
def test_script_and_local_schemes_never_pass_even_when_allowed(url):
    assert not hook_url_allowed(url, [url, "javascript:", "data:"], allow_non_http=True)


def test_prefixes_are_validated_for_the_admin():
    assert (
        validate_hook_prefix(" https://srm.acme.test/sap/bc/ ") == "https://srm.acme.test/sap/bc/"
    )
    assert validate_hook_prefix("SAPEVENT:") == "SAPEVENT:"
    for bad, reason in [
        ("srm.acme.test/sap", "absolute"),
        ("https://", "no host"),
        ("https://srm.acme.test/ret?x=1", "query"),
        ("javascript:", "javascript"),
        ("https://srm acme.test/", "spaces"),
    ]:
        with pytest.raises(OCIError, match=reason):
            validate_hook_prefix(bad)


# ---------- splitting the hook URL ----------


def test_split_hook_url_returns_the_action_and_the_decoded_query():
    action, pairs = split_hook_url(
        "https://srm.acme.test/sap/bc/gui?sap-client=100&~OkCode=ADDI&x=a%20b+c&empty=&flag#top"
    )
    assert action == "https://srm.acme.test/sap/bc/gui"
    assert pairs == [
        ("sap-client", "100"),
        ("~OkCode", "ADDI"),
        ("x", "a b c"),
        ("empty", ""),
        ("flag", ""),
    ]


def test_split_hook_url_without_query_and_for_sapevent():
    assert split_hook_url("https://srm.acme.test/ret") == ("https://srm.acme.test/ret", [])
    assert split_hook_url("SAPEVENT:ADDI?a=1") == ("SAPEVENT:ADDI", [("a", "1")])
