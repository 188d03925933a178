"""The XML body limit: 413 before parsing, for declared lengths and for chunked bodies."""

from __future__ import annotations

import http.client
import io
import threading
from collections.abc import Iterator

import pytest
from flask import Blueprint, Flask, request
from lxml import etree
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder, run_wsgi_app

from shop.body_limit import enforce_xml_body_limit, xml_body_limit
from shop.extensions import csrf
from tests.conftest import dtd_path

LIMIT = 1000


class Endpoint:
    """A test-only XML endpoint that records what reached it."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def blueprint(self) -> Blueprint:
        bp = Blueprint("xml_test", __name__)

        @bp.post("/_xml")
        @csrf.exempt
        @xml_body_limit
        def receive() -> tuple[str, int]:
            self.bodies.append(request.get_data())
            return f"received {len(self.bodies[-1])}", 200

        guarded = Blueprint("xml_guarded", __name__, url_prefix="/_guarded")
        guarded.before_request(enforce_xml_body_limit)

        @guarded.post("/doc")
        def doc() -> tuple[str, int]:
            self.bodies.append(request.get_data())
            return "ok", 200

        csrf.exempt(guarded)
        bp.register_blueprint(guarded)
        return bp


@pytest.fixture
def endpoint(app: Flask) -> Endpoint:
    app.config["MAX_XML_BYTES"] = LIMIT
    endpoint = Endpoint()
    app.register_blueprint(endpoint.blueprint())
    return endpoint


def _status(body: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(body, parser).find("Response/Status")


def test_a_body_at_the_limit_reaches_the_view(client, endpoint):
    body = b"<cXML>" + b"x" * (LIMIT - 13) + b"</cXML>"
    response = client.post("/_xml", data=body, content_type="text/xml")
    assert response.status_code == 200
    assert endpoint.bodies == [body]


def test_one_byte_more_is_refused_with_a_cxml_status(client, endpoint):
    body = b"<cXML>" + b"x" * (LIMIT - 12) + b"</cXML>"
    response = client.post("/_xml", data=body, content_type="text/xml; charset=utf-8")
    assert response.status_code == 413
    assert response.mimetype == "text/xml"
    status = _status(response.data)
    assert status.get("code") == "413" and status.get("text") == "Request Entity Too Large"
    assert str(LIMIT) in status.text
    assert endpoint.bodies == []


class CountingStream(io.RawIOBase):
    """A request body that counts how much of it was read."""

    def __init__(self, size: int) -> None:
        self.remaining, self.read_bytes = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        n = min(len(buffer), self.remaining, 65536)
        buffer[:n] = b"x" * n
        self.remaining -= n
        self.read_bytes += n
        return n


def _environ(stream: io.RawIOBase, content_length: int | None, chunked: bool = False) -> dict:
    """A request environ whose body is ``stream``, with or without a Content-Length."""
    environ = EnvironBuilder(path="/_xml", method="POST", content_type="text/xml").get_environ()
    environ["wsgi.input"] = stream
    environ.pop("CONTENT_LENGTH", None)
    if content_length is not None:
        environ["CONTENT_LENGTH"] = str(content_length)
    if chunked:
        # What a server that decodes chunked bodies (gunicorn, Werkzeug's) announces.
        environ["wsgi.input_terminated"] = True
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    return environ


class Answer:
    def __init__(self, app: Flask, environ: dict) -> None:
        # Straight through WSGI: the test client would read the stream to measure it.
        body, status, _ = run_wsgi_app(app, environ, buffered=True)
        self.status_code = int(status.split()[0])
        self.data = b"".join(body)


def test_a_huge_declared_body_is_refused_without_reading_it(app, endpoint):
    stream = CountingStream(1024**3)  # one gigabyte announced
    response = Answer(app, _environ(stream, 1024**3))
    assert response.status_code == 413
    assert stream.read_bytes == 0
    assert endpoint.bodies == []


def test_a_chunked_body_is_read_with_a_cap(app, endpoint):
    stream = CountingStream(50 * LIMIT)
    response = Answer(app, _environ(stream, None, chunked=True))
    assert response.status_code == 413
    assert _status(response.data).get("code") == "413"
    assert stream.read_bytes < 50 * LIMIT  # stopped early
    assert endpoint.bodies == []


@pytest.mark.parametrize("size", [0, 1, LIMIT - 1, LIMIT])
def test_a_chunked_body_within_the_limit_arrives_whole(app, endpoint, size):
    response = Answer(app, _environ(CountingStream(size), None, chunked=True))
    assert response.status_code == 200
    assert endpoint.bodies == [b"x" * size]


def test_a_chunked_body_one_byte_over_the_limit_is_refused(app, endpoint):
    response = Answer(app, _environ(CountingStream(LIMIT + 1), None, chunked=True))
    assert response.status_code == 413
    assert endpoint.bodies == []


def test_a_non_xml_body_gets_a_plain_413(client, endpoint):
    response = client.post("/_xml", data={"cxml-urlencoded": "x" * 2 * LIMIT})
    assert response.status_code == 413
    assert response.mimetype == "text/plain"
    assert "larger than the limit" in response.text


def test_the_limit_works_as_a_blueprint_hook(client, endpoint):
    assert client.post("/_guarded/doc", data=b"<a/>", content_type="text/xml").status_code == 200
    big = client.post("/_guarded/doc", data=b"x" * (LIMIT + 1), content_type="text/xml")
    assert big.status_code == 413
    assert endpoint.bodies == [b"<a/>"]


@pytest.mark.shared
def test_the_413_answer_is_valid_cxml(client, endpoint):
    response = client.post("/_xml", data=b"x" * (LIMIT + 1), content_type="text/xml")
    dtd = etree.DTD(str(dtd_path("1.2.063", "cXML.dtd")))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(response.data, parser)
    assert dtd.validate(root), dtd.error_log.filter_from_errors()
    assert response.data.startswith((b"<?xml version='1.0' encoding='UTF-8'?>",
                                     b'<?xml version="1.0" encoding="UTF-8"?>'))


def test_the_default_limit_takes_a_4_mb_order_and_refuses_more_than_10_mb(app):
    # Defaults as shipped: MAX_XML_BYTES = 10 MB.
    endpoint = Endpoint()
    app.register_blueprint(endpoint.blueprint())
    client = app.test_client()
    line = b"<ItemOut quantity='1' lineNumber='%d'><ItemID><SupplierPartID>PEN-001</SupplierPartID>"
    order = b"<cXML>" + b"".join(line % n + b" " * 700 + b"</ItemID></ItemOut>\n"
                                 for n in range(5000)) + b"</cXML>"
    assert 4_000_000 <= len(order) < 10 * 1024 * 1024
    assert client.post("/_xml", data=order, content_type="text/xml").status_code == 200
    assert endpoint.bodies == [order]
    too_big = b"x" * (10 * 1024 * 1024 + 1)
    assert client.post("/_xml", data=too_big, content_type="text/xml").status_code == 413


# ---------- over a real socket ----------


@pytest.fixture
def server(app: Flask, endpoint: Endpoint) -> Iterator[int]:
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    thread.join(timeout=10)


def _post_chunked(port: int, chunks: list[bytes]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/_xml", body=iter(chunks), encode_chunked=True,
                           headers={"Content-Type": "text/xml", "Transfer-Encoding": "chunked"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_chunked_upload_over_http_is_capped(server, endpoint):
    status, body = _post_chunked(server, [b"<cXML>", b"x" * (3 * LIMIT), b"</cXML>"])
    assert status == 413
    assert _status(body).get("code") == "413"
    assert endpoint.bodies == []


def test_chunked_upload_over_http_within_the_limit(server, endpoint):
    status, body = _post_chunked(server, [b"<cXML>", b"x" * 100, b"</cXML>"])
    assert (status, body) == (200, b"received 113")
    assert endpoint.bodies == [b"<cXML>" + b"x" * 100 + b"</cXML>"]
