"""Helpers for the PunchOut journeys: a buyer connection, a setup request, an OCI launch.

They follow the interfaces of issues 4 and 5 (``flask --app shop buyers add ...``,
``POST /punchout/setup``, ``GET|POST /punchout/oci``). What a procurement system does
server to server (the setup request) goes over real https from Python; what its user does
(open the StartPage, press "Punch out") happens in the browser.

    connection = add_cxml_connection(shop_server, buyer_site)
    start_url = punchout_setup(shop_server, connection, buyer_site.return_url)
    journey.goto(buyer_site.url("/frame", src=start_url))
    frame = journey.page.frame(name="punchout")
    ...
    cart = buyer_site.wait_for_cart()
    assert cart.cxml is not None
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from shop.cxml.build import build_setup_request
from shop.cxml.documents import (
    Credential,
    Extrinsics,
    Header,
    ItemOut,
    Party,
    PunchOutOrderMessage,
    PunchOutSetupRequest,
    Response,
)
from shop.cxml.read import read_cxml
from tests.browser.buyer_site import BuyerSite, ReceivedCart
from tests.browser.shop_server import ShopServer


@dataclass(frozen=True)
class Connection:
    """A buyer connection as the procurement system knows it."""

    name: str
    domain: str
    identity: str
    shared_secret: str


def add_cxml_connection(shop: ShopServer, buyer: BuyerSite, *, name: str | None = None,
                        company: str = "Acme Industries", mode: str = "test",
                        extra: tuple[str, ...] = ()) -> Connection:
    """Create a cXML connection whose cart returns to, and whose frame is, the buyer's site."""
    name = name or f"Browser buyer {secrets.token_hex(3)}"
    connection = Connection(name, "NetworkID", f"AN-{secrets.token_hex(4).upper()}",
                            secrets.token_urlsafe(16))
    shop.flask(
        "buyers", "add", name, "--protocol", "cxml",
        "--identity", f"{connection.domain}:{connection.identity}",
        "--shared-secret", connection.shared_secret,
        "--return-url-prefix", buyer.return_url,
        "--frame-ancestor", buyer.origin,
        "--company", company, "--mode", mode, *extra,
    )
    return connection


def add_oci_connection(shop: ShopServer, buyer: BuyerSite, *, name: str | None = None,
                       company: str = "Acme Industries", extra: tuple[str, ...] = ()
                       ) -> tuple[str, str]:
    """Create an OCI connection whose hook and frame are the buyer's site; (username, password).

    The password is letters and digits only, so that a search for it in a page finds it
    however it was encoded."""
    name = name or f"SAP buyer {secrets.token_hex(3)}"
    username, password = f"sap-{secrets.token_hex(3)}", f"Pw{secrets.token_hex(10)}"
    shop.flask(
        "buyers", "add", name, "--protocol", "oci", "--username", username,
        "--password", password, "--return-url-prefix", buyer.return_url,
        "--frame-ancestor", buyer.origin, "--company", company, *extra,
    )
    return username, password


def order_message(cart: ReceivedCart) -> PunchOutOrderMessage:
    """The PunchOutOrderMessage a cart post carried (``cxml-urlencoded`` or ``-base64``)."""
    assert cart.cxml is not None, f"no cXML field in {list(cart.form)}"
    message = read_cxml(cart.cxml.encode("utf-8")).payload
    assert isinstance(message, PunchOutOrderMessage), type(message)
    return message


def requisition_lines(cart: ReceivedCart) -> tuple[ItemOut, ...]:
    """The returned lines as the buyer sends them back for ``edit`` or ``inspect``."""
    return tuple(
        ItemOut(quantity=item.quantity, item_id=item.item_id, detail=item.detail,
                line_number=number)
        for number, item in enumerate(order_message(cart).items, start=1)
    )


def punchout_setup(shop: ShopServer, connection: Connection, return_url: str, *,
                   operation: str = "create", buyer_cookie: str | None = None,
                   extrinsics: dict[str, str] | None = None, mode: str = "test",
                   items: tuple[ItemOut, ...] = ()) -> str:
    """Send a PunchOutSetupRequest as the procurement system would; return the StartPage.

    ``items`` are the requisition's lines for ``edit`` and ``inspect`` (see
    ``requisition_lines``)."""
    credential = Credential(connection.domain, connection.identity)
    header = Header(
        from_=Party((credential,)),
        to=Party((Credential("DUNS", "northwind-supply"),)),
        sender=Party((Credential(connection.domain, connection.identity,
                                 shared_secret=connection.shared_secret),)),
        user_agent="Browser journeys",
    )
    request = PunchOutSetupRequest(
        operation=operation,
        buyer_cookie=buyer_cookie or secrets.token_hex(8),
        browser_form_post_url=return_url,
        extrinsics=Extrinsics((extrinsics or {"UserEmail": "buyer@acme.test"}).items()),
        items=items,
    )
    body = build_setup_request(request, header=header, host="buyer.test", deployment_mode=mode)
    status, answer = shop.post("/punchout/setup", body, "text/xml; charset=utf-8")
    document = read_cxml(answer)
    response = document.payload
    assert isinstance(response, Response), f"not a cXML Response (HTTP {status}): {answer!r}"
    assert response.status.code == 200, f"setup refused: {response.status}"
    assert response.body is not None and hasattr(response.body, "start_page_url")
    return str(response.body.start_page_url)


def oci_launch_url(shop: ShopServer, buyer: BuyerSite, username: str, password: str, *,
                   target: str = "punchout", **fields: str) -> str:
    """The buyer's page whose "Punch out" button posts an OCI entry to the shop.

    ``target="punchout"`` opens the shop in an iframe on that page, ``"_blank"`` in a new
    window, ``"_self"`` in the same one. Extra ``fields`` (``OCI_VERSION``, ``~OkCode`` ...)
    are sent as they are.
    """
    form = {"HOOK_URL": buyer.return_url, "USERNAME": username, "PASSWORD": password,
            "~OkCode": "ADDI", "~TARGET": "_top", "~CALLER": "CTLG", **fields}
    return buyer.url("/launch", action=f"{shop.url}/punchout/oci", target=target, **form)
