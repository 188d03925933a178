"""``read_cxml``: untrusted bytes in, a typed ``CXMLDocument`` out (or a ``CXMLError``).

Lenient reading, strict writing: real senders leave out the XML declaration, the DOCTYPE or
the UserAgent, write timestamps without an offset, mix the case of credential domains and
pad values with whitespace. All of that is accepted. A document that cannot be understood
raises ``CXMLError`` whose message names the element and the problem, ready to become the
text of a cXML 400 Status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from lxml import etree

from shop.cxml.documents import (
    NO_EXTRINSICS,
    Contact,
    Credential,
    CredentialMac,
    CXMLDocument,
    Envelope,
    Header,
    ItemIn,
    ItemOut,
    OrderRequest,
    OrderRequestHeader,
    Party,
    Payload,
    PaymentTerm,
    ProfileRequest,
    ProfileResponse,
    PunchOutOrderMessage,
    PunchOutSetupRequest,
    PunchOutSetupResponse,
    Response,
    Status,
    StatusUpdateRequest,
)
from shop.cxml.errors import CXMLError, quote
from shop.cxml.parse import DEFAULT_MAX_BYTES, doctype_dtd, parse_xml
from shop.cxml.read_fulfill import FULFILL_READERS
from shop.cxml.read_items import item_id, item_in, item_out
from shop.cxml.read_parts import (
    XML_LANG,
    all_text,
    charge,
    contact,
    decimal_value,
    extrinsics,
    int_value,
    money,
    parse_datetime,
    required,
    ship_to_address,
    text,
)

logger = logging.getLogger(__name__)


def read_cxml(body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CXMLDocument:
    """Parse and read a cXML document; raises ``CXMLError`` for anything unusable."""
    root = parse_xml(body, max_bytes=max_bytes)
    try:
        return read_root(root)
    except CXMLError:
        raise
    except (ValueError, TypeError, AttributeError, LookupError) as exc:
        # A reader bug must still become a clean 400, never a 500 and a retry storm.
        logger.exception("unexpected error while reading cXML")
        raise CXMLError("the document could not be read", internal=repr(exc)) from None


def read_root(root: Any) -> CXMLDocument:
    """Read an already parsed (hardened) ``<cXML>`` root element."""
    if root.tag != "cXML":
        raise _wrong_root(root)
    header, body = None, None
    for child in root:
        if child.tag == "Header":
            header = read_header(child)
        elif child.tag in ("Request", "Message", "Response") and body is None:
            body = child
    if body is None:
        raise CXMLError("cXML: no Request, Message or Response", element="cXML")
    envelope = read_envelope(root, body)
    if body.tag == "Response":
        return CXMLDocument(envelope, header, "Response", "Response", read_response(body))
    if header is None:
        raise CXMLError(f"cXML: a {body.tag} needs a Header", element="Header")
    content = next(iter(body), None)
    if content is None:
        raise CXMLError(f"{body.tag} is empty", element=body.tag)
    reader = _READERS.get(content.tag)
    payload = reader(content) if reader else None
    return CXMLDocument(envelope, header, body.tag, content.tag, payload)


def _wrong_root(root: Any) -> CXMLError:
    qname = etree.QName(root)
    if qname.namespace:
        return CXMLError(
            f"the root element must be <cXML>, not <{qname.localname}> in namespace "
            f"{quote(qname.namespace)}: this is not a cXML document",
            element=qname.localname,
        )
    return CXMLError(
        f"the root element must be <cXML>, not <{qname.localname}> "
        "(element names are case-sensitive)",
        element=qname.localname,
    )


def read_envelope(root: Any, body: Any) -> Envelope:
    payload_id = (root.get("payloadID") or "").strip()
    if not payload_id:
        raise CXMLError("cXML: attribute payloadID is missing", element="cXML")
    stamp = root.get("timestamp")
    if stamp is None or not stamp.strip():
        raise CXMLError("cXML: attribute timestamp is missing", element="cXML")
    docinfo = root.getroottree().docinfo
    dtd_version, dtd_file = doctype_dtd(docinfo.system_url if docinfo.doctype else None)
    mode = (body.get("deploymentMode") or "production").strip().lower()
    return Envelope(
        payload_id=payload_id,
        timestamp=parse_datetime(stamp, "cXML timestamp", "cXML"),
        version=root.get("version"),
        lang=root.get(XML_LANG),
        deployment_mode=mode,
        dtd_version=dtd_version,
        dtd_file=dtd_file,
    )


def read_header(element: Any) -> Header:
    parties: dict[str, Party] = {}
    user_agent = None
    for child in element:
        if child.tag in ("From", "To", "Sender"):
            parties[child.tag] = _party(child)
            if child.tag == "Sender":
                for part in child:
                    if part.tag == "UserAgent":
                        user_agent = all_text(part) or None
    for name in ("From", "To", "Sender"):
        if name not in parties:
            raise CXMLError(f"Header: {name} is missing", element=name)
    return Header(parties["From"], parties["To"], parties["Sender"], user_agent)


def _party(element: Any) -> Party:
    credentials = [_credential(c, element.tag) for c in element if c.tag == "Credential"]
    if not credentials:
        raise CXMLError(f"{element.tag}: no Credential", element=element.tag)
    return Party(tuple(credentials))


def _credential(element: Any, party: str) -> Credential:
    identity, secret, mac = None, None, None
    for child in element:
        if child.tag == "Identity":
            identity = all_text(child)
        elif child.tag == "SharedSecret":
            secret = "".join(child.itertext()).strip()  # inner spaces kept: they count
        elif child.tag == "CredentialMac":
            mac = CredentialMac(
                text(child), child.get("type"), child.get("algorithm"),
                child.get("creationDate"), child.get("expirationDate"),
            )
    if identity is None:
        raise CXMLError(f"{party} Credential: Identity is missing", element="Identity")
    # An empty or missing domain is seen in real documents: it is kept as "".
    domain = (element.get("domain") or "").strip()
    return Credential(domain, identity, secret, mac, element.get("type"))


def read_status(element: Any) -> Status:
    code = element.get("code")
    if code is None or not code.strip():
        raise CXMLError("Status: attribute code is missing", element="Status")
    return Status(
        code=int_value(code, "Status code", "Status"),
        text=(element.get("text") or "").strip(),
        detail=all_text(element),
        lang=element.get(XML_LANG),
    )


def read_response(element: Any) -> Response:
    status: Status | None = None
    body: PunchOutSetupResponse | ProfileResponse | None = None
    for child in element:
        if child.tag == "Status":
            status = read_status(child)
        elif child.tag == "PunchOutSetupResponse":
            url = next((all_text(u) for u in child.iter("URL")), "")
            if not url:
                raise CXMLError("PunchOutSetupResponse: StartPage URL is missing", element="URL")
            body = PunchOutSetupResponse(url)
        elif child.tag == "ProfileResponse":
            body = _profile_response(child)
    if status is None:
        raise CXMLError("Response: Status is missing", element="Status")
    return Response(status, body)


def _profile_response(element: Any) -> ProfileResponse:
    transactions = {}
    for child in element:
        if child.tag == "Transaction":
            url = next((all_text(u) for u in child.iter("URL")), "")
            transactions[child.get("requestName", "")] = url
    effective = element.get("effectiveDate")
    return ProfileResponse(
        transactions,
        parse_datetime(effective, "effectiveDate", "ProfileResponse") if effective else None,
    )


def read_setup_request(element: Any) -> PunchOutSetupRequest:
    operation = required(element, "operation", "PunchOutSetupRequest").lower()
    fields: dict[str, Any] = {"operation": operation}
    extrinsic_elements: list[Any] = []
    contacts: list[Contact] = []
    items: list[ItemOut] = []
    for child in element:
        tag = child.tag
        if tag == "BuyerCookie":
            fields["buyer_cookie"] = cookie(child)
        elif tag == "Extrinsic":
            extrinsic_elements.append(child)
        elif tag == "BrowserFormPost":
            fields["browser_form_post_url"] = _url(child)
        elif tag == "Contact":
            contacts.append(contact(child))
        elif tag == "SupplierSetup":
            fields["supplier_setup_url"] = _url(child)
        elif tag == "ShipTo":
            fields["ship_to"] = ship_to_address(child)
        elif tag == "SelectedItem":
            selected = next((c for c in child if c.tag == "ItemID"), None)
            if selected is not None:
                fields["selected_item"] = item_id(selected, "SelectedItem")
        elif tag == "ItemOut":
            items.append(item_out(child, len(items) + 1))
    if not fields.get("buyer_cookie"):
        raise CXMLError("PunchOutSetupRequest: BuyerCookie is missing", element="BuyerCookie")
    return PunchOutSetupRequest(
        extrinsics=extrinsics(extrinsic_elements), contacts=tuple(contacts), items=tuple(items),
        **fields,
    )


def cookie(element: Any) -> str:
    """A BuyerCookie: surrounding whitespace dropped, everything else kept as sent."""
    return "".join(element.itertext()).strip()


def _url(element: Any) -> str | None:
    for child in element:
        if child.tag == "URL":
            return all_text(child) or None
    return None


def read_order_message(element: Any) -> PunchOutOrderMessage:
    fields: dict[str, Any] = {}
    items: list[ItemIn] = []
    for child in element:
        tag = child.tag
        if tag == "BuyerCookie":
            fields["buyer_cookie"] = cookie(child)
        elif tag == "PunchOutOrderMessageHeader":
            fields["operation_allowed"] = (child.get("operationAllowed") or "edit").strip()
            for part in child:
                if part.tag == "Total":
                    fields["total"] = money(part, "PunchOutOrderMessageHeader Total")
                elif part.tag == "Shipping":
                    fields["shipping"] = charge(part, "PunchOutOrderMessageHeader Shipping")
                elif part.tag == "Tax":
                    fields["tax"] = charge(part, "PunchOutOrderMessageHeader Tax")
                elif part.tag == "ShipTo":
                    fields["ship_to"] = ship_to_address(part)
        elif tag == "ItemIn":
            items.append(item_in(child, len(items) + 1))
    if "buyer_cookie" not in fields:
        raise CXMLError("PunchOutOrderMessage: BuyerCookie is missing", element="BuyerCookie")
    if "total" not in fields:
        raise CXMLError("PunchOutOrderMessageHeader: Total is missing", element="Total")
    return PunchOutOrderMessage(items=tuple(items), **fields)


def read_order_request(element: Any) -> OrderRequest:
    header: OrderRequestHeader | None = None
    items: list[ItemOut] = []
    for child in element:
        if child.tag == "ItemOut":
            items.append(item_out(child, len(items) + 1))
        elif child.tag == "OrderRequestHeader" and header is None:
            header = _order_header(child)
    if header is None:
        raise CXMLError("OrderRequest: OrderRequestHeader is missing", element="OrderRequestHeader")
    return OrderRequest(header, tuple(items))


def _order_header(element: Any) -> OrderRequestHeader:
    where = "OrderRequestHeader"
    order_date = element.get("orderDate")
    version = element.get("orderVersion")
    fields: dict[str, Any] = {
        "order_id": required(element, "orderID", where),
        "order_date": parse_datetime(order_date, "orderDate", where) if order_date else None,
        "type": (element.get("type") or "new").strip().lower(),
        "order_version": int_value(version, "orderVersion", where) if version else None,
        "order_type": element.get("orderType"),
        "requisition_id": element.get("requisitionID"),
    }
    contacts, comments, extrinsic_elements, terms = [], [], [], []
    for child in element:
        tag = child.tag
        if tag == "Total":
            fields["total"] = money(child, f"{where} Total")
        elif tag in ("ShipTo", "BillTo"):
            fields["ship_to" if tag == "ShipTo" else "bill_to"] = ship_to_address(child)
        elif tag in ("Shipping", "Tax"):
            fields[tag.lower()] = charge(child, f"{where} {tag}")
        elif tag == "Payment":
            fields["payment_kind"] = next((part.tag for part in child), None)
        elif tag == "PaymentTerm":
            terms.append(_payment_term(child))
        elif tag == "Contact":
            contacts.append(contact(child))
        elif tag == "Comments":
            comments.append(all_text(child))
        elif tag == "Extrinsic":
            extrinsic_elements.append(child)
        elif tag == "DocumentReference":
            fields["document_reference"] = (child.get("payloadID") or "").strip() or None
    if "total" not in fields:
        raise CXMLError(f"{where}: Total is missing", element="Total")
    return OrderRequestHeader(
        payment_terms=tuple(terms), contacts=tuple(contacts),
        comments="\n".join(c for c in comments if c) or None,
        extrinsics=extrinsics(extrinsic_elements) if extrinsic_elements else NO_EXTRINSICS,
        **fields,
    )


def _payment_term(element: Any) -> PaymentTerm:
    days = element.get("payInNumberOfDays", "0")
    discount = None
    for percent in element.iter("DiscountPercent"):
        discount = decimal_value(percent.get("percent", ""), "DiscountPercent", "PaymentTerm")
    return PaymentTerm(int_value(days, "payInNumberOfDays", "PaymentTerm"), discount)


def _status_update(element: Any) -> StatusUpdateRequest:
    reference, status = None, None
    for child in element:
        if child.tag == "DocumentReference":
            reference = (child.get("payloadID") or "").strip() or None
        elif child.tag == "Status":
            status = read_status(child)
    if status is None:
        raise CXMLError("StatusUpdateRequest: Status is missing", element="Status")
    return StatusUpdateRequest(reference, status)


def _profile_request(element: Any) -> ProfileRequest:
    return ProfileRequest()


_READERS: dict[str, Callable[[Any], Payload]] = {
    "ProfileRequest": _profile_request,
    "PunchOutSetupRequest": read_setup_request,
    "PunchOutOrderMessage": read_order_message,
    "OrderRequest": read_order_request,
    "StatusUpdateRequest": _status_update,
    **FULFILL_READERS,
}
