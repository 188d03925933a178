"""Builders shared by the PunchOut tests.

A test module uses the ``make_connection`` fixture by importing ``make_connection_fixture``
(and ``proxied_app`` by importing ``proxied_app_fixture``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.punchout import services
from shop.punchout.models import BuyerConnection, Operation

SECRET = "s3cr3t-Pass-Wörd"
BUYER = ("NetworkID", "AN01000000001")
RETURN_PREFIX = "https://buyer.example/punchout/"
RETURN_URL = "https://buyer.example/punchout/return?req=42"
FRAME_ORIGIN = "https://buyer.example"


@pytest.fixture(name="proxied_app")
def proxied_app_fixture(app: Flask, database_url: str) -> Iterator[Flask]:
    """The shop behind one TLS-terminating proxy (ProxyFix trusts X-Forwarded-Proto)."""
    from shop import create_app
    from shop.extensions import db

    proxied = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "SERVER_NAME": "shop.test",
        "SQLALCHEMY_DATABASE_URI": database_url, "SHOP_PROXY_HOPS": 1,
        # The same pepper and keys as ``app``: its connections are checked here.
        "INBOUND_SECRET_PEPPER": app.config["INBOUND_SECRET_PEPPER"],
        "SHOP_ENCRYPTION_KEYS": app.config["SHOP_ENCRYPTION_KEYS"],
        "CXML_DTD_DIR": app.config["CXML_DTD_DIR"],
    })
    with proxied.app_context():
        yield proxied
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(name="make_connection")
def make_connection_fixture(app: Flask) -> Callable[..., BuyerConnection]:
    def make(
        name: str = "Acme Ariba",
        *,
        identities: tuple[tuple[str, str], ...] = (BUYER,),
        secret: str | None = SECRET,
        prefixes: tuple[str, ...] = (RETURN_PREFIX,),
        company: str = "Acme Industries",
        **fields: Any,
    ) -> BuyerConnection:
        fields.setdefault("frame_ancestors", (FRAME_ORIGIN,))
        settings = services.ConnectionSettings(
            name=name, company_name=company, identities=identities,
            return_url_prefixes=prefixes, **fields,
        )
        return services.create_connection(settings, shared_secret=secret, create_company=True)

    return make


def setup_data(**overrides: Any) -> services.SetupData:
    fields: dict[str, Any] = {
        "return_url": RETURN_URL,
        "operation": Operation.CREATE,
        "buyer_cookie": "cookie-1234",
        "payload_id": None,
    }
    fields.update(overrides)
    return services.SetupData(**fields)


def open_and_start(client: FlaskClient, connection: BuyerConnection, **overrides: Any) -> Any:
    """Open a session as a setup request would, then follow the StartPage into the shop."""
    started = services.open_session(connection, setup_data(**overrides))
    response = client.get(f"/punchout/start/{started.token}")
    assert response.status_code == 303, response.text
    return started, client.get(response.headers["Location"])


# ---------- cXML setup requests, written with the toolkit as a procurement system would ----------


def setup_request(
    *,
    operation: str = "create",
    buyer_cookie: str = "cookie-1234",
    return_url: str | None = RETURN_URL,
    sender: tuple[str, str] = BUYER,
    from_: tuple[str, str] = BUYER,
    to: tuple[str, str] = ("DUNS", "SHOP-1"),
    secret: str = SECRET,
    deployment_mode: str = "production",
    payload_id: str | None = None,
    extrinsics: tuple[tuple[str, str], ...] = (("UserEmail", "jane@buyer.example"),),
    selected_item: str | None = None,
    items: tuple[tuple[str, str | None, str], ...] = (),
) -> bytes:
    """A PunchOutSetupRequest; ``items`` are (SupplierPartID, SupplierPartAuxiliaryID, qty)."""
    from decimal import Decimal

    from shop import cxml

    request = cxml.PunchOutSetupRequest(
        operation=operation, buyer_cookie=buyer_cookie, browser_form_post_url=return_url,
        extrinsics=cxml.Extrinsics(extrinsics),
        selected_item=cxml.ItemID(selected_item) if selected_item else None,
        items=tuple(cxml.ItemOut(quantity=Decimal(qty), item_id=cxml.ItemID(part, aux),
                                 line_number=n) for n, (part, aux, qty) in enumerate(items, 1)),
    )
    header = cxml.Header(
        from_=cxml.Party((cxml.Credential(*from_),)),
        to=cxml.Party((cxml.Credential(*to),)),
        sender=cxml.Party((cxml.Credential(*sender, shared_secret=secret),)),
        user_agent="Test Procurement 1.0",
    )
    return cxml.build_setup_request(request, header=header, host="buyer.example",
                                    deployment_mode=deployment_mode, payload_id=payload_id)


def post_setup(client: FlaskClient, body: bytes, **kwargs: Any) -> Any:
    return client.post("/punchout/setup", data=body, content_type="text/xml", **kwargs)


def status_of(response: Any) -> tuple[int, str]:
    """The cXML Status (code, text) of a Response document."""
    from shop import cxml

    document = cxml.read_cxml(response.data)
    assert isinstance(document.payload, cxml.Response)
    return document.payload.status.code, document.payload.status.text


def start_url_of(response: Any) -> str:
    from shop import cxml

    document = cxml.read_cxml(response.data)
    assert isinstance(document.payload, cxml.Response)
    body = document.payload.body
    assert isinstance(body, cxml.PunchOutSetupResponse), document.payload.status
    return body.start_page_url
