"""No page served for an OCI entry echoes the OCI password (issue 5, threat P2/W11 rows).

SAP may open the catalog by GET, so the password travels in the query string. Any page that
copies the current URL into its HTML (the header's "Log in" link used to carry
``next=<full path>``) would put the password into the page, where a browser extension, a
saved page or a screenshot picks it up. Every answer of the entry door is checked here: the
redirects and the pages they lead to, every FUNCTION, every refusal and the lock.
"""

from __future__ import annotations

import html
from urllib.parse import quote, urlencode

import pytest
from oci_support import (  # noqa: F401
    HOOK_URL,
    OCI_USER,
    entry_params,
    make_oci_connection_fixture,
    oci_catalog_fixture,
)

from shop.accounts.next_url import return_path

# Letters and digits only: every encoding (URL, HTML, JSON, twice-URL-encoded) leaves it as
# it is, so a search for it finds every echo.
PASSWORD = "Zq7OciSecretXv42"


def assert_no_password(response) -> None:
    pages = [*response.history, response]
    for page in pages:
        body = page.get_data(as_text=True)
        for form in (PASSWORD, html.escape(PASSWORD), quote(PASSWORD)):
            assert form not in body, f"{page.status_code} {page.request.path}: password in page"
        assert PASSWORD not in page.headers.get("Location", "")


def entry(client, *, follow: bool = True, path: str = "/punchout/oci", **overrides):
    """An entry call by GET, written as SAP writes it, with this module's password."""
    params = entry_params(PASSWORD=PASSWORD, **overrides)
    return client.get(f"{path}?{urlencode(params, safe='')}", follow_redirects=follow)


@pytest.fixture
def connection(make_oci_connection, oci_catalog):
    return make_oci_connection(password=PASSWORD)


@pytest.mark.parametrize("overrides", [
    {},
    {"FUNCTION": "DETAIL", "PRODUCTID": "BOLT-M8"},
    {"FUNCTION": "SOURCING", "SEARCHSTRING": "bolt"},
    {"FUNCTION": "VALIDATE", "PRODUCTID": "BOLT-M8", "QUANTITY": "3"},
    {"FUNCTION": "BACKGROUND_SEARCH", "SEARCHSTRING": "bolt"},
], ids=["shopping", "detail", "sourcing", "validate", "background-search"])
def test_no_page_of_a_successful_entry_holds_the_password(client, connection, overrides):
    response = entry(client, **overrides)
    assert response.status_code == 200, response.text
    assert_no_password(response)


def test_the_shop_pages_after_a_get_entry_do_not_hold_the_password(client, connection):
    entry(client)
    for path in ("/", "/cart", "/search?q=bolt", "/products/BOLT-M8"):
        assert_no_password(client.get(path, follow_redirects=True))


@pytest.mark.parametrize(("overrides", "status"), [
    ({"USERNAME": "nobody"}, 401),
    ({"HOOK_URL": None}, 400),
    ({"HOOK_URL": "https://evil.example/steal"}, 403),
    ({"returntarget": "javascript:alert(1)"}, 400),
    ({"FUNCTION": "RETRIEVEOCI"}, 400),
    ({"FUNCTION": "VALIDATE", "PRODUCTID": "NO-SUCH-SKU"}, 404),
    ({"QUANTITY": "1", "FUNCTION": "VALIDATE", "PRODUCTID": "BOLT-M8", "~OkCode": "A\x00"},
     400),
], ids=["unknown-user", "no-hook", "foreign-hook", "script-target", "secure-oci",
        "unknown-product", "nul-character"])
def test_no_refusal_page_holds_the_password(client, connection, overrides, status):
    response = entry(client, **overrides)
    assert response.status_code == status, response.text
    assert_no_password(response)


def test_the_locked_login_page_does_not_hold_the_password(client, connection):
    for _ in range(10):
        client.get("/punchout/oci?" + urlencode(entry_params(PASSWORD="guess"), safe=""))
    response = entry(client)
    assert response.status_code == 429
    assert_no_password(response)


def test_an_inactive_connection_page_does_not_hold_the_password(client, make_oci_connection,
                                                                oci_catalog):
    make_oci_connection(password=PASSWORD, connection={"active": False})
    response = entry(client)
    assert response.status_code == 403
    assert_no_password(response)


@pytest.mark.parametrize("path", ["/", "/search", "/punchout/oci/", "/punchout/OCI"])
def test_an_entry_sent_to_the_wrong_address_does_not_echo_the_password(client, connection,
                                                                       path):
    """An SAP system set up with the shop's home page (or a typo) as the catalog URL."""
    response = entry(client, path=path)
    assert_no_password(response)


@pytest.mark.parametrize(("path", "query", "blueprint", "kept"), [
    ("/search", "q=bolt&page=2", "catalog", "/search?q=bolt&page=2"),
    ("/products/BOLT-M8", "", "catalog", "/products/BOLT-M8"),
    ("/", "USERNAME=srm&PASSWORD=x&HOOK_URL=h", "catalog", "/"),
    ("/", "LOGIN_PWD=x", "catalog", "/"),
    ("/", "%2550assword=x", "catalog", "/"),  # the name encoded twice is still a password
    ("/", "access_token=x", "catalog", "/"),
    ("/punchout/oci", "USERNAME=srm&SECRET_FIELD=x", "punchout_oci", None),
    ("/punchout/start/abc", "", "punchout", None),
])
def test_the_login_link_returns_to_the_page_without_its_secrets(path, query, blueprint, kept):
    assert return_path(path, query, blueprint) == kept


def test_the_login_link_still_returns_to_an_ordinary_page_with_its_query(client,
                                                                        oci_catalog):
    page = client.get("/search?q=bolt")
    assert 'href="/login?next=/search?q%3Dbolt"' in page.text
