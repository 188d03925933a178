"""Threat-model rows of the order path: stale documents (R5), the buyer's answers (O1), cXML
over plain http (O2) and TLS to the buyer (O3)."""

from __future__ import annotations

import logging
import re
import ssl
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from shop.extensions import db
from shop.orders import delivery
from shop.orders.inbound import InboundDocument
from shop.orders.models import Order
from shop.orders.outbox import Outcome
from tests.browser.tls import make_certificate
from tests.fake_buyer import FakeBuyer, serve
from tests.intake_support import (
    catalog,  # noqa: F401  (fixture)
    make_buyer_fixture,  # noqa: F401  (fixture)
    order_request,
    post_po,
    status_of,
)


def test_r5_a_stale_order_is_accepted_with_a_warning(client, make_buyer, catalog,  # noqa: F811
                                                      caplog):
    # Buyers resend old documents after an outage: refusing them would lose real orders.
    make_buyer()
    body = re.sub(rb'timestamp="[^"]+"', b'timestamp="2021-03-04T10:00:00+01:00"',
                  order_request(), count=1)
    with caplog.at_level(logging.WARNING, logger="shop.orders.intake"):
        response = post_po(client, body)
    assert status_of(response.data)[0] == 200
    assert db.session.scalar(select(func.count(Order.id))) == 1
    assert any("is dated 2021-03-04" in record.getMessage() for record in caplog.records)


@pytest.fixture
def tls_buyer(tmp_path) -> Iterator[FakeBuyer]:
    """A buyer endpoint with a self-signed certificate that nothing on this machine trusts."""
    certificate = make_certificate(tmp_path / "tls", ("127.0.0.1",))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate.cert_file, certificate.key_file)
    yield from serve(FakeBuyer(tls=context))


def test_o3_an_untrusted_certificate_gets_no_document(app: Any, tls_buyer: FakeBuyer):
    limits = delivery.Limits(connect_timeout=2, read_timeout=2, max_bytes=1024,
                             allow_private=True)
    result = delivery.post_document(tls_buyer.url, b"<cXML/>", limits)
    assert result.outcome is Outcome.RETRY
    assert result.error.startswith("tls:") and "CERTIFICATE_VERIFY_FAILED" in result.error
    assert tls_buyer.received == []  # the handshake failed before a byte of the document


@pytest.fixture
def huge_buyer() -> Iterator[FakeBuyer]:
    yield from serve(FakeBuyer(script=["huge"]))


def test_o1_a_buyer_answer_is_read_only_up_to_the_cap(app: Any, huge_buyer: FakeBuyer):
    limits = delivery.Limits(connect_timeout=2, read_timeout=5, max_bytes=64 * 1024,
                             allow_private=True)
    result = delivery.post_document(huge_buyer.url, b"<cXML/>", limits)
    assert result.outcome is Outcome.RETRY
    assert result.error.startswith("answer_too_large")


def test_o2_with_https_only_an_order_over_plain_http_is_refused_unread(
        app, client, make_buyer, catalog, caplog):  # noqa: F811
    make_buyer()
    app.config["CXML_HTTPS_ONLY"] = True
    body = order_request(payload_id="plain-http@buyer.example")
    with caplog.at_level(logging.WARNING, logger="shop.security"):
        refused = post_po(client, body)
    assert refused.status_code == 403
    assert status_of(refused.data)[0] == 403 and b"cXML over https only" in refused.data
    assert db.session.scalar(select(func.count(InboundDocument.id))) == 0
    assert b"po-Secret" not in refused.data and "po-Secret" not in caplog.text
    # The same document over https (directly, or behind the proxy with SHOP_PROXY_HOPS).
    accepted = client.post("/orders/cxml", data=body, content_type="text/xml",
                           base_url="https://shop.test")
    assert status_of(accepted.data)[0] == 200
    assert db.session.scalar(select(func.count(Order.id))) == 1


def test_o2_plain_http_is_accepted_unless_https_only_is_set(app, client, make_buyer,
                                                            catalog):  # noqa: F811
    make_buyer()
    assert app.config["CXML_HTTPS_ONLY"] is False  # the demo and the sandbox run on http
    assert status_of(post_po(client, order_request()).data)[0] == 200
