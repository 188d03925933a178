"""Builders: strictly valid cXML documents as UTF-8 bytes.

Each builder returns a whole document: XML declaration, the DOCTYPE of the right DTD for
the chosen cXML version, and a ``<cXML>`` root with a fresh payloadID and an ISO 8601
timestamp with offset. Pass ``payload_id``/``timestamp`` to fix them (tests, or an outbox
that must resend a document unchanged).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from shop.cxml import build_parts as parts
from shop.cxml.documents import (
    Header,
    OrderRequest,
    PunchOutOrderMessage,
    PunchOutSetupRequest,
)

DEFAULT_VERSION = "1.2.063"
DEFAULT_LANG = "en-US"
_VERSION = re.compile(r"1\.[12]\.\d{3}")
_HOST = re.compile(r"[A-Za-z0-9.-]+")


def new_payload_id(host: str) -> str:
    """A unique payloadID of the usual shape ``<time>.<pid>.<random>@<host>``."""
    if not _HOST.fullmatch(host):
        raise ValueError(f"not a host name: {host!r}")
    now = datetime.now(UTC)
    return f"{now:%Y%m%d%H%M%S}.{os.getpid()}.{secrets.token_hex(8)}@{host}"


def doctype(version: str = DEFAULT_VERSION, dtd_file: str = "cXML.dtd") -> str:
    """The DOCTYPE line for a DTD file of a cXML version."""
    if not _VERSION.fullmatch(version):
        raise ValueError(f"not a cXML version: {version!r}")
    return f'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/{version}/{dtd_file}">'


def document(
    fill: Callable[[Any], None],
    *,
    host: str,
    version: str = DEFAULT_VERSION,
    dtd_file: str = "cXML.dtd",
    payload_id: str | None = None,
    timestamp: datetime | None = None,
    lang: str = DEFAULT_LANG,
) -> bytes:
    """A complete document whose ``<cXML>`` root ``fill`` populates; the other builders' base."""
    prolog = '<?xml version="1.0" encoding="UTF-8"?>\n' + doctype(version, dtd_file) + "\n"
    root = etree.Element("cXML")
    root.set("payloadID", parts.clean(payload_id or new_payload_id(host)))
    root.set("timestamp", parts.when(timestamp or datetime.now(UTC)))
    root.set(parts.XML_LANG, lang)
    fill(root)
    body: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return prolog.encode() + body


def _request(header: Header, deployment_mode: str) -> Callable[[Any], Any]:
    """A filler for Header + Request; returns the Request element for the caller to fill."""
    if deployment_mode not in ("production", "test"):
        raise ValueError(f"deploymentMode must be production or test, not {deployment_mode!r}")

    def start(root: Any) -> Any:
        parts.header(root, header)
        return parts.sub(root, "Request", deploymentMode=deployment_mode)

    return start


# ---------- responses ----------


def build_status_response(
    code: int,
    text: str,
    detail: str = "",
    *,
    host: str,
    version: str = DEFAULT_VERSION,
    payload_id: str | None = None,
    timestamp: datetime | None = None,
) -> bytes:
    """A Response with only a Status: the answer to any request (errors included)."""

    def fill(root: Any) -> None:
        response = parts.sub(root, "Response")
        parts.sub(response, "Status", detail or None, code=str(code), text=text,
                  lang=DEFAULT_LANG)

    return document(fill, host=host, version=version, payload_id=payload_id, timestamp=timestamp)


def build_setup_response(
    start_page_url: str,
    *,
    host: str,
    version: str = DEFAULT_VERSION,
    payload_id: str | None = None,
    timestamp: datetime | None = None,
) -> bytes:
    """200 OK with the StartPage URL the buyer's browser is sent to."""

    def fill(root: Any) -> None:
        response = parts.sub(root, "Response")
        parts.sub(response, "Status", code="200", text="OK")
        setup = parts.sub(response, "PunchOutSetupResponse")
        parts.sub(parts.sub(setup, "StartPage"), "URL", start_page_url)

    return document(fill, host=host, version=version, payload_id=payload_id, timestamp=timestamp)


def build_profile_response(
    transactions: Mapping[str, str],
    *,
    host: str,
    version: str = DEFAULT_VERSION,
    effective_date: datetime | None = None,
    payload_id: str | None = None,
    timestamp: datetime | None = None,
) -> bytes:
    """200 OK listing the requests this supplier accepts (request name → URL)."""
    if not transactions:
        raise ValueError("a ProfileResponse needs at least one transaction")

    def fill(root: Any) -> None:
        response = parts.sub(root, "Response")
        parts.sub(response, "Status", code="200", text="OK")
        profile = parts.sub(
            response, "ProfileResponse",
            effectiveDate=parts.when(effective_date or datetime.now(UTC)),
        )
        for name, url in transactions.items():
            parts.sub(parts.sub(profile, "Transaction", requestName=name), "URL", url)

    return document(fill, host=host, version=version, payload_id=payload_id, timestamp=timestamp)


# ---------- messages and requests ----------


def build_order_message(
    message: PunchOutOrderMessage,
    *,
    header: Header,
    host: str,
    version: str = DEFAULT_VERSION,
    deployment_mode: str = "production",
    payload_id: str | None = None,
    timestamp: datetime | None = None,
) -> bytes:
    """The PunchOutOrderMessage that carries a cart back to the buyer (BuyerCookie as given)."""
    if message.operation_allowed not in ("create", "inspect", "edit"):
        raise ValueError(f"operationAllowed must be create, inspect or edit, "
                         f"not {message.operation_allowed!r}")

    def fill(root: Any) -> None:
        parts.header(root, header)
        body = parts.sub(root, "Message", deploymentMode=deployment_mode)
        element = parts.sub(body, "PunchOutOrderMessage")
        parts.sub(element, "BuyerCookie", message.buyer_cookie)
        head = parts.sub(element, "PunchOutOrderMessageHeader",
                         operationAllowed=message.operation_allowed)
        parts.money(head, "Total", message.total)
        if message.ship_to is not None:
            parts.address(head, "ShipTo", message.ship_to)
        if message.shipping is not None:
            parts.charge(head, "Shipping", message.shipping)
        if message.tax is not None:
            parts.charge(head, "Tax", message.tax)
        for item in message.items:
            parts.item_in(element, item)

    return document(fill, host=host, version=version, payload_id=payload_id, timestamp=timestamp)


def build_profile_request(
    *,
    header: Header,
    host: str,
    version: str = DEFAULT_VERSION,
    deployment_mode: str = "production",
    payload_id: str | None = None,
    timestamp: datetime | None = None,
) -> bytes:
    """An (empty) ProfileRequest, as buyers and networks send it."""
    start = _request(header, deployment_mode)

    def fill(root: Any) -> None:
        parts.sub(start(root), "ProfileRequest")

    return document(fill, host=host, version=version, payload_id=payload_id, timestamp=timestamp)


def build_setup_request(
    request: PunchOutSetupRequest,
    *,
    header: Header,
    host: str,
    version: str = DEFAULT_VERSION,
    deployment_mode: str = "production",
    payload_id: str | None = None,
    timestamp: datetime | None = None,
) -> bytes:
    """A PunchOutSetupRequest, as a procurement system sends it (used by the sandbox)."""
    start = _request(header, deployment_mode)

    def fill(root: Any) -> None:
        element = parts.sub(start(root), "PunchOutSetupRequest", operation=request.operation)
        parts.sub(element, "BuyerCookie", request.buyer_cookie)
        parts.extrinsics(element, request.extrinsics)
        if request.browser_form_post_url is not None:
            parts.sub(parts.sub(element, "BrowserFormPost"), "URL", request.browser_form_post_url)
        parts.contacts(element, request.contacts)
        if request.supplier_setup_url is not None:
            parts.sub(parts.sub(element, "SupplierSetup"), "URL", request.supplier_setup_url)
        if request.ship_to is not None:
            parts.address(element, "ShipTo", request.ship_to)
        if request.selected_item is not None:
            parts.item_id(parts.sub(element, "SelectedItem"), request.selected_item)
        for item in request.items:
            parts.item_out(element, item)

    return document(fill, host=host, version=version, payload_id=payload_id, timestamp=timestamp)


def build_order_request(
    order: OrderRequest,
    *,
    header: Header,
    host: str,
    version: str = DEFAULT_VERSION,
    deployment_mode: str = "production",
    payload_id: str | None = None,
    timestamp: datetime | None = None,
) -> bytes:
    """A purchase order (OrderRequest), as a procurement system sends it (used by the sandbox)."""
    if not order.items:
        raise ValueError("an OrderRequest needs at least one ItemOut")
    if order.header.bill_to is None:
        raise ValueError("an OrderRequest needs a BillTo address")
    start = _request(header, deployment_mode)

    def fill(root: Any) -> None:
        element = parts.sub(start(root), "OrderRequest")
        _order_header(element, order)
        for item in order.items:
            parts.item_out(element, item)

    return document(fill, host=host, version=version, payload_id=payload_id, timestamp=timestamp)


def _order_header(parent: Any, order: OrderRequest) -> None:
    head = order.header
    element = parts.sub(
        parent, "OrderRequestHeader", orderID=head.order_id,
        orderDate=parts.when(head.order_date or datetime.now(UTC)), type=head.type,
        orderType=head.order_type, requisitionID=head.requisition_id,
        orderVersion=None if head.order_version is None else str(head.order_version),
    )
    parts.money(element, "Total", head.total)
    if head.ship_to is not None:
        parts.address(element, "ShipTo", head.ship_to)
    assert head.bill_to is not None  # checked by the caller
    parts.address(element, "BillTo", head.bill_to)
    if head.shipping is not None:
        parts.charge(element, "Shipping", head.shipping)
    if head.tax is not None:
        parts.charge(element, "Tax", head.tax)
    for term in head.payment_terms:
        parts.sub(element, "PaymentTerm", payInNumberOfDays=str(term.pay_in_days))
    parts.contacts(element, head.contacts)
    if head.comments is not None:
        parts.sub(element, "Comments", head.comments, lang="en")
    if head.document_reference is not None:
        parts.sub(element, "DocumentReference", payloadID=head.document_reference)
    parts.extrinsics(element, head.extrinsics)
