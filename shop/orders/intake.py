"""Purchase-order intake: an OrderRequest (or ProfileRequest) in, a cXML Response out.

The order of things is what makes it lose nothing and do nothing twice:

1. parse through the toolkit's hardened door and read only the envelope and Header;
2. authenticate (nothing is stored for a stranger: a forged document must not be able to
   claim a real buyer's payloadID);
3. store the raw document (secrets masked) with insert-or-fetch on (connection, payloadID)
   and COMMIT: from here on the document is safe, and only one delivery owns it;
4. read the lines and check them against the catalog (reads only, no lock held), then
   process it in a second transaction that begins by re-checking the claim (on SQLite that
   write takes the lock first): the order, its version, its flags and the answer commit
   together, or nothing does;
5. answer; a duplicate delivery replays the stored answer byte for byte.

Documents with many lines are answered 201 Accepted right after step 3 and processed after
the answer has gone out (or by the background worker), so a buyer never waits on them.
A database failure before the answer is stored gives 500/503: the buyer retries, and the
retry finds the document and processes it again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from lxml import etree
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from shop import cxml
from shop.cxml.read import read_envelope, read_header, read_root
from shop.cxml.read_items import item_out
from shop.database import utcnow
from shop.extensions import db
from shop.orders import buyers, inbound, po_apply, po_rejections
from shop.orders.documents import Addressee
from shop.orders.inbound import Answer, InboundDocument, InboundStatus, NewDocument
from shop.orders.po_checks import IntakeRefused
from shop.ratelimit import AuthKind, get_limiter

log = logging.getLogger(__name__)

UNAUTHORIZED = "Unauthorized: credentials not accepted"  # the same for identity and secret
ACCEPTED_KINDS = ("OrderRequest", "ProfileRequest")
STALE_AFTER = dt.timedelta(days=30)


@dataclass(frozen=True, slots=True)
class ShopUrls:
    """What the view resolves: the host for payloadIDs and the ProfileResponse URLs."""

    host: str
    transactions: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer, its HTTP status, and a document to process once the answer is sent."""

    answer: Answer
    http_status: int
    # Work to do once the answer has been sent (a large document's processing).
    later: Callable[[], object] | None = None


@dataclass(frozen=True, slots=True)
class _Peek:
    envelope: cxml.Envelope
    header: cxml.Header
    kind: str
    content: Any


def _answer(code: int, text: str, host: str) -> Answer:
    body = cxml.build_status_response(code, text, host=host,
                                      version=current_app.config["CXML_VERSION"])
    return Answer(code, text, body)


def http_status(code: int) -> int:
    """HTTP 200 for every cXML answer, except 413 and 5xx, which say so at the HTTP level
    too (a buyer's stack that only looks at HTTP then still retries)."""
    return code if code == 413 or code >= 500 else 200


def _reply(answer: Answer, later: Callable[[], object] | None = None) -> Reply:
    return Reply(answer, http_status(answer.code), later)


def _peek(root: Any) -> _Peek:
    """Envelope and Header only: enough to authenticate without reading every line."""
    if root.tag != "cXML":
        read_root(root)  # raises the toolkit's precise error
    header_element = request = None
    for child in root:
        if child.tag == "Header" and header_element is None:
            header_element = child
        elif child.tag in ("Request", "Message", "Response") and request is None:
            request = child
    if request is None:
        raise cxml.CXMLError("cXML: no Request, Message or Response", element="cXML")
    envelope = read_envelope(root, request)
    if request.tag != "Request":
        raise cxml.CXMLError(f"cXML: a {request.tag} cannot be sent here; send a Request",
                             element=request.tag)
    if header_element is None:
        raise cxml.CXMLError("cXML: a Request needs a Header", element="Header")
    content = next(iter(request), None)
    if content is None:
        raise cxml.CXMLError("Request is empty", element="Request")
    return _Peek(envelope, read_header(header_element), str(content.tag), content)


def receive(body: bytes, remote_addr: str, urls: ShopUrls) -> Reply:
    """Answer one POST to /orders/cxml (never raises: every failure is a cXML Status)."""
    try:
        root = cxml.parse_xml(body, max_bytes=current_app.config["MAX_XML_BYTES"])
        peek = _peek(root)
    except cxml.CXMLError as error:
        log.info("unreadable document from %s: %s", remote_addr, error.internal or error)
        code = error.status if error.status in (400, 413) else 400
        prefix = "Request Entity Too Large" if code == 413 else "Bad Request"
        return _reply(_answer(code, f"{prefix}: {error.message}", urls.host))
    if peek.kind not in ACCEPTED_KINDS:
        return _reply(_answer(450, f"Not Implemented: {peek.kind} is not accepted here; send "
                                   "an OrderRequest or a ProfileRequest", urls.host))
    try:
        return _authenticated(root, peek, body, remote_addr, urls)
    except SQLAlchemyError as error:
        db.session.rollback()
        log.error("database unavailable during intake: %s", type(error).__name__)
        return _reply(_unavailable(error, urls.host))


def _unavailable(error: Exception, host: str) -> Answer:
    if isinstance(error, OperationalError):
        return _answer(503, "Service Unavailable: the shop could not store the document; "
                            "please send it again later", host)
    return _answer(500, "Internal Server Error: the shop could not store the document; "
                        "please send it again later", host)


def _from_identity(header: cxml.Header) -> str | None:
    first = header.from_.first
    return f"{first.domain}:{first.identity}" if first is not None else None


def _authenticated(root: Any, peek: _Peek, body: bytes, remote_addr: str,
                   urls: ShopUrls) -> Reply:
    limiter, identity = get_limiter(), _from_identity(peek.header)
    # A locked identity (or address) is refused without even checking its secret.
    if not limiter.check(AuthKind.CXML, identity, remote_addr).allowed:
        log.info("OrderRequest refused from %s: too many failed attempts", remote_addr)
        return _reply(_answer(401, UNAUTHORIZED, urls.host))
    connection = buyers.authenticate_header(peek.header)
    if connection is None:
        limiter.record_failure(AuthKind.CXML, identity, remote_addr)
        log.info("OrderRequest refused from %s: credentials not accepted", remote_addr)
        return _reply(_answer(401, UNAUTHORIZED, urls.host))
    if not connection.active:
        return _reply(_answer(403, "Forbidden: this buyer connection is not active", urls.host))
    if peek.envelope.deployment_mode == "test" and not buyers.is_test_connection(connection):
        return _reply(_answer(403, "Forbidden: this connection is in production mode and "
                                   "does not accept test documents", urls.host))
    if peek.envelope.timestamp < utcnow() - STALE_AFTER:
        log.warning("document %r from connection %s is dated %s", peek.envelope.payload_id[:80],
                    connection.id, peek.envelope.timestamp.date())
    if peek.kind == "ProfileRequest":
        profile = cxml.build_profile_response(urls.transactions, host=urls.host,
                                              version=current_app.config["CXML_VERSION"])
        return _reply(Answer(200, "OK", profile))
    context = po_apply.intake_context(connection.id, connection.name, connection.company_id,
                                      0, peek.envelope.payload_id)
    return _store_and_process(root, peek, body, remote_addr, urls, context)


def _store_and_process(root: Any, peek: _Peek, body: bytes, remote_addr: str, urls: ShopUrls,
                       context: po_apply.IntakeContext) -> Reply:
    payload_id = peek.envelope.payload_id
    if len(payload_id) > 255:
        return _reply(_answer(400, "Bad Request: cXML payloadID is longer than 255 "
                                   "characters", urls.host))
    head = peek.content.find("OrderRequestHeader")
    lines = sum(1 for _ in peek.content.iterchildren("ItemOut"))
    sender = peek.header.sender.first
    new = NewDocument(
        connection_id=context.connection_id, payload_id=payload_id, body=body,
        secret=peek.header.shared_secret,
        sender_identity=f"{sender.domain}:{sender.identity}" if sender else "",
        deployment_mode=peek.envelope.deployment_mode,
        order_id=(head.get("orderID") or "").strip() if head is not None else "",
        line_count=lines, remote_addr=remote_addr,
    )
    deferred = lines > current_app.config["INTAKE_SYNC_MAX_LINES"]
    early = _answer(201, f"Accepted: {lines} lines received; the order is being "
                         "processed", urls.host) if deferred else None
    try:
        stored = inbound.store_document(new, early)
    except SQLAlchemyError as error:
        log.error("could not store document %r: %s", payload_id[:80], type(error).__name__)
        return _reply(_unavailable(error, urls.host))
    context = dataclasses.replace(context, inbound_id=stored.document_id)
    if stored.claim_token is None:
        return _duplicate_delivery(context, urls)
    if early is not None:
        token = stored.claim_token
        return _reply(early, later=lambda: process(root, context, token, urls.host,
                                                   keep_answer=True))
    return _reply(process(root, context, stored.claim_token, urls.host))


def _duplicate_delivery(context: po_apply.IntakeContext, urls: ShopUrls) -> Reply:
    """The same payloadID again: the first answer, once there is one."""
    config = current_app.config
    outcome = inbound.wait_for_answer(context.inbound_id, config["INTAKE_WAIT_SECONDS"],
                                      config["INTAKE_CLAIM_LEASE"])
    if isinstance(outcome, Answer):
        log.info("document %r delivered again: answer replayed", context.payload_id[:80])
        return _reply(outcome)
    if isinstance(outcome, str):  # the first delivery failed or died: take over
        answer = process_stored(context.inbound_id, outcome, urls.host)
        return _reply(answer)
    return _reply(_answer(503, "Service Unavailable: this document is still being "
                               "processed; please send it again later", urls.host))


def content_digest(content: Any) -> str:
    """sha256 of the canonical OrderRequest element: the same order gives the same digest,
    whatever its envelope, header, payloadID or formatting."""
    return hashlib.sha256(etree.tostring(content, method="c14n")).hexdigest()


def _read(root: Any) -> cxml.CXMLDocument:
    """The document as the toolkit's dataclasses; its ItemOut elements leave the tree as
    they are read, so a large order never exists twice in full (tree and dataclasses)."""
    try:
        items = _take_items(_content(root)) if root.tag == "cXML" else ()
        document = read_root(root)
        if items and isinstance(document.payload, cxml.OrderRequest):
            document = dataclasses.replace(
                document, payload=cxml.OrderRequest(document.payload.header, items))
        return _with_nested_items(root, document)
    except cxml.CXMLError:
        raise
    except (ValueError, TypeError, AttributeError, LookupError) as error:
        log.exception("unexpected error while reading an OrderRequest")
        raise cxml.CXMLError("the document could not be read", internal=repr(error)) from None


def _take_items(content: Any) -> tuple[cxml.ItemOut, ...]:
    """Read an OrderRequest's own ItemOut elements in order, removing each from the tree."""
    if content.tag != "OrderRequest":
        return ()
    items: list[cxml.ItemOut] = []
    element = next(content.iterchildren("ItemOut"), None)
    while element is not None:
        items.append(item_out(element, len(items) + 1))
        following = element.getnext()
        content.remove(element)
        while following is not None and following.tag != "ItemOut":
            following = following.getnext()
        element = following
    return tuple(items)


def _with_nested_items(root: Any, document: cxml.CXMLDocument) -> cxml.CXMLDocument:
    """Lines found deeper in the OrderRequest when it has none of its own.

    A real sender (a hospitality e-procurement system) wraps them in an embedded
    Message/PunchOutOrderMessage; the buyer still means them as the order's lines.
    """
    request = document.payload
    if not isinstance(request, cxml.OrderRequest) or request.items:
        return document
    nested = list(_content(root).iter("ItemOut"))
    if not nested:
        return document
    items = tuple(item_out(element, number) for number, element in enumerate(nested, start=1))
    log.info("OrderRequest %r: %s lines read from a nested element", document.payload_id[:80],
             len(items))
    return dataclasses.replace(document, payload=cxml.OrderRequest(request.header, items))


def process(root: Any, context: po_apply.IntakeContext, token: str, host: str,
            keep_answer: bool = False) -> Answer:
    """Turn a stored document into (a change of) an order, in one transaction.

    The XML is read before the transaction begins: on SQLite the transaction holds the
    database's only write lock, so it should contain database work and nothing else.
    ``keep_answer``: the buyer was already answered (201); the outcome is recorded, and the
    answer computed here is only returned.
    """
    document_id = context.inbound_id
    try:
        digest = content_digest(_content(root))
        try:
            document: cxml.CXMLDocument | cxml.CXMLError = _read(root)
        except cxml.CXMLError as unreadable:
            document = unreadable
        # Whom to tell if the refusal needs a reject confirmation (see po_rejections).
        unreadable_from = (po_rejections.addressee_in_tree(root, context.payload_id)
                           if isinstance(document, cxml.CXMLError) else None)
        # Everything needed is in ``document`` now: free the tree (about eight times the
        # document's size) before the order is written.
        root.clear()
        if _line_count(document) > current_app.config["INTAKE_SYNC_MAX_LINES"]:
            _return_freed_memory()
        prepared = (po_apply.prepare(context, document)
                    if isinstance(document, cxml.CXMLDocument) else None)
        if not inbound.begin_processing(document_id, token):
            db.session.rollback()  # our claim expired and someone else took over
            return inbound.stored_answer(document_id) or _answer(
                503, "Service Unavailable: please send the document again later", host)
        answer, status = _apply(context, document, digest, token, host, prepared,
                                unreadable_from)
        inbound.record_outcome(document_id, status, None if keep_answer else answer,
                               error=answer.text if status == InboundStatus.REJECTED else "")
        db.session.commit()
        log.info("document %r: %s %s", context.payload_id[:80], answer.code, answer.text[:120])
        return answer
    except SQLAlchemyError as error:
        inbound.release_after_failure(document_id, token,
                                      f"{type(error).__name__}: {error}"[:2000])
        log.error("processing document %s failed: %s", document_id, type(error).__name__)
        return _unavailable(error, host)
    except Exception as error:  # a bug: keep the document, answer 500, let a person look
        inbound.release_after_failure(document_id, token,
                                      f"{type(error).__name__}: {error}"[:2000])
        log.exception("processing document %s failed", document_id)
        return _unavailable(error, host)


def _apply(context: po_apply.IntakeContext, document: cxml.CXMLDocument | cxml.CXMLError,
           digest: str, token: str, host: str, prepared: po_apply.Prepared = None,
           unreadable_from: Addressee | None = None) -> tuple[Answer, InboundStatus]:
    """Apply the order inside the processing transaction; a refusal rolls it back and keeps
    only the record of the refusal (and, for an order that does not exist, queues a reject
    confirmation: ``po_rejections``)."""
    if isinstance(document, cxml.CXMLError):
        answer = _refusal_answer(document, host)
        po_rejections.queue_rejection(context, unreadable_from, 400, answer.text)
        return answer, InboundStatus.REJECTED
    try:
        applied = po_apply.apply_order_request(context, document, digest, prepared)
    except IntakeRefused as refused:
        db.session.rollback()
        inbound.begin_processing(context.inbound_id, token)
        if not po_apply.record_refusal(context, document, digest, refused):
            po_rejections.queue_rejection(
                context, po_rejections.addressee_of(document, context.payload_id),
                refused.code, refused.text)
        return _refusal_answer(refused, host), InboundStatus.REJECTED
    except cxml.CXMLError as error:  # e.g. payload_as: the content is not what it claims
        db.session.rollback()
        inbound.begin_processing(context.inbound_id, token)
        return _refusal_answer(error, host), InboundStatus.REJECTED
    return _answer(200, applied.text, host), InboundStatus.PROCESSED


def _line_count(document: cxml.CXMLDocument | cxml.CXMLError) -> int:
    payload = document.payload if isinstance(document, cxml.CXMLDocument) else None
    return len(payload.items) if isinstance(payload, cxml.OrderRequest) else 0


def _return_freed_memory() -> None:
    """Give the pages the tree's nodes were in back to the system (glibc only).

    libxml2 frees a large tree's nodes into holes of the C heap, which the Python objects
    made next (pymalloc arenas are separate mappings) cannot reuse; without this, a worker's
    peak memory is the tree *plus* everything processing allocates after it.
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


_LIBC = _load_libc()


def _content(root: Any) -> Any:
    for request in root.iterchildren("Request"):
        for content in request:
            return content
    return root


def _refusal_answer(refused: Exception, host: str) -> Answer:
    if isinstance(refused, IntakeRefused):
        return _answer(refused.code, refused.text, host)
    assert isinstance(refused, cxml.CXMLError)
    return _answer(400, f"Bad Request: {refused.message}", host)


def process_stored(document_id: int, token: str, host: str) -> Answer:
    """Process a document from its stored body (deferred, taken over, or by the worker)."""
    document = db.session.get(InboundDocument, document_id)
    if document is None:
        raise LookupError(f"no inbound document {document_id}")
    body, answered = document.masked_body, document.answer_code is not None
    connection = buyers.get_connection(document.connection_id)
    context = po_apply.intake_context(connection.id, connection.name, connection.company_id,
                                      document.id, document.payload_id)
    db.session.rollback()  # the processing transaction must start with its claim check
    try:
        # Stored documents were accepted once: only the size limit of that time applies.
        root = cxml.parse_xml(body, max_bytes=max(len(body) + 1,
                                                  current_app.config["MAX_XML_BYTES"]))
    except cxml.CXMLError as error:
        inbound.release_after_failure(document_id, token, f"stored body unreadable: {error}")
        return _answer(500, "Internal Server Error: the stored document cannot be read", host)
    return process(root, context, token, host, keep_answer=answered)


def process_pending(host: str, limit: int = 20) -> int:
    """Process stored documents nobody is working on (the background worker); how many."""
    config = current_app.config
    done = 0
    for document_id in inbound.pending_documents(config["INTAKE_CLAIM_LEASE"],
                                                 config["INTAKE_MAX_ATTEMPTS"], limit):
        token = inbound.claim_for_worker(document_id, config["INTAKE_CLAIM_LEASE"])
        if token is not None:
            process_stored(document_id, token, host)
            done += 1
    return done
