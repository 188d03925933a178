"""Delivering outbox documents to buyers over HTTP, safely.

Buyer URLs are configuration, but a wrong or hostile one must not turn the shop into a
proxy into its own network (SSRF). So the host is resolved first, every address it resolves
to must be public (``ipaddress.is_global``), and the connection is made to the address that
was checked (no second lookup that DNS rebinding could change). Redirects are never followed,
every socket operation has a timeout, the whole answer has a deadline, and at most
``OUTBOX_MAX_RESPONSE_BYTES`` of it are read.

Plain ``http`` and private addresses are refused unless ``OUTBOX_ALLOW_PRIVATE_TARGETS`` is
set: for the built-in sandbox, development and tests, which play the buyer on this machine.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from flask import current_app

from shop import cxml
from shop.database import utcnow
from shop.extensions import db
from shop.orders import buyers, outbox
from shop.orders.outbox import AttemptResult, Outcome

log = logging.getLogger(__name__)

USER_AGENT = "Northwind Supply order documents"
_MASKED_SECRET = f"<SharedSecret>{outbox.SECRET_MASK}</SharedSecret>".encode()


class DeliveryRefused(Exception):
    """The target is not allowed (scheme, address); retrying would not help."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked destination: where to connect (``address``) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


@dataclass(frozen=True, slots=True)
class Limits:
    connect_timeout: float
    read_timeout: float
    max_bytes: int
    allow_private: bool


def limits_from_config() -> Limits:
    config = current_app.config
    return Limits(float(config["OUTBOX_CONNECT_TIMEOUT"]), float(config["OUTBOX_READ_TIMEOUT"]),
                  int(config["OUTBOX_MAX_RESPONSE_BYTES"]),
                  bool(config["OUTBOX_ALLOW_PRIVATE_TARGETS"]))


def check_target(url: str, allow_private: bool) -> Target:
    """Resolve and vet a URL; raises DeliveryRefused naming the reason."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryRefused("bad_url: not an absolute http(s) URL")
    if scheme == "http" and not allow_private:
        raise DeliveryRefused("insecure_url: documents are only sent over https")
    if parts.username or parts.password:
        raise DeliveryRefused("bad_url: credentials in the URL")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (ValueError, OSError) as error:
        raise DeliveryRefused(f"bad_url: cannot resolve host ({error})") from None
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not (ip.is_global or allow_private) or ip.is_multicast or ip.is_unspecified:
            raise DeliveryRefused(f"blocked_address: {parts.hostname} resolves to {ip}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, parts.hostname, port, path, addresses[0])


class _PinnedConnection(http.client.HTTPSConnection):
    """HTTP(S) to an address checked beforehand; TLS still verifies the host name."""

    def __init__(self, target: Target, limits: Limits) -> None:
        context = ssl.create_default_context() if target.scheme == "https" else None
        super().__init__(target.host, target.port, timeout=limits.connect_timeout,
                         context=context)
        self._target = target
        self._read_timeout = limits.read_timeout

    def connect(self) -> None:
        sock = socket.create_connection((self._target.address, self.port), self.timeout)
        sock.settimeout(self._read_timeout)
        if self._target.scheme == "https":
            sock = self._context.wrap_socket(sock, server_hostname=self.host)
        self.sock = sock


def _read_capped(response: Any, limits: Limits, deadline: float) -> bytes:
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("the answer took too long")
        chunk = response.read(min(65536, limits.max_bytes + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limits.max_bytes:
            raise OverflowError(f"the answer is larger than {limits.max_bytes} bytes")


def post_document(url: str, body: bytes, limits: Limits) -> AttemptResult:
    """POST one document and judge the answer; never raises for network trouble."""
    started = time.monotonic()

    def done(outcome: Outcome, **fields: Any) -> AttemptResult:
        elapsed = int((time.monotonic() - started) * 1000)
        return AttemptResult(outcome, url=url, duration_ms=elapsed, **fields)

    try:
        target = check_target(url, limits.allow_private)
    except DeliveryRefused as refused:
        return done(Outcome.FAILED, error=str(refused))
    connection = _PinnedConnection(target, limits)
    try:
        connection.request("POST", target.path, body=body, headers={
            "Content-Type": "text/xml; charset=utf-8", "User-Agent": USER_AGENT,
        })
        response = connection.getresponse()
        deadline = started + limits.connect_timeout + limits.read_timeout
        answer = _read_capped(response, limits, deadline)
    except TimeoutError:
        return done(Outcome.RETRY, error="timeout: no answer in time")
    except ssl.SSLError as error:
        return done(Outcome.RETRY, error=f"tls: {error.reason or error}")
    except OverflowError as error:
        return done(Outcome.RETRY, error=f"answer_too_large: {error}")
    except (OSError, http.client.HTTPException) as error:
        return done(Outcome.RETRY, error=f"connection: {type(error).__name__}: {error}")
    finally:
        connection.close()
    return judge_answer(response.status, answer, done)


def judge_answer(http_status: int, answer: bytes, done: Any) -> AttemptResult:
    """Sent, retry or failed, from the HTTP status and the cXML Status in the answer.

    The cXML code decides when there is one (a 200 page can carry Status 400); without one,
    the HTTP status does. 4xx are permanent (the same bytes would be refused again), 5xx
    temporary; a redirect is refused rather than followed.
    """
    detail = answer[:2000].decode("utf-8", errors="replace")
    status = _cxml_status(answer)
    if 300 <= http_status < 400:
        return done(Outcome.FAILED, http_status=http_status, detail=detail,
                    error="redirect_refused: the buyer answered with a redirect")
    code = status.code if status is not None else http_status
    fields = {"http_status": http_status, "detail": detail,
              "status_code": status.code if status else None,
              "status_text": (status.text if status else "")[:255]}
    if 200 <= code < 300:
        note = "" if status is not None or not answer.strip() else "answer was not cXML"
        return done(Outcome.SENT, error=note, **fields)
    if 400 <= code < 500:
        return done(Outcome.FAILED, error=f"refused: the buyer answered {code}", **fields)
    return done(Outcome.RETRY, error=f"temporary: the buyer answered {code}", **fields)


def _cxml_status(answer: bytes) -> cxml.Status | None:
    if not answer.strip():
        return None
    try:
        document = cxml.read_cxml(answer, max_bytes=len(answer) + 1)
    except cxml.CXMLError:
        return None
    response = document.payload
    return response.status if isinstance(response, cxml.Response) else None


def with_secret(body: bytes, secret: str) -> bytes:
    """The stored body with the current outbound secret in place of its mask."""
    return body.replace(_MASKED_SECRET, b"<SharedSecret>" + escape(secret).encode() +
                        b"</SharedSecret>", 1)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.retried + self.failed


def deliver_due(limit: int = 20) -> DeliveryReport:
    """Send every message that is due now (one pass); returns what happened."""
    report = DeliveryReport()
    limits = limits_from_config()
    for message_id in outbox.due_messages(utcnow(), limit):
        if not outbox.claim(message_id, utcnow()):
            continue  # another worker has it
        result = deliver_one(message_id, limits)
        message = outbox.record_attempt(message_id, result, utcnow())
        if message.status == outbox.OutboxStatus.SENT:
            report.sent += 1
        elif message.status == outbox.OutboxStatus.FAILED:
            report.failed += 1
            log.warning("outbox message %s failed for good: %s", message_id, message.last_error)
        else:
            report.retried += 1
    return report


def deliver_one(message_id: int, limits: Limits) -> AttemptResult:
    """One attempt for a claimed message (its connection's current URL and secret)."""
    message = outbox.get_message(message_id)
    connection = buyers.get_connection(message.connection_id)
    try:
        target = buyers.outbound_target(connection)
    except Exception as error:  # noqa: BLE001  (an undecryptable secret: staff must fix it)
        return AttemptResult(Outcome.FAILED, error=f"credentials: {error}"[:500])
    if not target.url:
        return AttemptResult(Outcome.FAILED, error="no_url: the connection has no document URL")
    body, connection_id = with_secret(message.body, target.secret), connection.id
    # No transaction stays open while waiting for the buyer.
    db.session.rollback()
    result = post_document(target.url, body, limits)
    log.info("outbox message %s -> connection %s: %s %s", message_id, connection_id,
             result.outcome, result.status_code or result.http_status or result.error)
    return result
