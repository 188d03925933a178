"""A small real HTTP server on 127.0.0.1 that plays a buyer's procurement system.

Each POST takes the next behaviour from ``script`` (the last one repeats): ``ok`` answers
cXML Status 200, ``500`` answers HTTP 500 with cXML 500, ``400`` answers cXML 400 inside an
HTTP 200, ``http400`` answers HTTP 400 with an HTML page (no cXML), ``sleep`` waits longer
than the shop's timeout, ``redirect`` answers 302 to another local URL, ``plain`` answers 200
with a non-XML body, ``huge`` answers 4 MB. Every request is recorded.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from shop import cxml


@dataclass
class FakeBuyer:
    script: list[str] = field(default_factory=lambda: ["ok"])
    received: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    sleep_seconds: float = 3.0
    port: int = 0
    tls: ssl.SSLContext | None = None  # serve https with this server context

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}/cxml/inbound"

    def next_behaviour(self) -> str:
        index = min(len(self.received) - 1, len(self.script) - 1)
        return self.script[index]

    def payload_ids(self) -> list[str]:
        return [cxml.read_cxml(body).payload_id for body in self.received]


def _answer(code: int, text: str) -> bytes:
    return cxml.build_status_response(code, text, host="buyer.example")


def _handler(buyer: FakeBuyer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            length = int(self.headers.get("Content-Length") or 0)
            buyer.received.append(self.rfile.read(length))
            buyer.paths.append(self.path)
            behaviour = buyer.next_behaviour()
            if behaviour == "sleep":
                time.sleep(buyer.sleep_seconds)
                self._send(200, _answer(200, "OK"))
            elif behaviour == "500":
                self._send(500, _answer(500, "Internal Server Error"))
            elif behaviour == "400":
                self._send(200, _answer(400, "Bad Request: unknown order"))
            elif behaviour == "http400":
                self._send(400, b"<html><body>Bad Request</body></html>")
            elif behaviour == "redirect":
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.1:{buyer.port}/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif behaviour == "plain":
                self._send(200, b"thanks")
            elif behaviour == "huge":
                self._send(200, b" " * (4 * 1024 * 1024))
            else:
                self._send(200, _answer(200, "OK"))

        def _send(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the shop gave up waiting (the timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def serve(buyer: FakeBuyer) -> Iterator[FakeBuyer]:
    """Run the server in a thread for the duration of a fixture."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(buyer))
    server.daemon_threads = True
    if buyer.tls is not None:
        server.socket = buyer.tls.wrap_socket(server.socket, server_side=True)
    buyer.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield buyer
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
