"""The cXML setup use case: a PunchOutSetupRequest (or ProfileRequest) in, a Response out.

Every body that can be read is answered with a cXML Response (HTTP 200): the Status code
says what happened. Both documents are written to the message log, secrets redacted, in the
same transaction as the session they open.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from shop import cxml
from shop.extensions import db
from shop.punchout.connections import authenticate
from shop.punchout.errors import PunchOutRefused, Unauthorized
from shop.punchout.messages import add_message
from shop.punchout.models import BuyerConnection, Direction, Operation, PunchOutSession
from shop.punchout.sessions import ItemRef, SetupData, refuse_replay, stage_session
from shop.ratelimit import AuthKind, get_limiter

log = logging.getLogger(__name__)

ACCEPTED_KINDS = ("PunchOutSetupRequest", "ProfileRequest")


@dataclass(frozen=True)
class ShopAddresses:
    """The URLs this shop gives out, resolved by the view (absolute, https behind a proxy)."""

    host: str  # for payloadIDs
    start_url: Callable[[str], str]  # StartPage URL for a token
    transactions: Mapping[str, str]  # ProfileResponse: request name -> URL


@dataclass(frozen=True)
class _Inbound:
    """What is known about the incoming document, for the log entries."""

    body: bytes
    remote_addr: str
    document_type: str = ""
    payload_id: str = ""
    connection_id: int | None = None


def answer_setup_request(body: bytes, remote_addr: str, shop: ShopAddresses) -> bytes:
    """Answer a setup or profile request; always a cXML Response (errors as Status codes)."""
    inbound = _Inbound(body, remote_addr)
    try:
        document = cxml.read_cxml(body, max_bytes=current_app.config["MAX_XML_BYTES"])
    except cxml.CXMLError as error:
        log.info("unreadable setup request from %s: %s", remote_addr, error.internal or error)
        return _refuse(inbound, shop, error.status, f"Bad Request: {error.message}")
    inbound = dataclasses.replace(
        inbound, document_type=document.kind, payload_id=document.payload_id)
    try:
        connection = _authenticated(document, remote_addr)
        inbound = dataclasses.replace(inbound, connection_id=connection.id)
        if document.kind == "ProfileRequest":
            return _profile(inbound, connection, shop)
        return _setup(inbound, connection, document, shop)
    except PunchOutRefused as refused:
        return _refuse(inbound, shop, refused.code, refused.text)
    except cxml.CXMLError as error:
        return _refuse(inbound, shop, error.status, f"Bad Request: {error.message}")


def _authenticated(document: cxml.CXMLDocument, remote_addr: str) -> BuyerConnection:
    """The connection behind the header's credentials, behind the setup rate limit.

    Failures are counted per From credential and per client address; while either is
    locked the secret is not checked and the answer is the same 401 as for a wrong secret.
    """
    if document.category != "Request" or document.kind not in ACCEPTED_KINDS:
        raise PunchOutRefused(
            450, f"Not Implemented: {document.kind} is not accepted here; send "
            "PunchOutSetupRequest or ProfileRequest")
    header = document.header
    assert header is not None  # a Request always has one (the reader insists)
    identity = ", ".join(f"{c.domain}:{c.identity}" for c in header.from_.credentials[:1])
    limiter = get_limiter()
    if not limiter.check(AuthKind.CXML, identity, remote_addr):
        log.info("setup request from %s refused: rate limit", remote_addr)
        raise Unauthorized()
    connection = authenticate(
        [(c.domain, c.identity) for c in header.from_.credentials],
        [(c.domain, c.identity) for c in header.sender.credentials],
        header.shared_secret,
        [(c.domain, c.identity) for c in header.to.credentials],
    )
    if connection is None:
        limiter.record_failure(AuthKind.CXML, identity, remote_addr)
        raise Unauthorized()
    if not connection.active:
        raise PunchOutRefused(403, "Forbidden: this buyer connection is not active")
    return connection


def _setup(inbound: _Inbound, connection: BuyerConnection, document: cxml.CXMLDocument,
           shop: ShopAddresses) -> bytes:
    request = document.payload_as(cxml.PunchOutSetupRequest)
    operation = request.operation.strip().lower()
    if operation == "source":
        raise PunchOutRefused(450, "Not Implemented: operation 'source' is not supported")
    if operation not in {op.value for op in Operation}:
        raise PunchOutRefused(400, "Bad Request: operation must be create, edit or inspect")
    data = _setup_data(document, request, Operation(operation))
    for attempt in (1, 2):
        # Session, cart, token and both log entries are written by one flush at the commit.
        staged = stage_session(connection, data)
        payload_id = cxml.new_payload_id(shop.host)
        answer = cxml.build_setup_response(shop.start_url(staged.token), host=shop.host,
                                           version=connection.cxml_version,
                                           payload_id=payload_id)
        try:
            _log_pair(inbound, answer, payload_id, 200, "OK", session=staged.session)
        except IntegrityError:
            db.session.rollback()
            refuse_replay(connection, data)
            if attempt == 2:
                raise
            continue  # another request created the same new user at the same moment
        log.info("setup request %s accepted for connection %s", inbound.payload_id[:100],
                 inbound.connection_id)
        return answer
    raise AssertionError("unreachable")


def _setup_data(document: cxml.CXMLDocument, request: cxml.PunchOutSetupRequest,
                operation: Operation) -> SetupData:
    header = document.header
    assert header is not None
    contact = next((c for c in request.contacts if (c.role or "").lower() == "enduser"),
                   request.contacts[0] if request.contacts else None)
    return SetupData(
        return_url=request.browser_form_post_url or "",
        operation=operation,
        buyer_cookie=request.buyer_cookie,
        payload_id=document.payload_id,
        deployment_mode=document.deployment_mode,
        extrinsics=dict(request.extrinsics),
        contact=_contact(contact),
        ship_to=_jsonable(dataclasses.asdict(request.ship_to)) if request.ship_to else {},
        selected_item=request.selected_item.supplier_part_id if request.selected_item else "",
        items=[ItemRef(item.item_id.supplier_part_id, item.item_id.aux_id or "", item.quantity)
               for item in request.items],
        from_credentials=[(c.domain, c.identity) for c in header.from_.credentials],
        to_credentials=[(c.domain, c.identity) for c in header.to.credentials],
    )


def _contact(contact: cxml.Contact | None) -> dict[str, Any]:
    if contact is None:
        return {}
    return {"name": contact.name, "email": contact.email or "", "role": contact.role or ""}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _profile(inbound: _Inbound, connection: BuyerConnection, shop: ShopAddresses) -> bytes:
    payload_id = cxml.new_payload_id(shop.host)
    answer = cxml.build_profile_response(shop.transactions, host=shop.host,
                                         version=connection.cxml_version, payload_id=payload_id)
    _log_pair(inbound, answer, payload_id, 200, "OK")
    return answer


def _refuse(inbound: _Inbound, shop: ShopAddresses, code: int, text: str) -> bytes:
    """A Status-only Response; whatever the failed attempt wrote is rolled back first."""
    db.session.rollback()
    payload_id = cxml.new_payload_id(shop.host)
    answer = cxml.build_status_response(code, text, host=shop.host, payload_id=payload_id,
                                        version=current_app.config["CXML_VERSION"])
    _log_pair(inbound, answer, payload_id, code, text)
    log.info("setup request %r refused: %s %s", inbound.payload_id[:100], code, text)
    return answer


def _log_pair(inbound: _Inbound, answer: bytes, answer_id: str, code: int, text: str,
              session: PunchOutSession | None = None) -> None:
    """Log the request and the answer, then commit (with the session, when one was opened)."""
    common = {"connection_id": inbound.connection_id, "status_code": code,
              "status_text": text, "remote_addr": inbound.remote_addr}
    entries = [
        add_message(Direction.IN, inbound.body, document_type=inbound.document_type,
                    payload_id=inbound.payload_id, **common),
        add_message(Direction.OUT, answer, document_type="Response",
                    payload_id=answer_id, **common),
    ]
    for entry in entries:
        entry.session = session  # its id exists only once the flush has inserted it
    db.session.commit()

