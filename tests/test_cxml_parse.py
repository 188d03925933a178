"""The hardened parser refuses hostile XML with a clear CXMLError and reads nothing it names.

Payloads re-created after defusedxml's test data and security.md §1.1 (X1–X9). A real HTTP
server on 127.0.0.1 counts requests: it must see none. A canary file checks that no file
named by a document is opened.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from shop.cxml import CXMLError, parse_xml, read_cxml

pytestmark = pytest.mark.timeout(30)

OFFICIAL = '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd">'
SECRET = "TOPSECRET-4711"


class CountingServer:
    """An HTTP server on a free local port that records every request it gets."""

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                hits.append(self.path)
                body = f'<!ENTITY leak "{SECRET}">'.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.hits = hits
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CountingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server() -> Iterator[CountingServer]:
    with CountingServer() as running:
        yield running


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    """A secret file whose access time shows whether anything read it."""
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def was_read(path: Path) -> bool:
    return path.stat().st_atime_ns > path.stat().st_mtime_ns


def arm(path: Path) -> None:
    """Set the access time before the modification time, so that any read moves it."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_mtime_ns - 10**9, stat.st_mtime_ns))
    with open(path, "rb") as handle:  # check that this file system records reads at all
        handle.read()
    if not was_read(path):
        pytest.skip("this file system does not record access times (noatime)")
    os.utime(path, ns=(stat.st_mtime_ns - 10**9, stat.st_mtime_ns))


def refuse(body: bytes, match: str) -> CXMLError:
    with pytest.raises(CXMLError, match=match) as caught:
        parse_xml(body)
    error = caught.value
    assert SECRET not in str(error) and "line " not in str(error) and "/tmp" not in str(error)
    return error


def cxml(inner: str = "<Header/>", doctype: str = OFFICIAL) -> bytes:
    root = f'<cXML payloadID="p" timestamp="t">{inner}</cXML>'
    return f'<?xml version="1.0"?>\n{doctype}\n{root}'.encode()


def test_official_doctype_is_accepted_and_not_fetched(server: CountingServer) -> None:
    root = parse_xml(cxml())
    assert root.tag == "cXML"
    spelling = OFFICIAL.replace("xml.cxml.org", "xml.cXML.org").replace("http:", "https:")
    lower = cxml(doctype=spelling)
    assert parse_xml(lower).tag == "cXML"
    assert server.hits == []


def test_billion_laughs() -> None:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    )
    refuse(cxml("&lol9;", f"<!DOCTYPE cXML [{entities}]>"), "not allowed|not well-formed")


def test_quadratic_blowup() -> None:
    body = cxml("&a;" * 50_000, f'<!DOCTYPE cXML [<!ENTITY a "{"x" * 50_000}">]>')
    refuse(body, "not allowed|not well-formed")


def test_harmless_looking_entity_is_refused_too() -> None:
    refuse(cxml("&x;", '<!DOCTYPE cXML [<!ENTITY x "y">]>'), "declares entities or elements")


def test_external_file_entity(canary: Path) -> None:
    arm(canary)
    body = cxml("<Header>&xxe;</Header>",
                f'<!DOCTYPE cXML [<!ENTITY xxe SYSTEM "file://{canary}">]>')
    error = refuse(body, "declares entities or elements")
    assert error.status == 400
    assert not was_read(canary)
    with pytest.raises(CXMLError):
        read_cxml(body)
    assert not was_read(canary)


def test_etc_passwd_entity() -> None:
    body = cxml("<Header>&xxe;</Header>",
                '<!DOCTYPE cXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    error = refuse(body, "declares entities or elements")
    assert "root:" not in str(error) and "root:" not in (error.internal or "")


def test_parameter_entity(canary: Path, server: CountingServer) -> None:
    arm(canary)
    for target in (f"file://{canary}", f"{server.url}/param.dtd"):
        refuse(cxml(doctype=f'<!DOCTYPE cXML [<!ENTITY % p SYSTEM "{target}"> %p;]>'),
               "declares entities or elements|not well-formed|external resource")
    assert not was_read(canary)
    assert server.hits == []


def test_external_dtd_on_a_local_server_gets_no_request(server: CountingServer) -> None:
    refuse(cxml("<Header>&leak;</Header>", f'<!DOCTYPE cXML SYSTEM "{server.url}/evil.dtd">'),
           "official cXML DTD")
    refuse(cxml(doctype=f'<!DOCTYPE cXML PUBLIC "-//x//y" "{server.url}/evil.dtd">'),
           "official cXML DTD")
    refuse(cxml("<Header>&e;</Header>", f'<!DOCTYPE cXML [<!ENTITY e SYSTEM "{server.url}/e">]>'),
           "declares entities")
    assert server.hits == []


def test_external_dtd_as_a_file(canary: Path) -> None:
    arm(canary)
    refuse(cxml(doctype=f'<!DOCTYPE cXML SYSTEM "file://{canary}">'), "official cXML DTD")
    assert not was_read(canary)


def test_undeclared_entity_behind_an_official_doctype() -> None:
    refuse(cxml("<Header>&nbsp;</Header>"), "entity reference &nbsp; is not allowed")


def test_doctype_for_another_root() -> None:
    refuse(b'<!DOCTYPE html SYSTEM "about:legacy-compat"><html/>', "DOCTYPE names 'html'")


def test_deep_nesting() -> None:
    deep = b"<a>" * 100_000 + b"</a>" * 100_000
    refuse(deep, "more than 256 levels deep")
    with pytest.raises(CXMLError, match="more than 20 levels deep"):
        parse_xml(b"<cXML>" + b"<a>" * 40 + b"</a>" * 40 + b"</cXML>", max_depth=20)
    assert parse_xml(b"<cXML>" + b"<a>" * 18 + b"</a>" * 18 + b"</cXML>", max_depth=20) is not None


def test_oversize_body_is_refused_before_parsing() -> None:
    with pytest.raises(CXMLError, match="larger than 1000 bytes") as caught:
        parse_xml(b" " * 1001, max_bytes=1000)
    assert caught.value.status == 413
    with pytest.raises(CXMLError) as default_limit:
        parse_xml(b"<cXML>" + b"x" * (10 * 1024 * 1024) + b"</cXML>")
    assert default_limit.value.status == 413


def test_huge_text_node_is_refused_even_under_a_larger_limit() -> None:
    body = b"<cXML>" + b"x" * (11 * 1024 * 1024) + b"</cXML>"
    with pytest.raises(CXMLError, match="exceeds a parser limit|not well-formed"):
        parse_xml(body, max_bytes=50 * 1024 * 1024)


def test_xinclude_is_not_processed(canary: Path) -> None:
    arm(canary)
    body = cxml(f'<Header><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                f'href="file://{canary}" parse="text"/></Header>')
    root = parse_xml(body)
    assert SECRET not in "".join(root.itertext())
    assert not was_read(canary)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (b"<cXML><a></b></cXML>", "an end tag does not match its start tag"),
        (b"<cXML>", "not well-formed"),
        (b'<cXML payloadID="a&b"/>', "not well-formed"),
        (b"<cXML/><cXML/>", "content after the root element"),
        # Not XML at all: libxml2 calls it ERR_DOCUMENT_EMPTY, but the body is not empty.
        (b"not xml", r"not well-formed XML: it does not start with an XML element \('<'"),
        (b"hello <x/>", r"it does not start with an XML element \('<' expected\)"),
        (b"cxml-urlencoded=%3CcXML%3E", r"it does not start with an XML element"),
        (b'<?xml version="1.0"?>\n<!-- no element -->', "well-formed XML: it has no root element"),
    ],
)
def test_malformed_documents_get_a_fixed_safe_message(body: bytes, reason: str) -> None:
    error = refuse(body, reason)
    assert "column" not in str(error)
    assert body.strip() == b"" or "empty" not in str(error)


def test_parser_wants_bytes() -> None:
    with pytest.raises(TypeError):
        parse_xml("<cXML/>")  # type: ignore[arg-type]


def test_other_encodings_follow_the_declaration() -> None:
    body = '<?xml version="1.0" encoding="ISO-8859-1"?><cXML>Größe</cXML>'.encode("latin-1")
    assert parse_xml(body).text == "Größe"
