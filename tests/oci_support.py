"""Builders shared by the OCI view tests: an OCI connection, entry calls, a small catalog.

A test module uses the fixtures by importing ``make_oci_connection_fixture`` and
``oci_catalog_fixture``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop.cart.models import CartLine
from shop.catalog.models import ContractPrice
from shop.extensions import db
from shop.punchout import services
from shop.punchout.models import BuyerConnection, Protocol, PunchOutSession
from shop.punchout.oci_settings import OCISettings

OCI_USER = "srm-acme"
OCI_PASSWORD = "Kennwort-Ä1&x=2"  # non-ASCII, and characters that need URL-encoding
SRM_ORIGIN = "https://srm.acme.example"
HOOK_PREFIX = "https://srm.acme.example/sap/bc/"
HOOK_URL = "https://srm.acme.example/sap/bc/gui/sap/its/bbpsc02/?sap-client=100&SESSION=ab12"


@pytest.fixture(name="make_oci_connection")
def make_oci_connection_fixture(app: Flask) -> Callable[..., BuyerConnection]:
    def make(
        name: str = "Acme SRM",
        *,
        username: str = OCI_USER,
        password: str = OCI_PASSWORD,
        prefixes: tuple[str, ...] = (HOOK_PREFIX,),
        company: str = "Acme Industries",
        connection: dict[str, Any] | None = None,
        **oci: Any,
    ) -> BuyerConnection:
        fields: dict[str, Any] = {"frame_ancestors": (SRM_ORIGIN,)}
        fields.update(connection or {})
        settings = services.ConnectionSettings(
            name=name, company_name=company, protocol=Protocol.OCI,
            return_url_prefixes=prefixes,
            oci_settings=OCISettings(username=username, **oci).to_json(), **fields,
        )
        return services.create_connection(settings, shared_secret=password, create_company=True)

    return make


def entry_params(**overrides: str | None) -> dict[str, str]:
    """The parameters SAP sends by default (SRM style); ``None`` drops one."""
    params: dict[str, str | None] = {
        "USERNAME": OCI_USER, "PASSWORD": OCI_PASSWORD, "HOOK_URL": HOOK_URL,
        "~OkCode": "ADDI", "~TARGET": "_top", "~CALLER": "CTLG", "OCI_VERSION": "5.0",
        "OPI_VERSION": "1.0", "http_content_charset": "utf-8", "returntarget": "_parent",
    }
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


def get_entry(client: FlaskClient, params: dict[str, str], **kwargs: Any) -> Any:
    """An entry call by GET, the way SAP writes the URL (``~`` as ``%7E``)."""
    return client.get("/punchout/oci?" + urlencode(params, safe=""), **kwargs)


def post_entry(client: FlaskClient, params: dict[str, str], **kwargs: Any) -> Any:
    return client.post("/punchout/oci", data=urlencode(params, safe=""),
                       content_type="application/x-www-form-urlencoded", **kwargs)


def enter_shop(client: FlaskClient, params: dict[str, str] | None = None) -> PunchOutSession:
    """Punch in by GET and follow every redirect, as a browser does; the session it opened."""
    page = get_entry(client, params or entry_params(), follow_redirects=True)
    assert page.status_code == 200, page.text
    assert [r.status_code for r in page.history] == [303, 303, 303]
    with client.session_transaction() as cookie:
        session = db.session.get(PunchOutSession, cookie["punchout_session_id"])
    assert session is not None
    return session


def fill_cart(po: PunchOutSession, *lines: tuple[Any, str]) -> None:
    """Put lines into the session's cart the way the cart feature stores them."""
    for product, quantity in lines:
        db.session.add(CartLine(cart_id=po.cart_id, product=product, quantity=Decimal(quantity)))
    db.session.commit()


@pytest.fixture(name="oci_catalog")
def oci_catalog_fixture(make_product, make_company, make_category) -> dict[str, Any]:
    acme = make_company("Acme Industries", currency="EUR")
    screws = make_category("screws", "Screws")
    bolt = make_product(
        "BOLT-M8", "Hex bolt M8x40, zinc plated", "0.30", unit="EA", unspsc="31161501",
        manufacturer="Würth", manufacturer_part_number="0057 840", lead_time_days=4,
        short_description="DIN 933, strength class 8.8.", description="Box of loose bolts.",
        category=screws)
    paper = make_product("PAP-500", "Copy paper A4", "4.50", unit="PK", unspsc="14111507",
                         lead_time_days=2)
    db.session.add(ContractPrice(company_id=acme.id, product_id=bolt.id,
                                 price=Decimal("0.2450"), currency="EUR"))
    db.session.commit()
    return {"company": acme, "bolt": bolt, "paper": paper, "screws": screws}
