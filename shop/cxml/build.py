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
from typing import Any, Required, TypedDict, Unpack

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


class DocumentOptions(TypedDict, total=False):
    """The keyword arguments every builder takes: whose host names the payloadID, which cXML
    version's DTD the DOCTYPE names, and a fixed payloadID/timestamp (tests, or an outbox
    that must resend a document unchanged)."""

    host: Required[str]
    version: str
    payload_id: str | None
    timestamp: datetime | None


class RequestOptions(DocumentOptions, total=False):
    """What builders of requests and messages take besides: the Header (From, To, Sender)
    and the deploymentMode ("production" or "test")."""

    header: Required[Header]
    deployment_mode: str


def document(
    fill: Callable[[Any], None],
    *,
    dtd_file: str = "cXML.dtd",
    lang: str = DEFAULT_LANG,
    **options: Unpack[DocumentOptions],
) -> bytes:
    """A complete document whose ``<cXML>`` root ``fill`` populates; the other builders' base."""
    version = options.get("version", DEFAULT_VERSION)
    prolog = '<?xml version="1.0" encoding="UTF-8"?>\n' + doctype(version, dtd_file) + "\n"
    root = etree.Element("cXML")
    root.set("payloadID", parts.clean(options.get("payload_id") or new_payload_id(options["host"])))
    root.set("timestamp", parts.when(options.get("timestamp") or datetime.now(UTC)))
    root.set(parts.XML_LANG, lang)
    fill(root)
    body: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return prolog.encode() + body


def request_document(
    fill: Callable[[Any], None],
    *,
    category: str = "Request",
    dtd_file: str = "cXML.dtd",
    header: Header,
    deployment_mode: str = "production",
    **options: Unpack[DocumentOptions],
) -> bytes:
    """A document with a Header and a Request (or Message, by ``category``) whose content
    ``fill`` writes into the Request element: the base of every request and message builder."""
    # A Message echoes the mode of the setup request it answers, as the buyer wrote it.
    if category == "Request" and deployment_mode not in ("production", "test"):
        raise ValueError(f"deploymentMode must be production or test, not {deployment_mode!r}")

    def fill_root(root: Any) -> None:
        parts.header(root, header)
        fill(parts.sub(root, category, deploymentMode=deployment_mode))

    return document(fill_root, dtd_file=dtd_file, **options)


# ---------- responses ----------


def build_status_response(
    code: int, text: str, detail: str = "", **options: Unpack[DocumentOptions]
) -> bytes:
    """A Response with only a Status: the answer to any request (errors included)."""

    def fill(root: Any) -> None:
        response = parts.sub(root, "Response")
        parts.sub(response, "Status", detail or None, code=str(code), text=text,
                  lang=DEFAULT_LANG)

    return document(fill, **options)


def build_setup_response(start_page_url: str, **options: Unpack[DocumentOptions]) -> bytes:
    """200 OK with the StartPage URL the buyer's browser is sent to."""

    def fill(root: Any) -> None:
        response = parts.sub(root, "Response")
        parts.sub(response, "Status", code="200", text="OK")
        setup = parts.sub(response, "PunchOutSetupResponse")
        parts.sub(parts.sub(setup, "StartPage"), "URL", start_page_url)

    return document(fill, **options)


def build_profile_response(
    transactions: Mapping[str, str],
    *,
    effective_date: datetime | None = None,
    **options: Unpack[DocumentOptions],
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

    return document(fill, **options)


# ---------- messages and requests ----------


def build_order_message(message: PunchOutOrderMessage, **options: Unpack[RequestOptions]) -> bytes:
    """The PunchOutOrderMessage that carries a cart back to the buyer (BuyerCookie as given)."""
    if message.operation_allowed not in ("create", "inspect", "edit"):
        raise ValueError(f"operationAllowed must be create, inspect or edit, "
                         f"not {message.operation_allowed!r}")

    def fill(body: Any) -> None:
        element = parts.sub(body, "PunchOutOrderMessage")
        parts.sub(element, "BuyerCookie", message.buyer_cookie)
        head = parts.sub(element, "PunchOutOrderMessageHeader",
                         operationAllowed=message.operation_allowed)
        parts.money(head, "Total", message.total)
        if message.ship_to is not None:
            parts.address(head, "ShipTo", message.ship_to)
        parts.shipping_and_tax(head, message.shipping, message.tax)
        for item in message.items:
            parts.item_in(element, item)

    return request_document(fill, category="Message", **options)


def build_profile_request(**options: Unpack[RequestOptions]) -> bytes:
    """An (empty) ProfileRequest, as buyers and networks send it."""

    def fill(body: Any) -> None:
        parts.sub(body, "ProfileRequest")

    return request_document(fill, **options)


def build_setup_request(request: PunchOutSetupRequest, **options: Unpack[RequestOptions]) -> bytes:
    """A PunchOutSetupRequest, as a procurement system sends it (used by the sandbox)."""

    def fill(body: Any) -> None:
        element = parts.sub(body, "PunchOutSetupRequest", operation=request.operation)
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

    return request_document(fill, **options)


def build_order_request(order: OrderRequest, **options: Unpack[RequestOptions]) -> bytes:
    """A purchase order (OrderRequest), as a procurement system sends it (used by the sandbox)."""
    if not order.items:
        raise ValueError("an OrderRequest needs at least one ItemOut")
    if order.header.bill_to is None:
        raise ValueError("an OrderRequest needs a BillTo address")

    def fill(body: Any) -> None:
        element = parts.sub(body, "OrderRequest")
        _order_header(element, order)
        for item in order.items:
            parts.item_out(element, item)

    return request_document(fill, **options)


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
    parts.shipping_and_tax(element, head.shipping, head.tax)
    for term in head.payment_terms:
        parts.sub(element, "PaymentTerm", payInNumberOfDays=str(term.pay_in_days))
    parts.contacts(element, head.contacts)
    if head.comments is not None:
        parts.sub(element, "Comments", head.comments, lang="en")
    if head.document_reference is not None:
        parts.sub(element, "DocumentReference", payloadID=head.document_reference)
    parts.extrinsics(element, head.extrinsics)
