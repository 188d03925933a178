"""The buyer's document endpoint during the soak: a loopback HTTP server that receives the
shop's outbox documents (confirmations, ship notices, invoices) and can be told to fail.

While it fails it answers HTTP 500 (what a buyer's system does when its own database is
down); the shop's outbox must then retry with backoff and deliver everything once it
recovers, each order's documents in the order they were written. Every document accepted
with a 200 is recorded with its payloadID and the order it refers to, for the books.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from shop import cxml

REQUEST_KINDS = ("ConfirmationRequest", "ShipNoticeRequest", "InvoiceDetailRequest")


@dataclass
class Received:
    """What the receiver saw: accepted documents per order, refused and repeated ones."""

    by_order: dict[str, list[str]] = field(default_factory=dict)  # orderID → payloadIDs
    kinds: dict[str, str] = field(default_factory=dict)  # payloadID → document type
    refused: int = 0  # answered 500 while failing
    repeated: int = 0  # a payloadID accepted before, sent again (at-least-once delivery)
    unreadable: int = 0


def _read(body: bytes) -> tuple[str, str, str]:
    """payloadID, document type and the orderID it refers to (through the hardened door)."""
    root = cxml.parse_xml(body, max_bytes=len(body) + 1)
    request = root.find("Request")
    content = next(iter(request)) if request is not None and len(request) else None
    kind = str(content.tag) if content is not None else ""
    reference = root.find(".//OrderReference")
    order_id = reference.get("orderID", "") if reference is not None else ""
    return root.get("payloadID", ""), kind, order_id


class Receiver:
    """``url`` takes POSTs; ``failing`` makes it answer 500 until it is cleared."""

    def __init__(self) -> None:
        self.failing = threading.Event()
        self.received = Received()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                status, body = receiver.take(self.rfile.read(length))
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass  # the books are the record; no line per request

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/cxml/documents"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def take(self, body: bytes) -> tuple[int, bytes]:
        """The answer to one delivery: 500 while failing, else 200 (and it is recorded)."""
        if self.failing.is_set():
            with self._lock:
                self.received.refused += 1
            return 500, _status(500, "Internal Server Error: the buyer's system is down")
        try:
            payload_id, kind, order_id = _read(body)
        except cxml.CXMLError:
            with self._lock:
                self.received.unreadable += 1
            return 400, _status(400, "Bad Request: unreadable document")
        with self._lock:
            if payload_id in self.received.kinds:
                self.received.repeated += 1
            else:
                self.received.kinds[payload_id] = kind
                self.received.by_order.setdefault(order_id, []).append(payload_id)
        return 200, _status(200, "OK")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _status(code: int, text: str) -> bytes:
    return cxml.build_status_response(code, text, host="buyer.soak.example")
