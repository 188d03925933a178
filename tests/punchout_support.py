"""Builders shared by the PunchOut tests.

A test module uses the ``make_connection`` fixture by importing ``make_connection_fixture``.
"""

from __future__ import annotations

from collections.abc import Callable
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
